"""A pulled number offered as a correction in the owner's DM: Use it, or Keep mine."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks, ids
from bot.events import ValueStored
from bot.replies import open_modal
from bot.respond import reply
from bot.runtime import Failure, Runtime
from commands.reminders import messages as reminder_messages
from commands.results import Notice, OpenModal
from commands.sources import confirm_pulled, keep_logged, use_pulled


def _choice(body: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def register(app: App, rt: Runtime) -> None:
    register_confirm(app, rt)

    @app.action(ids.SOURCE_USE_PULLED)
    def use(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        choice = _choice(body)
        kpi, period = str(choice.get("kpi", "")), str(choice.get("period", ""))
        outcome = rt.execute(
            body["user"]["id"],
            lambda ctx: use_pulled(ctx, kpi, period, float(choice.get("number", "nan"))),
        )
        _answer(respond, outcome)
        if not isinstance(outcome, Failure):
            rt.events.publish(ValueStored(kpi, period, source="slack"))

    @app.action(ids.SOURCE_KEEP_MINE)
    def keep(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        choice = _choice(body)
        kpi, period = str(choice.get("kpi", "")), str(choice.get("period", ""))
        _answer(respond, rt.execute(body["user"]["id"], lambda ctx: keep_logged(ctx, kpi, period)))


def _answer(respond: Respond, outcome: str | Failure) -> None:
    """The DM's buttons give way to what was done, so the choice is made once."""
    if isinstance(outcome, Failure):
        message = blocks.error(outcome.message, outcome.hint)
        respond(text=message.text, blocks=message.blocks, replace_original=False)
        return
    message = blocks.notice(Notice(outcome, tone="ok"))
    respond(text=message.text, blocks=message.blocks, replace_original=True)


def register_confirm(app: App, rt: Runtime) -> None:
    """The reminder DM's Confirm and Add why on a pulled value (Correct is its Log value)."""

    @app.action(ids.SOURCE_CONFIRM)
    def confirm(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        nudge_id = int(body["actions"][0].get("value") or 0)
        outcome = rt.execute(body["user"]["id"], lambda ctx: confirm_pulled(ctx, nudge_id))
        if isinstance(outcome, Failure):
            reply(respond, blocks.error(outcome.message, outcome.hint))
            return
        kpi, period, _ = outcome
        rt.events.publish(ValueStored(kpi, period, source="slack"))  # the DM shows it logged

    @app.action(ids.SOURCE_ADD_WHY)
    def add_why(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, nudge_id = body["user"]["id"], int(body["actions"][0].get("value") or 0)
        outcome = rt.execute(user_id, lambda ctx: reminder_messages.open_log(ctx, nudge_id))
        if isinstance(outcome, OpenModal):
            open_modal(
                rt,
                outcome,
                user_id=user_id,
                trigger_id=body.get("trigger_id"),
                channel_id=(body.get("channel") or {}).get("id"),
                respond=respond,
            )
        else:
            reply(respond, blocks.error(outcome.message, outcome.hint))
