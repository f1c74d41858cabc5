"""Block Kit for every Result: plain data in, Slack message payloads out.

Text a user typed is escaped here when it arrives inside structured results (names, titles,
notes); `Notice` and error texts were escaped by the use case that wrote them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot import ids
from commands.results import (
    Choose,
    GoalCard,
    GoalNode,
    GoalTree,
    KpiCard,
    KpiRow,
    KpiTable,
    Notice,
    Result,
    V2momView,
    ValueLogged,
)
from commands.text import esc
from core.kinds import Status, Trend

Block = dict[str, Any]

STATUS_EMOJI = {
    Status.ON_TRACK: ":large_green_circle:",
    Status.AT_RISK: ":large_yellow_circle:",
    Status.OFF_TRACK: ":red_circle:",
    Status.NO_DATA: ":white_circle:",
}
# Words, not arrows: a trend says good or bad, and "↗" beside a falling cost would contradict
# the numbers (an arrow shows which way the value moved, as in digests).
TREND_TEXT = {
    Trend.IMPROVING: "improving",
    Trend.WORSENING: "worsening",
    Trend.FLAT: "steady",
    Trend.UNKNOWN: "",
}
REPORTING = {"late": ":hourglass: value late", "owner away": ":palm_tree: owner away"}
TONE_EMOJI = {"ok": ":white_check_mark:", "info": "", "warn": ":warning:", "error": ":x:"}
MAX_SECTION = 2900  # Slack allows 3000 characters in a section's text
MAX_BLOCKS = 48  # Slack allows 50 blocks in a message


@dataclass
class Message:
    text: str  # the notification and accessibility fallback
    blocks: list[Block] = field(default_factory=list)
    in_channel: bool = False


def section(text: str, **extra: Any) -> Block:
    if len(text) > MAX_SECTION:
        text = text[: MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:2000]} for t in texts]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def status_text(status: Status) -> str:
    return f"{STATUS_EMOJI[status]} {status.label}"


def render(result: Result) -> Message:
    match result:
        case Notice():
            return notice(result)
        case KpiTable():
            return kpi_table(result)
        case KpiCard():
            return kpi_card(result)
        case GoalTree():
            return goal_tree(result)
        case GoalCard():
            return goal_card(result)
        case Choose():
            return choose(result)
        case ValueLogged():
            return value_logged(result)
        case V2momView():
            return v2mom(result)
    raise TypeError(f"no Block Kit for {type(result).__name__}")


def notice(result: Notice) -> Message:
    emoji = TONE_EMOJI[result.tone]
    text = f"{emoji} {result.text}".strip()
    blocks = [section(text)]
    if result.details:
        blocks.append(context(*(d for d in result.details[:10])))
    return Message(text=text, blocks=blocks)


def error(message: str, hint: str | None = None) -> Message:
    return notice(Notice(message, tone="error", details=(hint,) if hint else ()))


def kpi_line(row: KpiRow) -> str:
    latest = f"*{esc(row.latest)}*" if row.latest else "_no value yet_"
    trend = f" · {TREND_TEXT[row.trend]}" if TREND_TEXT[row.trend] else ""
    period = f" ({esc(row.latest_period)})" if row.latest_period else ""
    return (
        f"{STATUS_EMOJI[row.status]} *{esc(row.name)}* `{row.key}` — {latest}{period}{trend}"
        f"\n    target {esc(row.target)} · <@{row.owner}> · {row.cadence}"
        + (f" · {esc(row.team)}" if row.team else "")
        + (f" · {REPORTING[row.reporting]}" if row.reporting in REPORTING else "")
    )


def kpi_table(result: KpiTable) -> Message:
    title = esc(result.title)
    if not result.rows:
        return Message(text=f"{title}: none", blocks=[section(f"*{title}*\n{result.empty_hint}")])
    counts = {s: sum(1 for r in result.rows if r.status is s) for s in Status}
    summary = " · ".join(f"{STATUS_EMOJI[s]} {n} {s.label}" for s, n in counts.items() if n)
    blocks: list[Block] = [section(f"*{title}* ({len(result.rows)})"), context(summary)]
    shown = result.rows[: MAX_BLOCKS - 3]
    blocks.extend(section(kpi_line(row)) for row in shown)
    if len(result.rows) > len(shown):
        rest = len(result.rows) - len(shown)
        blocks.append(
            context(f"…and {rest} more. Narrow the list with `team:`, `owner:` or `goal:`.")
        )
    return Message(text=f"{title}: {len(result.rows)} KPIs", blocks=blocks)


def kpi_card(result: KpiCard, *, chart_file_id: str | None = None, alt_text: str = "") -> Message:
    row = result.row
    name = esc(row.name)
    fields = [
        f"*Latest*\n{esc(row.latest) if row.latest else 'no value yet'}"
        + (f" ({esc(row.latest_period)})" if row.latest_period else ""),
        f"*Target*\n{esc(row.target)}"
        + (f" from {esc(result.baseline)}" if result.baseline else ""),
        f"*Status*\n{status_text(row.status)}"
        + (f" · {TREND_TEXT[row.trend]}" if TREND_TEXT[row.trend] else "")
        + (f"\n{REPORTING[row.reporting]}" if row.reporting in REPORTING else ""),
        f"*Owner*\n<@{row.owner}>",
        f"*Cadence*\n{row.cadence}, {row.indicator} indicator",
        f"*Goal*\n{esc(row.goal) if row.goal else '_none: which goal does this serve?_'}",
    ]
    blocks: list[Block] = [
        section(f"*{name}* `{row.key}`" + ("" if row.active else "  _(retired)_")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if result.definition:
        blocks.append(context(f"Definition: {esc(result.definition)} · {result.direction}"))
    if result.decision:
        blocks.append(context(f"Informs: {esc(result.decision)}"))
    blocks.append(context(esc(row.reason)))
    blocks.extend(_outlook_blocks(result))
    if chart_file_id:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file_id},
                "alt_text": alt_text[:2000] or f"Chart of {row.name}",
                "title": {"type": "plain_text", "text": row.name[:150]},
            }
        )
    if result.history:
        lines = "\n".join(
            f"{esc(label)}: *{esc(value)}*" + (f" via API token *{esc(token)}*" if token else "")
            for (label, value), token in zip(
                result.history, result.via_tokens or (None,) * len(result.history), strict=True
            )
        )
        blocks.append(section(f"*Recent values*\n{lines}"))
    if row.active and not row.computed:  # a formula KPI is worked out, not logged
        blocks.append(
            {
                "type": "actions",
                "elements": [button("Log value", ids.LOG_OPEN, row.key, style="primary")],
            }
        )
    text = f"{row.name}: {row.latest or 'no value yet'} ({row.status.label})"
    return Message(text=text, blocks=blocks, in_channel=result.shared)


def _outlook_blocks(result: KpiCard) -> list[Block]:
    """Where it is heading, its targets by period and, for a formula KPI, what it is made of."""
    lines = []
    if result.projection:
        lines.append(f":checkered_flag: {esc(result.projection)}")
    if result.targets:
        lines.append(f"Targets by period: {esc(result.targets)}")
    if result.formula:
        lines.append(f"Computed: `{esc(result.formula)}`")
    if result.missing:
        lines.append(f":hourglass: No value yet: {esc(result.missing)}")
    return [context(line) for line in lines]


def _goal_line(node: GoalNode) -> str:
    indent = "\u2003" * node.depth
    due = f" · due {node.deadline:%d %b %Y}" if node.deadline else " · _no deadline_"
    team = f" · {esc(node.team)}" if node.team else ""
    measured = (
        f" · {node.kpi_count} KPI{'s' if node.kpi_count != 1 else ''}" if node.kpi_count else ""
    )
    return (
        f"{indent}{STATUS_EMOJI[node.status]} *{esc(node.title)}* `{node.key}`{team}{due}{measured}"
    )


def goal_tree(result: GoalTree) -> Message:
    if not result.nodes:
        hint = "No goals yet. Add one with `/kpi goal add` (or import a YAML file)."
        return Message(text="No goals yet", blocks=[section(hint)])
    lines = [_goal_line(n) for n in result.nodes]
    blocks: list[Block] = [section("*Goals*")]
    chunk: list[str] = []
    for line in lines:  # pack lines into sections within Slack's size limits
        if sum(len(c) + 1 for c in chunk) + len(line) > MAX_SECTION:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    blocks.append(section("\n".join(chunk)))
    return Message(text=f"{len(result.nodes)} goals", blocks=blocks[:MAX_BLOCKS])


def goal_card(result: GoalCard) -> Message:
    node = result.node
    blocks: list[Block] = [section(_goal_line(GoalNode(**{**node.__dict__, "depth": 0})))]
    if result.description:
        blocks.append(context(esc(result.description)))
    if result.parent:
        blocks.append(context(f"Serves: {esc(result.parent)}"))
    if result.children:
        blocks.append(section("*Sub-goals*\n" + "\n".join(_goal_line(c) for c in result.children)))
    if result.kpis:
        blocks.append(section("*Measured by*"))
        blocks.extend(section(kpi_line(r)) for r in result.kpis[:30])
    if result.advice:
        blocks.append(context(*(f":bulb: {a}" for a in result.advice)))
    return Message(text=f"{node.title} ({node.status.label})", blocks=blocks)


def choose(result: Choose) -> Message:
    payload = {"action": result.action, **result.carry}
    options = [
        button(label, f"{ids.CHOOSE_KPI_PREFIX}{i}", json.dumps({**payload, "kpi": key}))
        for i, (key, label) in enumerate(result.options[:5])
    ]
    return Message(
        text=result.prompt,
        blocks=[section(result.prompt), {"type": "actions", "elements": options}],
    )


def value_logged(result: ValueLogged) -> Message:
    name = esc(result.kpi_name)
    if result.unchanged:
        text = f"*{name}* already has {esc(result.value)} for {esc(result.period_label)}; nothing changed."
    elif result.replaced:
        text = (
            f":white_check_mark: Logged *{esc(result.value)}* for *{name}*, {esc(result.period_label)}, "
            f"replacing {esc(result.replaced)} (kept in history)."
        )
    else:
        text = f":white_check_mark: Logged *{esc(result.value)}* for *{name}*, {esc(result.period_label)}."
    status = f"{status_text(result.status)} — {esc(result.reason)}"
    if result.status_period_label:  # a past period was logged: say whose status this is
        latest = f"{esc(result.status_value)} for {esc(result.status_period_label)}"
        status = f"Status now, from the latest value ({latest}): {status}"
    blocks = [section(text), context(status)]
    if result.note:
        blocks.append(context(f"Note: {esc(result.note)}"))
    return Message(text=text, blocks=blocks)


def v2mom(result: V2momView) -> Message:
    team = esc(result.team_name)
    parts = [
        ("Vision", result.vision),
        ("Values", result.values),
        ("Methods", result.methods),
        ("Obstacles", result.obstacles),
    ]
    blocks: list[Block] = [header(f"V2MOM — {result.team_name}")]
    for title, value in parts:
        blocks.append(section(f"*{title}*\n{esc(value) if value else '_not written yet_'}"))
    measures = "\n".join(kpi_line(r) for r in result.measures) or "_no KPIs yet_"
    blocks.append(section(f"*Measures*\n{measures}"))
    if result.can_edit:
        blocks.append(
            {
                "type": "actions",
                "elements": [button("Edit V2MOM", ids.V2MOM_EDIT_OPEN, result.team_key)],
            }
        )
    return Message(text=f"V2MOM of {team}", blocks=blocks)
