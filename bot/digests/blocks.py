"""Block Kit for the weekly team digest and the company roll-up (plain data in, payloads out).

A team digest reads top to bottom in thirty seconds: the header with the week and the status
counts, one chart, then the KPIs under the goals they serve, what is missing and from whom,
focus and alignment warnings, and open action items from the last review.

People are named, not pinged: an owner shows as their name when kpibot knows it (from the
config file's people, or Slack's profile), and is @-mentioned only for a late value while they
are not away (core.digest.MissingValue.mentions). Without a known name there is no other way
to show who someone is than a mention, so then the mention is used.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks import (
    MAX_BLOCKS,
    MAX_SECTION,
    STATUS_EMOJI,
    Block,
    Message,
    context,
    header,
    section,
    status_text,
)
from commands.results import TeamDigest
from commands.rollup import RollupDigest
from commands.text import esc
from core.digest import ActionItem, DigestGoal, DigestRow, MissingValue, StatusCounts
from core.kinds import Status
from core.status import format_date

COUNT_EMOJI = {
    "on track": STATUS_EMOJI[Status.ON_TRACK],
    "at risk": STATUS_EMOJI[Status.AT_RISK],
    "off track": STATUS_EMOJI[Status.OFF_TRACK],
    "missing": ":white_circle:",
    "without target": ":heavy_minus_sign:",
}
MAX_ROLLUP_LINES = 400


def person(user_id: str, name: str | None, *, mention: bool = False) -> str:
    """A person as the digest shows them (see the module docstring)."""
    if mention or not name:
        return f"<@{user_id}>"
    return esc(name)


def counts_line(counts: StatusCounts) -> str:
    parts = [f"{COUNT_EMOJI[label]} {n} {label}" for label, n in counts.parts()]
    return " · ".join(parts) or "no KPIs yet"


def _as_of(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"as of {local:%a} {format_date(local)} {local:%H:%M} ({timezone})"


def image(file_id: str, alt_text: str, title: str) -> Block:
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": alt_text[:2000] or title,
        "title": {"type": "plain_text", "text": title[:150]},
    }


def row_line(row: DigestRow) -> str:
    if row.value is None:
        shown = f"_no value for {esc(row.period_label)}_"
    else:
        shown = f"*{esc(row.value)}*"
        if row.change is not None:
            shown += f" ({esc(row.change.summary(row.previous_label or 'before'))})"
    line = (
        f"{STATUS_EMOJI[row.status]} *{esc(row.name)}* — {shown} · {esc(row.progress)}"
        f" · {person(row.owner, row.owner_name)}"
    )
    if row.projection:  # indented under its KPI, so the eye keeps the two together
        line += f"\n\u2003:checkered_flag: _{esc(row.projection)}_"
    return line


def _goal_sections(goal: DigestGoal) -> list[Block]:
    due = f" · due {format_date(goal.deadline)}" if goal.deadline else ""
    head = f":dart: *{esc(goal.title)}* · {status_text(goal.status)}{due}"
    return [section(chunk) for chunk in _pack([head, *(row_line(r) for r in goal.rows)])]


def _pack(lines: list[str]) -> list[str]:
    """Lines joined into as few section texts as Slack's size limit allows."""
    chunks: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and sum(len(c) + 1 for c in current) + len(line) > MAX_SECTION:
            chunks.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("\n".join(current))
    return chunks


def missing_line(item: MissingValue) -> str:
    who = person(item.owner, item.owner_name, mention=item.owner in item.mentions)
    line = f"• {esc(item.kpi_name)} ({esc(item.period_label)}) — {who}"
    if item.skipped is not None:
        return line + f", skipped: _{esc(item.skipped)}_"
    if item.away_until is not None:
        line += f", away until {format_date(item.away_until)}"
        if item.delegate:
            mentioned = item.delegate in item.mentions
            line += f"; {person(item.delegate, None, mention=mentioned)} logs for them"
    # late only when core.due says so: before that it is merely not in yet, and nobody is pinged
    line += " · *late*" if item.late else ", not in yet"
    return line


def action_line(item: ActionItem) -> str:
    line = f"• {esc(item.text)} — {person(item.owner, item.owner_name)}"
    if item.kpi_name:
        line += f" · {esc(item.kpi_name)}"
    if item.due:
        line += f" · due {format_date(item.due)}" + (" · *overdue*" if item.overdue else "")
    return line


