"""`/kpi`: ack at once, then parse, run the use case and respond."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks
from bot.replies import FormToOpen, deliver, with_form_choices
from bot.respond import reply
from bot.reviews import job as review_jobs
from bot.runtime import Runtime
from commands import dispatch
from commands.context import Context
from commands.parsing import UsageError
from commands.registry import parse
from commands.results import Result
from commands.reviews.results import ReviewQueued
from commands.text import esc

log = logging.getLogger(__name__)
COMMAND = "/kpi"


def register(app: App, rt: Runtime) -> None:
    @app.command(COMMAND)
    def kpi(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        handle_command(rt, body, respond)


def handle_command(rt: Runtime, body: dict[str, Any], respond: Respond) -> None:
    user_id, channel_id = body["user_id"], body.get("channel_id")
    text = body.get("text") or ""

    def run(ctx: Context) -> Result | FormToOpen | UsageError:
        """Parse and run in one transaction: "today" is the caller's, read with the rest."""
        try:
            command = parse(text, today=ctx.today)
        except UsageError as exc:
            return exc
        return with_form_choices(ctx, dispatch.run(ctx, command, channel_id=channel_id))

    try:
        outcome = rt.execute(user_id, run)
        if isinstance(outcome, UsageError):
            reply(respond, blocks.error(esc(str(outcome)), "See `/kpi help` for every command."))
            return
        deliver(
            rt,
            outcome,
            user_id=user_id,
            respond=respond,
            trigger_id=body.get("trigger_id"),
            channel_id=channel_id,
        )
        if isinstance(outcome, ReviewQueued):
            review_jobs.kick(rt)  # post the review thread or summary now, off this pool
    except Exception:
        # Already acked: Slack would show nothing, so tell the user instead of going silent.
        log.exception("/kpi failed after ack")
        reply(
            respond,
            blocks.error(
                "Sorry, kpibot hit an error answering that; nothing was changed.",
                "Try again in a moment.",
            ),
        )
