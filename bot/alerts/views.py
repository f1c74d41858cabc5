"""Block Kit for `/kpi alerts` and `/kpi scorecard`."""

from __future__ import annotations

from bot.blocks import Message, context, header, section
from commands.results import AlertList, ScorecardView
from commands.text import esc

SECTION_LIMIT = 2900  # Slack's section text limit is 3,000 characters


def render(result: AlertList | ScorecardView) -> Message:
    if isinstance(result, AlertList):
        return alert_list(result)
    return scorecard(result)


def alert_list(result: AlertList) -> Message:
    title = f"Alerts for {result.team_name}"
    where = (
        f"Alerts go to each KPI's owner, to the lead if they last past the next period, and "
        f"to <#{result.channel_id}>."
        if result.channel_alerts and result.channel_id
        else "Alerts go to each KPI's owner, and to the lead if they last past the next period; "
        "not to the team channel (`/kpi alerts channel on` to add it)."
    )
    blocks = [header(title), context(where)]
    if not result.rows:
        blocks.append(section("_This team has no KPIs yet._"))
    lines = []
    for row in result.rows:
        levels = [
            f"below {row.below}" if row.below else "",
            f"above {row.above}" if row.above else "",
        ]
        shown = ", ".join(level for level in levels if level) or "off track only"
        state = "quiet" if row.state == "quiet" else f":warning: {esc(row.state)}"
        lines.append(f"*{esc(row.name)}* (`{row.key}`, <@{row.owner}>): alerts {shown} · {state}")
    for chunk in _chunks(lines):
        blocks.append(section(chunk))
    text = f"{title}: " + "; ".join(f"{row.key} {row.state}" for row in result.rows)
    return Message(text=text[:3000], blocks=blocks)


def scorecard(result: ScorecardView) -> Message:
    """The grid in code blocks (split at blank lines to stay under Slack's section limit)."""
    title = f"Scorecard: {result.team_name}"
    blocks = [header(title)]
    for chunk in _chunks(result.text.split("\n\n"), joiner="\n\n"):
        blocks.append(section(f"```\n{chunk}\n```"))
    other = "phone-sized blocks: `/kpi scorecard`" if result.wide else "one wide table: add `wide`"
    blocks.append(context(f"For {other}."))
    return Message(text=f"{title}\n{result.text}"[:3000], blocks=blocks[:50])


def _chunks(parts: list[str], *, joiner: str = "\n") -> list[str]:
    chunks: list[str] = []
    for part in parts:
        part = part[:SECTION_LIMIT]
        if chunks and len(chunks[-1]) + len(joiner) + len(part) <= SECTION_LIMIT:
            chunks[-1] += joiner + part
        else:
            chunks.append(part)
    return chunks
