"""Review threads: the buttons under each KPI (commentary, decision, action item) and their
forms, "Done" on action items, and owners' replies in review threads captured as commentary.

Each listener acks, delegates to a use case through the Runtime, and answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot import blocks, ids, modals
from bot.home import publish_home
from bot.listeners.views import done_view
from bot.respond import reply
from bot.reviews.views import review_modal
from bot.runtime import Failure, Runtime
from commands.context import CommandError, Context
from commands.results import Notice
from commands.reviews import inputs as review_inputs
from commands.reviews.action_items import mark_done
from commands.reviews.replies import Captured, capture_reply, remove_reply
from commands.text import esc
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)
FORMS: dict[str, Callable[[Context, int], review_inputs.ReviewForm]] = {
    ids.REVIEW_COMMENT_OPEN: review_inputs.comment_form,
    ids.REVIEW_DECISION_OPEN: review_inputs.decision_form,
    ids.REVIEW_ACTION_OPEN: review_inputs.action_form,
}
THREAD_CHANNELS = ("channel", "group")


def register(app: App, rt: Runtime) -> None:
    for action_id, form in FORMS.items():
        app.action(action_id)(_opener(rt, form))

    @app.action(ids.ACTION_DONE)
    def action_done(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        item_id = _number(body["actions"][0].get("value"))
        outcome = rt.execute(user_id, lambda ctx: mark_done(ctx, item_id))
        if body.get("response_url"):
            if isinstance(outcome, Failure):
                reply(respond, blocks.error(outcome.message, outcome.hint))
            else:
                reply(respond, blocks.notice(Notice(outcome, tone="ok")))
        elif isinstance(outcome, Failure):  # the Home tab has no response_url: a DM instead
            rt.client.chat_postMessage(channel=user_id, text=outcome.message)
        if (body.get("view") or {}).get("type") == "home":
            publish_home(rt, user_id)

    submit(
        app,
        rt,
        ids.REVIEW_COMMENT,
        lambda ctx, f, i: review_inputs.add_comment(ctx, i, f.get("comment")),
    )
    submit(
        app,
        rt,
        ids.REVIEW_DECISION,
        lambda ctx, f, i: review_inputs.decide(
            ctx, i, f.get("outcome"), f.get("reason"), f.get("target")
        ),
    )
    submit(
        app,
        rt,
        ids.REVIEW_ACTION,
        lambda ctx, f, i: review_inputs.add_review_action(
            ctx, i, f.get("text"), f.get("owner"), _date(f.get("due"))
        ),
    )

    @app.event("message", matchers=[lambda body: _in_channel(body)])
    def thread_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        handle_message(rt, event, event_id=body.get("event_id"))


def _opener(
    rt: Runtime, form: Callable[[Context, int], review_inputs.ReviewForm]
) -> Callable[..., None]:
    def open_form(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        item_id = _number(body["actions"][0].get("value"))
        outcome = rt.execute(user_id, lambda ctx: form(ctx, item_id))
        if isinstance(outcome, Failure):
            _reply_in_thread(rt, body, respond, blocks.error(outcome.message, outcome.hint))
            return
        try:
            view = modals.opened_for(review_modal(outcome), user_id)
            rt.client.views_open(trigger_id=body.get("trigger_id"), view=view)
        except SlackApiError as exc:
            reason = exc.response.get("error")
            log.warning("views.open failed: %s", reason)
            message = blocks.error(f"The form could not be opened ({reason}).", "Try again.")
            _reply_in_thread(rt, body, respond, message)

    return open_form


def _reply_in_thread(
    rt: Runtime, body: dict[str, Any], respond: Respond, message: blocks.Message
) -> None:
    """Answer a button in a review thread inside that thread: a response URL posts its
    ephemeral in the channel, away from the KPI message the person clicked under."""
    channel = (body.get("channel") or {}).get("id")
    thread_ts = (body.get("message") or {}).get("thread_ts")
    if channel and thread_ts:
        try:
            rt.client.chat_postEphemeral(
                channel=channel,
                user=body["user"]["id"],
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread_ts,
            )
            return
        except SlackApiError as exc:  # e.g. the bot left the channel: answer anyway
            log.info("could not answer in the thread: %s", exc.response.get("error"))
    reply(respond, message)


def submit(
    app: App,
    rt: Runtime,
    callback_id: str,
    use_case: Callable[[Context, dict[str, Any], int], str],
) -> None:
    @app.view(callback_id)
    def handler(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        fields, item_id = modals.read_state(view), _number(modals.metadata(view).get("item"))

        def run(ctx: Context) -> str | dict[str, str]:
            try:
                return use_case(ctx, fields, item_id)
            except CommandError as exc:
                if exc.field:
                    ctx.session.rollback()
                    return {exc.field: exc.message}
                raise

        outcome = rt.execute(body["user"]["id"], run)
        if isinstance(outcome, dict):
            ack(response_action="errors", errors=modals.field_errors(outcome, view))
        elif isinstance(outcome, Failure):
            ack(
                response_action="update",
                view=done_view(blocks.error(outcome.message, outcome.hint)),
            )
        else:
            ack(response_action="update", view=done_view(blocks.notice(Notice(outcome, tone="ok"))))


# --- replies in review threads -------------------------------------------------------------------


def _in_channel(body: dict[str, Any]) -> bool:
    event = body.get("event") or {}
    return event.get("channel_type") in THREAD_CHANNELS


def handle_message(rt: Runtime, event: dict[str, Any], *, event_id: str | None = None) -> None:
    """Capture an owner's reply in an open review thread (new, edited or deleted).

    The event ID is recorded in the transaction that records the reply (see
    bot.listeners.events): a first attempt that dies half-way leaves neither, so Slack's retry
    is handled; a retry of one that committed is skipped."""
    subtype = event.get("subtype")
    channel = str(event.get("channel") or "")
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        thread_ts = previous.get("thread_ts")
        if thread_ts and previous.get("ts"):
            with session_scope(rt.engine) as session:
                if first_time(session, rt, event_id):
                    remove_reply(session, channel=channel, thread_ts=thread_ts, ts=previous["ts"])
        return
    message = event.get("message") if subtype == "message_changed" else event
    if subtype not in (None, "message_changed", "thread_broadcast") or not message:
        return
    user, thread_ts, ts = message.get("user"), message.get("thread_ts"), message.get("ts")
    if message.get("bot_id") or not user or not thread_ts or not ts or thread_ts == ts:
        return
    with session_scope(rt.engine) as session:
        if not first_time(session, rt, event_id):
            return
        captured = capture_reply(
            session,
            channel=channel,
            thread_ts=thread_ts,
            ts=ts,
            user=user,
            text=str(message.get("text") or ""),
            now=rt.now(),
        )
    _tell(rt, captured, channel=channel, user=user, thread_ts=thread_ts)


def first_time(session: Any, rt: Runtime, event_id: str | None) -> bool:
    """Record the event as handled in ``session``; False if another attempt already was."""
    return event_id is None or repo.first_delivery(session, str(event_id), rt.now())


def _tell(rt: Runtime, captured: Captured, *, channel: str, user: str, thread_ts: str) -> None:
    if captured.outcome == "captured":
        text = f"Recorded as your commentary on *{esc(captured.kpi_name or '')}*."
    elif captured.outcome == "ambiguous":
        keys = ", ".join(f"`{key}:`" for key in captured.options)
        text = (
            "You own several KPIs in this review, so I did not record that reply as commentary. "
            f"Start it with the KPI's key ({keys}), or use *Add commentary* under the KPI."
        )
    else:
        return
    try:
        rt.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except SlackApiError as exc:  # the commentary is recorded either way
        log.info("could not confirm a captured reply: %s", exc.response.get("error"))


def _number(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
