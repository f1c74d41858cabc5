"""Block Kit for the sources job's DMs to a KPI's owner: a source that failed for good, and a
pulled number offered as a correction of the value they logged."""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.blocks import Message, button, context, section
from commands.text import esc


def notice(payload: dict[str, Any]) -> Message:
    kpi, period = esc(payload.get("kpi")), esc(payload.get("period"))
    if payload.get("type") == "correction":
        return correction(payload)
    text = f":warning: kpibot could not pull *{kpi}* for {period}: {esc(payload.get('error'))}"
    return Message(
        text,
        [
            section(text),
            context(
                f"Tried {payload.get('tries')} times; nothing was stored. Log the value with "
                f"`/kpi log {kpi} VALUE period:{period}`, or fix the source and test it with "
                f"`kpibot sources test {kpi} --period {period}`."
            ),
        ],
    )


def correction(payload: dict[str, Any]) -> Message:
    value, logged = esc(payload.get("value")), esc(payload.get("logged"))
    text = (
        f"*{esc(payload.get('source'))}* says {value} for {esc(payload.get('period_label'))} "
        f"of *{esc(payload.get('kpi'))}*; you logged {logged}."
    )
    choice = json.dumps(
        {
            "kpi": payload.get("kpi"),
            "period": payload.get("period"),
            "number": payload.get("number"),
        }
    )
    return Message(
        text,
        [
            section(text),
            {
                "type": "actions",
                "elements": [
                    button(f"Use {payload.get('value')}", ids.SOURCE_USE_PULLED, choice),
                    button("Keep mine", ids.SOURCE_KEEP_MINE, choice),
                ],
            },
        ],
    )
