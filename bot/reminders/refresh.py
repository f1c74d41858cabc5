"""Reminder messages kept current: once a KPI period is logged, skipped or snoozed, every DM
that asked about it (and the lead's late notice) is updated in place with chat.update."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError

from bot.reminders import blocks as reminder_blocks
from bot.runtime import Runtime
from commands.reminder_messages import message_for, to_refresh
from commands.results import ValueLogged
from storage.db import session_scope

log = logging.getLogger(__name__)


def refresh(rt: Runtime, delivery_ids: Iterable[int]) -> None:
    """Re-render sent reminder messages from the database and update them in Slack."""
    for delivery_id in delivery_ids:
        with session_scope(rt.engine) as session:
            message, channel, ts = message_for(session, delivery_id, now=rt.now(), policy=rt.policy)
        if message is None or channel is None or ts is None:
            continue
        rendered = reminder_blocks.render(message)
        try:
            rt.client.chat_update(
                channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks
            )
        except SlackApiError as exc:  # the answer is recorded; only the old message lags
            log.warning("could not update reminder %s: %s", delivery_id, exc.response.get("error"))


def after_logged(rt: Runtime, outcome: object) -> None:
    """After any use case: if it logged a value, update the reminders about that period."""
    if not isinstance(outcome, ValueLogged):
        return
    with session_scope(rt.engine) as session:
        ids = to_refresh(session, outcome.kpi_key, outcome.period_key)
    refresh(rt, ids)
