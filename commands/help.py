"""The `/kpi help` text, built from the parser's usage table so the two cannot drift."""

from __future__ import annotations

from commands.parse import USAGE

INTRO = (
    "*kpibot* keeps your goals and the KPIs that measure them in Slack. "
    "Each KPI has one owner, a target and a reporting cadence."
)


def help_text(topic: str | None = None) -> str:
    if topic and topic in USAGE:
        return USAGE[topic]
    lines = [INTRO, "", *(f"• {usage}" for usage in USAGE.values())]
    return "\n".join(lines)
