"""Reminder DMs: Log value, Skip this period (asks why), Snooze; and user_change events, which
keep cached timezones current. Each listener acks, delegates to a use case, and answers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot import blocks, ids, modals
from bot.listeners.views import done_view
from bot.reminders import blocks as reminder_blocks
from bot.reminders import refresh as reminders
from bot.reminders.timezones import profile_of
from bot.replies import open_modal
from bot.respond import reply
from bot.runtime import Failure, Runtime
from commands.context import CommandError, Context
from commands.reminders import messages as reminder_messages
from commands.results import Notice, OpenModal
from commands.timezones import user_changed
from storage.db import session_scope

log = logging.getLogger(__name__)
SNOOZES = re.compile(f"^({ids.REMINDER_SNOOZE_LATER}|{ids.REMINDER_SNOOZE_TOMORROW})$")


def register(app: App, rt: Runtime) -> None:
    @app.action(ids.REMINDER_LOG)
    def log_value(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, nudge_id = body["user"]["id"], _number(body)
        outcome = rt.execute(user_id, lambda ctx: reminder_messages.open_log(ctx, nudge_id))
        if isinstance(outcome, OpenModal):
            open_modal(
                rt,
                outcome,
                user_id=user_id,
                trigger_id=body.get("trigger_id"),
                channel_id=_channel(body),
                respond=respond,
            )
        else:
            reply(respond, blocks.error(outcome.message, outcome.hint))

    @app.action(ids.REMINDER_SKIP)
    def skip(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, nudge_id = body["user"]["id"], _number(body)
        form = rt.execute(user_id, lambda ctx: reminder_messages.skip_form(ctx, nudge_id))
        if isinstance(form, Failure):
            reply(respond, blocks.error(form.message, form.hint))
            return
        view = reminder_blocks.skip_modal(form, channel=_channel(body))
        try:
            rt.client.views_open(
                trigger_id=body.get("trigger_id"), view=modals.opened_for(view, user_id)
            )
        except SlackApiError as exc:
            reason = exc.response.get("error")
            reply(respond, blocks.error(f"The form could not be opened ({reason}).", "Try again."))

    @app.view(ids.REMINDER_SKIP_FORM)
    def skip_submitted(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        reason = modals.read_state(view).get("reason")
        nudge_id = int(modals.metadata(view).get("nudge") or 0)
        outcome = rt.execute(
            body["user"]["id"],
            _field_errors(lambda ctx: reminder_messages.skip(ctx, nudge_id, reason)),
        )
        if isinstance(outcome, dict):
            ack(response_action="errors", errors=outcome)
        elif isinstance(outcome, Failure):
            ack(response_action="update", view=done_view(blocks.error(outcome.message)))
        else:
            ack(
                response_action="update",
                view=done_view(blocks.notice(Notice(outcome.text, tone="ok"))),
            )
            reminders.refresh(rt, outcome.refresh)

    @app.action(SNOOZES)
    def snooze(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = body["actions"][0]
        choice = "later" if action["action_id"] == ids.REMINDER_SNOOZE_LATER else "tomorrow"
        try:
            delivery_id = int(json.loads(action.get("value") or "{}").get("delivery", 0))
        except (ValueError, AttributeError):
            delivery_id = 0
        outcome = rt.execute(
            body["user"]["id"], lambda ctx: reminder_messages.snooze(ctx, delivery_id, choice)
        )
        if isinstance(outcome, Failure):
            reply(respond, blocks.error(outcome.message, outcome.hint))
        else:
            reminders.refresh(rt, outcome.refresh)  # the message now says until when
            # ...and the person hears it, above all when nothing was left to snooze (a button
            # pressed again on a reminder answered meanwhile changes nothing, and says so).
            reply(respond, blocks.notice(Notice(outcome.text, tone="ok")))

    @app.event("user_change")
    def user_change(event: dict[str, Any]) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        with session_scope(rt.engine) as session:
            user_changed(session, str(user["id"]), profile_of(user), now=rt.now())


def _number(body: dict[str, Any]) -> int:
    try:
        return int(body["actions"][0].get("value") or 0)
    except (KeyError, IndexError, ValueError):
        return 0


def _channel(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    found = channel.get("id") or body.get("container", {}).get("channel_id")
    return str(found) if found else None


def _field_errors(
    use_case: Callable[[Context], reminder_messages.Answered],
) -> Callable[[Context], reminder_messages.Answered | dict[str, str]]:
    """A problem with the reason goes back into the form, next to the input."""

    def run(ctx: Context) -> reminder_messages.Answered | dict[str, str]:
        try:
            return use_case(ctx)
        except CommandError as exc:
            if exc.field != "reason":
                raise
            ctx.session.rollback()
            return {"reason": exc.message[:150]}

    return run
