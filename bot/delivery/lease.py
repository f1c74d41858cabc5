"""Holding a claimed batch of deliveries: the lease, renewed while the batch is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from storage import outbox
from storage.db import session_scope


def under_lease(
    engine: Engine,
    name: str,
    owner: str,
    *,
    now: datetime,
    ttl: timedelta,
    step: Callable[[], None],
) -> bool:
    """Run ``step`` holding the named lease (one process at a time plans or refreshes);
    False, without running it, when another process holds the lease."""
    with session_scope(engine) as session:
        held = outbox.acquire_lease(session, name, owner, now=now, ttl=ttl)
    if not held:
        return False
    try:
        step()
    finally:
        with session_scope(engine) as session:
            outbox.release_lease(session, name, owner)
    return True


class LeaseLost(Exception):
    """Another process took over the batch (this one was too slow): leave it to them."""


class BatchLease:
    """The lease on one claimed batch, renewed once half of it has run out. A delivery whose
    lease was lost stays lost for this holder: it is never sent by it, whenever that is found."""

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
        self.lost: set[int] = set()

    def done(self, delivery_id: int) -> None:
        self.ids.discard(delivery_id)

    def keep(self, delivery_id: int | None = None) -> None:
        """Renew if needed; raises LeaseLost if ``delivery_id`` was taken over (at this
        renewal or an earlier one)."""
        now = self.clock()
        if now >= self.expires - self.length / 2:
            with session_scope(self.engine) as session:
                held = outbox.renew(session, self.ids, self.owner, now=now, lease=self.length)
            self.lost |= self.ids - held
            self.ids, self.expires = held, now + self.length
        if delivery_id is not None and delivery_id in self.lost:
            raise LeaseLost()
