"""Holding a claimed batch of deliveries, and reading Slack's rate-limit answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from storage import outbox
from storage.db import session_scope


class RateLimited(RuntimeError):
    """Slack kept answering 429 for longer than a run may wait; the message waits for later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class LeaseLost(Exception):
    """Another process took over the batch (this one was too slow): leave it to them."""


class BatchLease:
    """The lease on one claimed batch, renewed once half of it has run out."""

    def __init__(
        self,
        engine: Engine,
        owner: str,
        ids: Iterable[int],
        *,
        expires: datetime,
        length: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine, self.owner, self.ids = engine, owner, set(ids)
        self.expires, self.length, self.clock = expires, length, clock

    def done(self, delivery_id: int) -> None:
        self.ids.discard(delivery_id)

    def keep(self) -> None:
        """Renew if needed; raises LeaseLost if a delivery still to send was taken over."""
        now = self.clock()
        if now < self.expires - self.length / 2:
            return
        with session_scope(self.engine) as session:
            held = outbox.renew(session, self.ids, self.owner, now=now, lease=self.length)
        lost = self.ids - held
        self.ids, self.expires = held, now + self.length
        if lost:
            raise LeaseLost()


def retry_after(exc: SlackApiError) -> float:
    """Seconds Slack asked to wait (at least one)."""
    try:
        return max(1.0, float(exc.response.headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0
