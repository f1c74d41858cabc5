"""Holding a claimed batch of deliveries: the lease, renewed while the batch is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from storage import outbox
from storage.db import session_scope


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
