"""The outbox: messages kpibot must send exactly once, however many processes run and crash.

A message's life (every function takes the session; the caller commits, see storage.repo):

1. :func:`create` records it under a unique key (``reminder:U123:2026-11-30T15:00Z``,
   ``digest:sales:2026-W48``), in the same transaction as whatever made it necessary. Creating
   a key that exists does nothing, so planning the same work twice cannot double a message.
2. :func:`claim` leases due rows to one sender until ``now + lease``. On PostgreSQL the rows are
   picked with ``FOR UPDATE SKIP LOCKED``: concurrent senders neither wait for each other nor
   get the same row. On SQLite the claim is a single UPDATE and SQLite has one writer at a
   time, so claims are serialized. Commit right after claiming, so others see the lease.
3. The sender sends, then records the outcome while it still holds the lease:
   :func:`mark_sent` (channel and ts), :func:`mark_failed` (for good, with the reason),
   :func:`release` (not sent, e.g. rate limited: pending again from ``retry_at``) or
   :func:`cancel` (nothing to say any more). :func:`renew` extends a lease during long waits.
   Each returns False when the lease was lost to another process, which then owns the row.
4. A row whose lease ran out (its process crashed or hung) is claimed again by anyone. Its
   ``taken_over`` flag then says the previous holder may have sent the message before dying,
   so the new holder checks before sending again.

Named leases (:func:`acquire_lease`, :func:`release_lease`) let one process at a time plan a
job; a crashed planner's lease is taken over once it expires.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import Delivery, JobLease

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
_DELIVERY: Table = Delivery.__table__  # type: ignore[attr-defined]
_LEASE: Table = JobLease.__table__  # type: ignore[attr-defined]
_MAX_ERROR = 500


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this sender."""

    id: int
    key: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int  # claims so far, this one included
    taken_over: bool  # a previous holder's lease expired: it may have sent the message


def create(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Record a message to send at ``due_at``; its ID, or None when ``key`` already exists."""
    values = {
        "key": key,
        "kind": kind,
        "recipient": recipient,
        "payload": json.dumps(payload or {}, sort_keys=True, default=str),
        "status": PENDING,
        "due_at": due_at,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    statement = _insert(session, _DELIVERY).values(**values)
    statement = statement.on_conflict_do_nothing(index_elements=["key"]).returning(_DELIVERY.c.id)
    row = session.execute(statement).first()
    return None if row is None else int(row[0])


@dataclass(frozen=True)
class NewDelivery:
    key: str
    kind: str
    recipient: str
    due_at: datetime
    payload: dict[str, Any]


def create_many(
    session: Session, deliveries: Sequence[NewDelivery], *, now: datetime
) -> dict[str, int]:
    """Record many messages in one statement; {key: ID} of those created. Keys that already
    existed are left out of the answer, exactly as :func:`create` would return None."""
    if not deliveries:
        return {}
    rows = [
        {
            "key": d.key,
            "kind": d.kind,
            "recipient": d.recipient,
            "payload": json.dumps(d.payload, sort_keys=True, default=str),
            "status": PENDING,
            "due_at": d.due_at,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for d in deliveries
    ]
    statement = _insert(session, _DELIVERY).on_conflict_do_nothing(index_elements=["key"])
    created = session.execute(statement.returning(_DELIVERY.c.id, _DELIVERY.c.key), rows)
    return {row.key: int(row.id) for row in created}


def claim(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    kinds: Sequence[str] | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries (oldest first) to ``owner``."""
    t = _DELIVERY
    due = select(t.c.id).where(
        t.c.status == PENDING,
        t.c.due_at <= now,
        or_(t.c.lease_owner.is_(None), t.c.lease_expires_at < now),
    )
    if kinds:
        due = due.where(t.c.kind.in_(list(kinds)))
    due = due.order_by(t.c.due_at, t.c.id).limit(limit).with_for_update(skip_locked=True)
    statement = (
        update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempts=t.c.attempts + 1,
            taken_over_from=t.c.lease_owner,  # the old value: set only when a lease ran out
            updated_at=now,
        )
        .returning(
            t.c.id,
            t.c.key,
            t.c.kind,
            t.c.recipient,
            t.c.payload,
            t.c.due_at,
            t.c.attempts,
            t.c.taken_over_from,
        )
    )
    claimed = [
        Claimed(
            id=row.id,
            key=row.key,
            kind=row.kind,
            recipient=row.recipient,
            payload=json.loads(row.payload or "{}"),
            due_at=row.due_at,
            attempts=row.attempts,
            taken_over=row.taken_over_from is not None,
        )
        for row in session.execute(statement)
    ]
    return sorted(claimed, key=lambda c: (c.due_at, c.id))


