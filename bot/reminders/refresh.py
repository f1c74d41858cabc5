"""Reminder messages kept current: once a KPI period is logged, skipped or snoozed, every DM
that asked about it (and the lead's late notice), and every recent one listing it as still
missing, is updated in place with chat.update."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from slack_sdk.errors import SlackApiError

from bot.events import ValueStored
from bot.reminders import blocks as reminder_blocks
from bot.runtime import Runtime
from commands.reminders.messages import message_for, to_refresh
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


def subscribe(rt: Runtime) -> None:
    """Once a value is stored, update the reminders about that period (at once: the person
    who answered is looking at the DM)."""

    def values_stored(events: Sequence[ValueStored]) -> None:
        for event in events:
            with session_scope(rt.engine) as session:
                ids = to_refresh(session, event.kpi_key, event.period_key, rt.now())
            refresh(rt, ids)

    rt.events.subscribe(values_stored)
