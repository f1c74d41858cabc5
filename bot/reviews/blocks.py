"""Block Kit for review threads: the parent message, one message per KPI, and the summary.

Every text a user typed (KPI names, reasons, action items, definitions) is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from bot import ids
from bot.blocks import (
    MAX_BLOCKS,
    STATUS_EMOJI,
    TREND_TEXT,
    Block,
    Message,
    button,
    context,
    header,
    section,
    status_text,
)
from commands.results import OpenActionItem
from commands.reviews.content import ItemView, ParentView, SummaryView
from commands.text import esc
from core.relevance import Flag

SPARKS = "▁▂▃▄▅▆▇█"
MAX_ACTIONS_SHOWN = 10
OUTCOME_EMOJI = {"keep": ":white_check_mark:", "adjust": ":dart:", "retire": ":file_cabinet:"}


def sparkline(values: Sequence[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    low, high = min(finite), max(finite)
    if high == low:
        return SPARKS[3] * len(finite)
    return "".join(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))] for v in finite)


def action_line(item: OpenActionItem, today: date) -> str:
    due = ""
    if item.due is not None:
        due = f" · due {item.due:%d %b}" + (" :warning: overdue" if item.overdue(today) else "")
    about = f" · {esc(item.kpi_name)}" if item.kpi_name else ""
    return f"• {esc(item.text)} — <@{item.owner}>{due}{about}"


def image(file_id: str, alt_text: str, title: str) -> Block:
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": alt_text[:2000] or title,
        "title": {"type": "plain_text", "text": title[:150]},
    }


def parent(view: ParentView, *, chart_file_id: str | None, alt_text: str) -> Message:
    opened = "on schedule" if view.opened_by == "schedule" else f"by <@{view.opened_by}>"
    blocks: list[Block] = [
        header(f"KPI review — {view.team_name}"),
        section(
            f"*Meeting:* {esc(view.meeting)} (opened {opened}).\n"
            "Fresh numbers below. Owners: before the meeting, add the story behind your "
            "numbers in this thread (start a reply with the KPI's key, like `pipeline: ...`) "
            "or with *Add commentary*."
        ),
    ]
    if view.counts:
        blocks.append(
            context(" · ".join(f"{STATUS_EMOJI[s]} {n} {s.label}" for s, n in view.counts))
        )
    agenda = []
    if view.relevance:
        names = ", ".join(f"*{esc(name)}*" for name, _, _ in view.relevance)
        agenda.append(
            f"*Relevance review* ({len(view.relevance)}): does each still inform a decision? "
            f"Keep, adjust or retire: {names}."
        )
    if view.open_actions:
        agenda.append(f"*Open action items* ({len(view.open_actions)}): done, or still on?")
    agenda.append(f"*Every KPI* ({len(view.kpis)}): the numbers and the story, in this thread.")
    agenda.append(
        "*Decisions and action items*: recorded with the buttons under each KPI; "
        f"`/kpi review close {view.team_key}` posts the summary."
    )
    blocks.append(
        section("*Agenda*\n" + "\n".join(f"{n}. {line}" for n, line in enumerate(agenda, 1)))
    )
    if view.open_actions:
        shown = view.open_actions[:MAX_ACTIONS_SHOWN]
        lines = "\n".join(action_line(item, view.today) for item in shown)
        more = len(view.open_actions) - len(shown)
        blocks.append(
            section(
                "*Open action items*\n"
                + lines
                + (f"\n…and {more} more (`/kpi actions`)." if more else "")
            )
        )
    if chart_file_id:
        blocks.append(image(chart_file_id, alt_text, f"{view.team_name}: every KPI"))
    elif not view.kpis:
        blocks.append(context("The team has no active KPIs."))
    text = f"KPI review of {view.team_name}: {view.meeting}"
    return Message(text=text, blocks=blocks[:MAX_BLOCKS], in_channel=True)


def _relevance(view: ItemView) -> str | None:
    note = view.relevance
    if note is None:
        return None
    since = (
        f"last re-examined {note.examined_on:%d %b %Y} ({note.months_since} months ago)"
        if note.ever_examined
        else f"never re-examined since it was created {note.examined_on:%d %b %Y}"
    )
    reasons = []
    if Flag.STALE in note.flags:
        reasons.append("*stale*: no value for several periods")
    if Flag.VANITY in note.flags:
        missing = [
            what
            for what, present in (
                ("no decision written down", note.decision),
                ("no goal", note.goal),
            )
            if not present
        ]
        reasons.append("*vanity suspect*: " + " and ".join(missing))
    informs = (
        f"It is meant to inform: _{esc(note.decision)}_."
        if note.decision
        else "What decision does it inform?"
    )
    flags = f" It is {'; '.join(reasons)}." if reasons else ""
    return (
        f":mag: *Relevance review* — {since}.{flags} {informs} "
        "Does it still inform a decision? *Keep, adjust or retire* it with *Decision*."
    )


def item(view: ItemView, *, chart_file_id: str | None, alt_text: str) -> Message:
    row = view.row
    latest = (
        f"*{esc(row.latest)}*" + (f" ({esc(row.latest_period)})" if row.latest_period else "")
        if row.latest
        else "_no value yet_"
    )
    spark = sparkline(view.values)
    fields = [
        f"*Value*\n{latest}",
        f"*Target*\n{esc(row.target)}",
        f"*Status*\n{status_text(row.status)}",
        f"*Trend*\n{TREND_TEXT[row.trend] or 'not enough values yet'}"
        + (f"  `{spark}`" if spark else ""),
    ]
    blocks: list[Block] = [
        section(f"*{view.position}/{view.total} · {esc(row.name)}* `{row.key}` — <@{row.owner}>"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        context(esc(row.reason)),
    ]
    if view.projection:
        blocks.append(context(f":checkered_flag: {esc(view.projection)}"))
    relevance = _relevance(view)
    if relevance:
        blocks.append(section(relevance))
    if chart_file_id:
        blocks.append(image(chart_file_id, alt_text, row.name))
    if view.history:
        recent = " · ".join(f"{esc(label)}: {esc(value)}" for label, value in view.history)
        blocks.append(context(f"Recent: {recent}"))
    blocks.append(
        section(
            f"<@{row.owner}>, what is the story behind this number? Reply in this thread "
            f"starting with `{row.key}:` or use *Add commentary*."
        )
    )
    if view.open:
        value = str(view.item_id)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"review_item_{view.item_id}",
                "elements": [
                    button("Add commentary", ids.REVIEW_COMMENT_OPEN, value, style="primary"),
                    button("Decision", ids.REVIEW_DECISION_OPEN, value),
                    button("Add action item", ids.REVIEW_ACTION_OPEN, value),
                ],
            }
        )
    text = f"{row.name}: {row.latest or 'no value yet'} ({row.status.label})"
    return Message(text=text, blocks=blocks[:MAX_BLOCKS], in_channel=True)


def summary(view: SummaryView) -> Message:
    who = (
        "kpibot, as the next review opened"
        if view.closed_by in ("schedule", "kpibot")
        else f"<@{view.closed_by}>"
    )
    blocks: list[Block] = [
        header(f"Review summary — {view.team_name}"),
        context(f"{esc(view.meeting)} · closed by {who}"),
    ]
    if view.decisions:
        lines = []
        for d in view.decisions:
            change = (
                f": {esc(d.target_before)} → {esc(d.target_after)}" if d.outcome == "adjust" else ""
            )
            lines.append(
                f"{OUTCOME_EMOJI.get(d.outcome, '')} *{esc(d.kpi_name)}*: {d.outcome}{change} — "
                f"{esc(d.reason)} (<@{d.by}>)"
            )
        blocks.append(section("*Decisions*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Decisions*\nNone recorded."))
    actions = [action_line(a, view.today) for a in view.new_actions[:MAX_ACTIONS_SHOWN]]
    done = f"\n_{view.done_actions} already done._" if view.done_actions else ""
    blocks.append(section("*Action items*\n" + ("\n".join(actions) or "None added.") + done))
    if view.carried_actions:
        carried = [action_line(a, view.today) for a in view.carried_actions[:MAX_ACTIONS_SHOWN]]
        blocks.append(section("*Still open from earlier reviews*\n" + "\n".join(carried)))
    if view.without_commentary:
        names = ", ".join(
            f"*{esc(name)}* (<@{owner}>)" for name, _, owner in view.without_commentary
        )
        blocks.append(section(f"*Without commentary* ({len(view.without_commentary)}): {names}"))
    else:
        blocks.append(section("*Commentary*: every KPI has its story. :tada:"))
    blocks.append(
        context(
            "Open action items show in the next digests and reviews until marked done (`/kpi actions`)."
        )
    )
    text = (
        f"Review summary of {view.team_name}: {len(view.decisions)} decisions, "
        f"{len(view.new_actions)} action items, {len(view.without_commentary)} KPIs without commentary"
    )
    return Message(text=text, blocks=blocks[:MAX_BLOCKS], in_channel=True)