def mark_sent(
    session: Session, delivery_id: int, owner: str, *, channel: str, ts: str, now: datetime
) -> bool:
    return _finish(
        session,
        delivery_id,
        owner,
        now,
        status=SENT,
        channel_id=channel,
        message_ts=ts,
        sent_at=now,
        error=None,
    )


def mark_failed(
    session: Session, delivery_id: int, owner: str, *, reason: str, now: datetime
) -> bool:
    return _finish(session, delivery_id, owner, now, status=FAILED, error=reason[:_MAX_ERROR])


def cancel(session: Session, delivery_id: int, owner: str, *, reason: str, now: datetime) -> bool:
    return _finish(session, delivery_id, owner, now, status=CANCELLED, error=reason[:_MAX_ERROR])


def release(
    session: Session,
    delivery_id: int,
    owner: str,
    *,
    retry_at: datetime,
    reason: str,
    now: datetime,
) -> bool:
    """Give a delivery back unsent: it is due again at ``retry_at``, for any sender."""
    return _finish(
        session, delivery_id, owner, now, status=PENDING, due_at=retry_at, error=reason[:_MAX_ERROR]
    )


def renew(
    session: Session, delivery_ids: Iterable[int], owner: str, *, now: datetime, lease: timedelta
) -> set[int]:
    """Extend this sender's leases; returns the IDs it still holds."""
    ids = list(delivery_ids)
    if not ids:
        return set()
    t = _DELIVERY
    statement = (
        update(t)
        .where(t.c.id.in_(ids), t.c.lease_owner == owner, t.c.status == PENDING)
        .values(lease_expires_at=now + lease, updated_at=now)
        .returning(t.c.id)
    )
    return {row.id for row in session.execute(statement)}


def counts(session: Session, kinds: Sequence[str] | None = None) -> dict[str, int]:
    """How many deliveries are in each status."""
    t = _DELIVERY
    query = select(t.c.status, func.count()).group_by(t.c.status)
    if kinds:
        query = query.where(t.c.kind.in_(list(kinds)))
    return {status: int(count) for status, count in session.execute(query)}


def next_due(session: Session, kinds: Sequence[str] | None = None) -> datetime | None:
    """When the earliest pending delivery is due, if any."""
    t = _DELIVERY
    query = select(func.min(t.c.due_at)).where(t.c.status == PENDING)
    if kinds:
        query = query.where(t.c.kind.in_(list(kinds)))
    value = session.execute(query).scalar()
    return value if isinstance(value, datetime) else None


# --- named leases ------------------------------------------------------------------------------


def acquire_lease(
    session: Session, name: str, owner: str, *, now: datetime, ttl: timedelta
) -> bool:
    """Take (or extend) the lease ``name`` unless another owner holds it unexpired.

    Commit right away: on PostgreSQL the row stays locked until then.
    """
    insert = _insert(session, _LEASE).values(name=name, owner=None, expires_at=None)
    session.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
    t = _LEASE
    statement = (
        update(t)
        .where(
            t.c.name == name,
            or_(t.c.owner.is_(None), t.c.expires_at < now, t.c.owner == owner),
        )
        .values(owner=owner, expires_at=now + ttl)
        .returning(t.c.name)
    )
    return session.execute(statement).first() is not None


def release_lease(session: Session, name: str, owner: str) -> None:
    t = _LEASE
    session.execute(
        update(t).where(t.c.name == name, t.c.owner == owner).values(owner=None, expires_at=None)
    )


# --- internals ---------------------------------------------------------------------------------


def _finish(session: Session, delivery_id: int, owner: str, now: datetime, **values: Any) -> bool:
    t = _DELIVERY
    mine: ColumnElement[bool] = and_(
        t.c.id == delivery_id, t.c.lease_owner == owner, t.c.status == PENDING
    )
    statement = (
        update(t)
        .where(mine)
        .values(lease_owner=None, lease_expires_at=None, updated_at=now, **values)
        .returning(t.c.id)
    )
    return session.execute(statement).first() is not None


def _insert(session: Session, table: Table) -> Any:
    """INSERT with ON CONFLICT support, for the dialect the session talks to."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"kpibot's outbox supports PostgreSQL and SQLite, not {dialect}")
