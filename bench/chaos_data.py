"""bench_chaos's database side: seeding the organisation, resetting between phases, and
counting what Slack received against what the outbox planned (see bench/bench_chaos.py)."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlmodel import col

from bench import bench_digests, bench_reminders
from bench.standin import owner_id
from commands.reviews.content import item_key
from storage.models import (
    ActionItem,
    Delivery,
    DigestPost,
    JobLease,
    Kpi,
    Nudge,
    NudgeMessage,
    Review,
    ReviewComment,
    ReviewDecision,
    ReviewItem,
    Team,
)


@dataclass
class Phase:
    fault: str
    events: int = 0
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicates: int = 0
    late: list[float] = field(default_factory=list)
    taken: float = 0.0
    finished: bool = False
    notes: list[str] = field(default_factory=list)

    def goal_met(self) -> bool:
        """Nothing lost; a duplicate only for a kill (the at-least-once window)."""
        allowed = self.events if self.fault == "kills" else 0
        return self.lost == 0 and self.duplicates <= allowed

    def row(self) -> str:
        late = sorted(self.late) or [0.0]
        p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
        return (
            f"| {self.fault:8} | {self.events:>13} | {self.expected:>8} | {self.received:>8} | "
            f"{self.lost:>4} | {self.duplicates:>10} | {statistics.median(late):5.1f} s / "
            f"{p99:5.1f} s |"
        )


HEADER = (
    "| fault    | kills/events  | expected | received | lost | duplicates | late p50 / p99    |\n"
    "|----------|---------------|----------|----------|------|------------|-------------------|"
)


def seed(engine: Engine, owners: int, teams: int, kpis: int) -> None:
    bench_reminders.seed(engine, [owner_id(n) for n in range(owners)])
    bench_digests.seed(engine, teams, kpis)
    with engine.begin() as db:
        db.execute(update(Team).values(review_schedule="weekly tue 10:00"))


def reset(engine: Engine) -> None:
    """Forget what the last phase did: the same work is due again."""
    with engine.begin() as db:
        tables: list[Any] = [ReviewComment, ReviewDecision, ActionItem, ReviewItem, DigestPost]
        for table in [*tables, Review, NudgeMessage, Nudge, Delivery, JobLease]:
            db.execute(delete(table))


def outbox_state(engine: Engine) -> tuple[int, int] | None:
    """(deliveries, pending ones), or None while the database cannot be reached."""
    try:
        with engine.connect() as db:
            query = select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
            rows = {str(status): int(n) for status, n in db.execute(query)}
    except Exception:
        return None
    return sum(rows.values()), int(rows.get("pending", 0))


def stuck(engine: Engine, shift: float) -> str:
    """What is still pending, and when it is due or its lease ends (seconds from now)."""
    now = datetime.fromtimestamp(time.time() - shift, UTC)
    query = (
        select(
            col(Delivery.kind),
            func.count(),
            func.min(col(Delivery.due_at)),
            func.max(col(Delivery.lease_expires_at)),
            func.max(col(Delivery.attempts)),
        )
        .where(col(Delivery.status) == "pending")
        .group_by(col(Delivery.kind))
    )
    try:
        with engine.connect() as db:
            rows = db.execute(query).all()
    except Exception as exc:
        return f"pending unknown ({exc})"
    return "pending: " + ", ".join(
        f"{kind} {n} (due {(due - now).total_seconds():+.0f} s, lease ends "
        f"{(lease - now).total_seconds() if lease else 0:+.0f} s, attempts {attempts})"
        for kind, n, due, lease, attempts in rows
    )


def phase_total(engine: Engine) -> int:
    state = outbox_state(engine)
    return state[0] if state else 0


def expected_keys(engine: Engine) -> dict[str, str]:
    """Every message the phase's deliveries stand for, by metadata key: its delivery's status."""
    with engine.connect() as db:
        deliveries = db.execute(
            select(Delivery.key, Delivery.kind, Delivery.status, Delivery.payload)  # type: ignore[call-overload]
        ).all()
        items = db.execute(
            select(col(ReviewItem.review_id), col(Kpi.key)).join(
                Kpi, col(Kpi.id) == col(ReviewItem.kpi_id)
            )
        ).all()
    by_review: dict[int, list[str]] = {}
    for review_id, kpi_key in items:
        by_review.setdefault(int(review_id), []).append(str(kpi_key))
    keys: dict[str, str] = {}
    for key, kind, status, payload in deliveries:
        keys[key] = status
        if kind == "review":
            review = int(json.loads(payload or "{}").get("review", 0))
            for kpi_key in by_review.get(review, []):
                keys[item_key(key, kpi_key)] = status
    return keys


def count(engine: Engine, phase: Phase, received: list[dict[str, Any]], started: float) -> None:
    expected = expected_keys(engine)
    digest_channels = {  # digests without a key in their metadata: one top-level post a channel
        key: f"C{int(key.split(':')[1].removeprefix('team-')):08d}"
        for key in expected
        if key.startswith("digest:")
    }
    seen: Counter[str] = Counter()
    first: dict[str, float] = {}
    unkeyed_top: Counter[str] = Counter()
    for message in received:
        key = message["key"]
        if key is None:
            if not message["reply"] and message["channel"].startswith("C"):
                unkeyed_top[message["channel"]] += 1
            else:
                phase.notes.append(f"unkeyed message in {message['channel']}: {message['text']}")
            continue
        seen[key] += 1
        first[key] = min(first.get(key, float("inf")), float(message["ts"]))
    for key, channel in digest_channels.items():
        if key not in seen and unkeyed_top[channel]:
            seen[key] = unkeyed_top[channel]
            first[key] = min(
                float(m["ts"]) for m in received if m["channel"] == channel and m["key"] is None
            )
    phase.expected = len(expected)
    phase.received = sum(1 for key in expected if seen[key])
    phase.lost = phase.expected - phase.received
    phase.duplicates = sum(n - 1 for key, n in seen.items() if n > 1)
    phase.late = [first[key] - started for key in expected if key in first]
    statuses = Counter(expected.values())
    if set(statuses) - {"sent"}:
        phase.notes.append(f"outbox statuses: {dict(statuses)}")
    unexpected = [key for key in seen if key not in expected]
    if unexpected:
        phase.notes.append(f"{len(unexpected)} messages no delivery planned: {unexpected[:3]}")
    if not phase.finished:
        phase.notes.append("timed out before every delivery was settled")
