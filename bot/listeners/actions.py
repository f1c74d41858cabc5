"""Buttons in messages and the Home tab: log a value, pick among matching KPIs, edit a V2MOM."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import blocks, ids
from bot.replies import deliver, open_modal
from bot.respond import reply
from bot.runtime import Failure, Runtime
from commands import kpis, v2mom, values
from commands.context import CommandError, Context
from commands.lookup import find_kpi, find_team
from commands.results import OpenModal, Result

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.action(ids.LOG_OPEN)
    def log_open(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        # "KEY" or, from Home and reminders, "KEY PERIOD": the period said to be missing
        key, _, period = str(body["actions"][0]["value"]).partition(" ")
        _open_form(rt, body, respond, lambda ctx: values.open_log_form(ctx, key, period or None))

    @app.action(ids.V2MOM_EDIT_OPEN)
    def v2mom_edit(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_key = body["actions"][0]["value"]
        _open_form(rt, body, respond, lambda ctx: v2mom.open_edit(ctx, find_team(ctx, team_key)))

    @app.action(re.compile(rf"^{ids.CHOOSE_KPI_PREFIX}\d+$"))
    def choose(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            choice = json.loads(body["actions"][0]["value"])
        except (KeyError, json.JSONDecodeError):
            reply(respond, blocks.error("That choice has expired.", "Run the command again."))
            return
        outcome = rt.execute(user_id, lambda ctx: _carry_on(ctx, choice))
        deliver(
            rt,
            outcome,
            user_id=user_id,
            respond=respond,
            trigger_id=body.get("trigger_id"),
            channel_id=_channel(body),
        )


def _carry_on(ctx: Context, choice: dict[str, Any]) -> Result:
    kpi = find_kpi(ctx, str(choice.get("kpi", "")))
    if choice.get("action") == "log":
        return values.log_to(
            ctx,
            kpi,
            str(choice.get("value", "")),
            period_text=choice.get("period"),
            note=choice.get("note"),
            source="slack",
        )
    if choice.get("action") == "show":
        return kpis.show(ctx, kpi.key, share=bool(choice.get("share")))
    raise CommandError("That choice has expired.", hint="Run the command again.")


def _channel(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    found = channel.get("id") or body.get("container", {}).get("channel_id")
    return str(found) if found else None


def _open_form(rt: Runtime, body: dict[str, Any], respond: Respond, use_case: Any) -> None:
    user_id = body["user"]["id"]
    outcome = rt.execute(user_id, use_case)
    has_response_url = bool(body.get("response_url"))
    if isinstance(outcome, OpenModal):
        open_modal(
            rt,
            outcome,
            user_id=user_id,
            trigger_id=body.get("trigger_id"),
            channel_id=_channel(body),
            respond=respond if has_response_url else None,
        )
    elif isinstance(outcome, Failure):
        if has_response_url:
            reply(respond, blocks.error(outcome.message, outcome.hint))
        else:  # a button on the Home tab has no response_url: tell the user by DM
            rt.client.chat_postMessage(
                channel=user_id,
                text=outcome.message,
                blocks=blocks.error(outcome.message, outcome.hint).blocks,
            )