def team_digest(
    digest: TeamDigest,
    *,
    file_id: str | None,
    alt_text: str,
    preview: bool = False,
    chart_note: str | None = None,
) -> Message:
    """The digest message; ``file_id`` is the uploaded chart (None: shown without it)."""
    week = digest.week_label
    blocks: list[Block] = [
        header(f":bar_chart: {digest.team_name} — {week}"),
        context(f"{counts_line(digest.counts)}  ·  {_as_of(digest.moment, digest.timezone)}"),
    ]
    if preview:
        blocks.append(
            context(
                ":eyes: Preview: only you can see this. `/kpi digest` posts it in the channel "
                "(team lead or admin)."
            )
        )
    if file_id:
        blocks.append(image(file_id, alt_text, digest.chart_title))
    elif chart_note:
        blocks.append(context(chart_note))
    if not digest.goals:
        blocks.append(
            section("No KPIs yet. A team lead adds them with `/kpi add` (or `kpibot import`).")
        )
    for goal in digest.goals:
        blocks.extend(_goal_sections(goal))
    if digest.missing:
        lines = ["*Missing values*", *(missing_line(m) for m in digest.missing)]
        blocks.extend(section(chunk) for chunk in _pack(lines))
    if digest.warnings:
        lines = [f":warning: {esc(w)}" for w in digest.warnings]
        if digest.more_warnings:
            lines.append(
                f"_…and {digest.more_warnings} more: `kpibot check --team {digest.team_key}`_"
            )
        blocks.append(section("*Focus and alignment*\n" + "\n".join(lines)))
    if digest.action_items:
        lines = ["*Open action items from reviews*", *(action_line(a) for a in digest.action_items)]
        blocks.extend(section(chunk) for chunk in _pack(lines))
    blocks.extend(scorecard_blocks(digest))
    blocks.append(
        context(
            f"Late values for {esc(week)} update this digest. Log one with "
            f"`/kpi log KPI VALUE for {digest.week_key}`."
        )
    )
    text = f"{digest.team_name} digest, {week}: {_plain_counts(digest.counts)}"
    return Message(text=text, blocks=_fit(blocks), in_channel=not preview)


def scorecard_blocks(digest: TeamDigest) -> list[Block]:
    """The team's scorecard in a code block, when the team asked for it in its digest."""
    if not digest.scorecard:
        return []
    blocks, chunk = [], ""
    for part in digest.scorecard.split("\n\n"):  # a section holds 3,000 characters
        if chunk and len(chunk) + len(part) > 2800:
            blocks.append(section(f"```\n{chunk}\n```"))
            chunk = ""
        chunk = f"{chunk}\n\n{part[:2800]}" if chunk else part[:2800]
    blocks.append(section(f"```\n{chunk}\n```"))
    return [section("*Scorecard*"), *blocks]


def _plain_counts(counts: StatusCounts) -> str:
    return ", ".join(f"{n} {label}" for label, n in counts.parts()) or "no KPIs yet"


def _fit(blocks: list[Block]) -> list[Block]:
    """Within Slack's 50 blocks: the tail is replaced by a pointer to the full list."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    kept.append(context("_The digest is too long to show in full; see `/kpi list`._"))
    return kept


def rollup(digest: RollupDigest, *, file_id: str | None, alt_text: str) -> Message:
    week = digest.week_label
    blocks: list[Block] = [
        header(f":office: Company roll-up — {week}"),
        context(f"{counts_line(digest.counts)}  ·  {_as_of(digest.moment, digest.timezone)}"),
    ]
    if file_id:
        blocks.append(image(file_id, alt_text, digest.chart_title))
    lines = []
    for goal in digest.goals[:MAX_ROLLUP_LINES]:
        indent = "\u2003" * goal.depth
        team = f" · {esc(goal.team)}" if goal.team else ""
        on_track = goal.counts.on_track
        measured = (
            f" · {on_track}/{goal.counts.total} KPIs on track"
            if goal.counts.total
            else " · no KPIs"
        )
        lines.append(f"{indent}{STATUS_EMOJI[goal.status]} *{esc(goal.title)}*{team}{measured}")
    if not lines:
        lines.append("No goals yet. Add company goals with `/kpi goal add`.")
    chunks = _pack(lines)
    room = MAX_BLOCKS - len(blocks) - 2
    blocks.extend(section(chunk) for chunk in chunks[:room])
    shown = sum(chunk.count("\n") + 1 for chunk in chunks[:room])
    if shown < len(digest.goals):
        blocks.append(
            context(f"…and {len(digest.goals) - shown} more goals: `/kpi goal list` shows all.")
        )
    blocks.append(context("Each goal shows the worst status among its KPIs and sub-goals."))
    text = f"Company roll-up, {week}: {_plain_counts(digest.counts)}"
    return Message(text=text, blocks=blocks, in_channel=True)
