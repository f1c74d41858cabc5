"""The outbox: create once, claim with a lease, take over expired leases, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from storage import outbox
from storage.db import make_engine, session_scope
from storage.models import Delivery

from ..conftest import NOW

LEASE = timedelta(minutes=5)


def add(session: Session, key: str, *, due_in: timedelta = timedelta(0)) -> int:
    created = outbox.create(
        session, key=key, kind="test", recipient="U1", due_at=NOW + due_in, now=NOW,
        payload={"key": key},
    )  # fmt: skip
    assert created is not None
    return created


def test_a_key_is_created_once(session: Session) -> None:
    first = add(session, "reminder:U1:a")
    again = outbox.create(
        session, key="reminder:U1:a", kind="test", recipient="U2", due_at=NOW, now=NOW
    )
    session.commit()
    assert again is None
    row = session.get(Delivery, first)
    assert row is not None and row.recipient == "U1" and row.status == "pending"


def test_claims_take_due_rows_oldest_first_and_only_once(session: Session) -> None:
    later = add(session, "b", due_in=timedelta(minutes=2))
    first = add(session, "a", due_in=timedelta(minutes=1))
    add(session, "future", due_in=timedelta(hours=1))
    session.commit()
    now = NOW + timedelta(minutes=3)

    claimed = outbox.claim(session, owner="p1", now=now, lease=LEASE)
    session.commit()
    assert [c.id for c in claimed] == [first, later]
    assert claimed[0].payload == {"key": "a"} and claimed[0].attempts == 1
    assert not claimed[0].taken_over
    assert outbox.claim(session, owner="p2", now=now, lease=LEASE) == []


def test_only_the_lease_holder_records_the_outcome(session: Session) -> None:
    delivery = add(session, "a")
    session.commit()
    outbox.claim(session, owner="p1", now=NOW, lease=LEASE)
    assert not outbox.mark_sent(session, delivery, "p2", channel="D1", ts="1.0", now=NOW)
    assert outbox.mark_sent(session, delivery, "p1", channel="D1", ts="1.0", now=NOW)
    assert not outbox.mark_failed(session, delivery, "p1", reason="late", now=NOW)
    session.commit()
    row = session.get(Delivery, delivery)
    assert row is not None
    assert (row.status, row.channel_id, row.message_ts, row.lease_owner) == (
        "sent",
        "D1",
        "1.0",
        None,
    )
    assert outbox.counts(session) == {"sent": 1}


def test_an_expired_lease_is_taken_over_and_says_so(session: Session) -> None:
    delivery = add(session, "a")
    session.commit()
    outbox.claim(session, owner="crashed", now=NOW, lease=LEASE)
    session.commit()
    assert outbox.claim(session, owner="p2", now=NOW + LEASE, lease=LEASE) == []

    taken = outbox.claim(session, owner="p2", now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)
    session.commit()
    assert [(c.id, c.attempts, c.taken_over) for c in taken] == [(delivery, 2, True)]
    assert not outbox.mark_sent(session, delivery, "crashed", channel="D", ts="1", now=NOW)
    assert outbox.mark_sent(session, delivery, "p2", channel="D", ts="1", now=NOW)


def test_a_released_delivery_comes_back_later_and_is_not_in_doubt(session: Session) -> None:
    delivery = add(session, "a")
    session.commit()
    outbox.claim(session, owner="p1", now=NOW, lease=LEASE)
    retry_at = NOW + timedelta(seconds=30)
    assert outbox.release(session, delivery, "p1", retry_at=retry_at, reason="ratelimited", now=NOW)
    session.commit()
    assert outbox.next_due(session) == retry_at
    assert outbox.claim(session, owner="p2", now=NOW, lease=LEASE) == []
    again = outbox.claim(session, owner="p2", now=retry_at, lease=LEASE)
    assert [(c.id, c.attempts, c.taken_over) for c in again] == [(delivery, 2, False)]


def test_failed_and_cancelled_are_final(session: Session) -> None:
    failed, cancelled = add(session, "a"), add(session, "b")
    session.commit()
    outbox.claim(session, owner="p1", now=NOW, lease=LEASE)
    assert outbox.mark_failed(session, failed, "p1", reason="user_not_found", now=NOW)
    assert outbox.cancel(session, cancelled, "p1", reason="nothing left to say", now=NOW)
    session.commit()
    assert outbox.claim(session, owner="p1", now=NOW + 2 * LEASE, lease=LEASE) == []
    row = session.get(Delivery, failed)
    assert row is not None and (row.status, row.error) == ("failed", "user_not_found")
    assert outbox.counts(session) == {"failed": 1, "cancelled": 1}


def test_renew_keeps_only_own_leases(session: Session) -> None:
    mine, theirs = add(session, "a"), add(session, "b")
    session.commit()
    outbox.claim(session, owner="p1", now=NOW, lease=LEASE, limit=1)
    outbox.claim(session, owner="p2", now=NOW, lease=LEASE, limit=1)
    later = NOW + timedelta(minutes=4)
    assert outbox.renew(session, [mine, theirs], "p1", now=later, lease=LEASE) == {mine}
    session.commit()
    # p1's renewed lease still holds after the original five minutes; p2's ran out
    taken = outbox.claim(session, owner="p3", now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)
    assert [c.id for c in taken] == [theirs]


def test_named_leases(session: Session) -> None:
    ttl = timedelta(minutes=2)
    assert outbox.acquire_lease(session, "plan", "p1", now=NOW, ttl=ttl)
    session.commit()
    assert not outbox.acquire_lease(session, "plan", "p2", now=NOW, ttl=ttl)
    assert outbox.acquire_lease(session, "plan", "p1", now=NOW + ttl, ttl=ttl)  # renewal
    assert outbox.acquire_lease(
        session, "plan", "p2", now=NOW + 2 * ttl + timedelta(seconds=1), ttl=ttl
    )
    outbox.release_lease(session, "plan", "p2")
    assert outbox.acquire_lease(session, "plan", "p3", now=NOW, ttl=ttl)
    session.commit()


def test_concurrent_claimers_never_share_a_row(database_url: str) -> None:
    """Four senders, each with its own engine (as separate processes would have), drain one
    outbox; every row is claimed by exactly one of them."""
    setup = make_engine(database_url)
    with session_scope(setup) as session:
        ids = {add(session, f"k{n}") for n in range(120)}
    setup.dispose()
    taken: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        engine = make_engine(database_url)
        mine: list[int] = []
        try:
            while True:
                with session_scope(engine) as session:
                    batch = outbox.claim(session, owner=name, now=NOW, lease=LEASE, limit=7)
                if not batch:
                    break
                with session_scope(engine) as session:
                    for c in batch:
                        assert outbox.mark_sent(session, c.id, name, channel="D", ts="1", now=NOW)
                mine.extend(c.id for c in batch)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            taken[name] = mine
            engine.dispose()

    threads = [threading.Thread(target=sender, args=(f"p{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    everything = [i for mine in taken.values() for i in mine]
    assert sorted(everything) == sorted(ids)
    assert len(set(everything)) == len(everything)


def test_a_claim_in_progress_is_skipped_or_waited_for_never_shared(engine: Engine) -> None:
    """PostgreSQL skips rows another transaction has locked; SQLite's single writer makes the
    second claim wait for the first to commit. Either way the two get different rows."""
    with session_scope(engine) as session:
        for n in range(6):
            add(session, f"k{n}")
    first = Session(engine)
    mine = outbox.claim(first, owner="p1", now=NOW, lease=LEASE, limit=3)  # not committed yet
    theirs: list[outbox.Claimed] = []

    def second() -> None:
        other = make_engine(engine.url.render_as_string(hide_password=False))
        with session_scope(other) as s:
            theirs.extend(outbox.claim(s, owner="p2", now=NOW, lease=LEASE, limit=3))
        other.dispose()

    thread = threading.Thread(target=second)
    thread.start()
    if engine.dialect.name == "postgresql":
        thread.join(timeout=10)  # SKIP LOCKED: no waiting for the first transaction
        assert not thread.is_alive()
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert len(mine) == 3 and len(theirs) == 3
    assert not {c.id for c in mine} & {c.id for c in theirs}


def test_an_unknown_dialect_is_refused() -> None:
    class Bind:
        class dialect:
            name = "mysql"

    class FakeSession:
        def get_bind(self) -> Bind:
            return Bind()

    with pytest.raises(NotImplementedError, match="PostgreSQL and SQLite"):
        outbox.create(FakeSession(), key="k", kind="t", recipient="U", due_at=NOW, now=NOW)  # type: ignore[arg-type]
