"""An alert as a Slack message: what changed, the latest value against the target, and buttons
to log a value or show the KPI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot import ids
from bot.blocks import Message, button, context, section

HEADINGS = {
    "owner": ":warning: *KPI alert*",
    "team_lead": ":warning: *KPI alert: still not resolved*",
    "channel": ":warning: *KPI alert*",
}


def render(payload: Mapping[str, Any]) -> Message:
    """The message for one alert delivery's payload (commands.alerts.observe)."""
    key = str(payload.get("kpi", ""))
    text = str(payload.get("text", ""))
    heading = HEADINGS.get(str(payload.get("audience")), HEADINGS["owner"])
    facts = []
    if payload.get("value") is not None:
        facts.append(f"Latest: *{payload['value']}* ({payload.get('period')})")
    facts.append(f"Target: {payload.get('target') or 'no target'}")
    if payload.get("audience") != "owner" and payload.get("owner"):
        facts.append(f"Owner: <@{payload['owner']}>")
    show = json.dumps({"kpi": key, "action": "show"})
    actions = [button("Show", f"{ids.CHOOSE_KPI_PREFIX}0", show)]
    if payload.get("audience") == "owner":  # only the owner is asked to log
        actions.insert(0, button("Log value", ids.LOG_OPEN, key, style="primary"))
    blocks = [
        section(f"{heading}\n{text}"),
        context(" · ".join(facts)),
        {"type": "actions", "elements": actions},
    ]
    return Message(text=f"KPI alert: {text}", blocks=blocks)
