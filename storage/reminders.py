"""Reminder rows: the nudge states, and the planner's reads and writes.

Rows are read as plain tuples and written with one executemany per kind of change, so a run
over 10 000 KPIs stays a handful of statements (no ORM object per row). Every function takes
the caller's session: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, func, insert, select, update
from sqlmodel import Session, col
from sqlmodel import select as select_rows  # typed rows, unlike sqlalchemy's select

from core.kinds import Cadence
from core.sources import UNCONFIRMED
from storage import outbox
from storage.models import Delivery, Kpi, Measurement, Nudge, NudgeMessage, UTCDateTime

# Delivery kinds (storage.outbox) and nudge states (storage.models.Nudge).
REMINDER, LATE = "reminder", "late"
OPEN, AWAY, ANSWERED, SKIPPED, LATE_STATE, MISSED, CLOSED = (
    "open", "away", "answered", "skipped", "late", "missed", "closed",
)  # fmt: skip
WAITING = (OPEN, AWAY)
CHUNK = 5000  # IDs per IN (...) list


@dataclass(frozen=True)
class KpiRow:
    id: int
    owner: str
    team_id: int | None
    cadence: Cadence
    created_at: datetime
    active: bool


@dataclass
class NudgeRow:
    id: int
    kpi_id: int
    period_key: str
    state: str
    step: int
    reminders_sent: int
    next_at: datetime | None
    late_at: datetime | None = None
    lead_delivery_id: int | None = None


_KPI: Table = Kpi.__table__  # type: ignore[attr-defined]
_NUDGE: Table = Nudge.__table__  # type: ignore[attr-defined]
_NUDGE_MESSAGE: Table = NudgeMessage.__table__  # type: ignore[attr-defined]
_KPI_COLUMNS = [
    _KPI.c[n] for n in ("id", "owner_user_id", "team_id", "cadence", "created_at", "active")
]
_NUDGE_COLUMNS = [
    _NUDGE.c[n]
    for n in ("id", "kpi_id", "period_key", "state", "step", "reminders_sent", "next_at")
]
_UPDATE_NUDGE = (  # one executemany for every nudge a run moved on
    update(_NUDGE)
    .where(_NUDGE.c.id == bindparam("nudge_id"))
    .values(
        state=bindparam("state"),
        step=bindparam("step"),
        reminders_sent=bindparam("reminders_sent"),
        next_at=bindparam("next_at"),
        late_at=func.coalesce(bindparam("late_at", type_=UTCDateTime), _NUDGE.c.late_at),
        lead_delivery_id=func.coalesce(bindparam("lead_delivery_id"), _NUDGE.c.lead_delivery_id),
        updated_at=bindparam("updated_at"),
    )
)


def active_kpis(session: Session) -> list[KpiRow]:
    """KPIs someone is reminded to log: active ones that are not worked out by a formula."""
    query = select(*_KPI_COLUMNS).where(_KPI.c.active, _KPI.c.formula.is_(None))
    return [KpiRow(*row) for row in _rows(session, query)]


def kpis_by_id(session: Session, ids: Iterable[int]) -> dict[int, KpiRow]:
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(*_KPI_COLUMNS).where(_KPI.c.id.in_(wanted))
    return {row[0]: KpiRow(*row) for row in _rows(session, query)}


def due_nudges(session: Session, now: datetime) -> list[NudgeRow]:
    """Open or paused nudges whose next step has come, and every paused one (its owner may
    be back early)."""
    due = select(*_NUDGE_COLUMNS).where(_NUDGE.c.state.in_(WAITING), _NUDGE.c.next_at <= now)
    away = select(*_NUDGE_COLUMNS).where(_NUDGE.c.state == AWAY, _NUDGE.c.next_at > now)
    return [NudgeRow(*row) for query in (due, away) for row in _rows(session, query)]


def new_nudge(
    kpi_id: int, period_key: str, period_start: date, first: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "kpi_id": kpi_id,
        "period_key": period_key,
        "period_start": period_start,
        "state": OPEN,
        "step": 0,
        "reminders_sent": 0,
        "next_at": first,
        "created_at": now,
        "updated_at": now,
    }


def insert_nudges(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_NUDGE), list(rows))


def update_nudges(session: Session, nudges: Sequence[NudgeRow], now: datetime) -> None:
    if not nudges:
        return
    changes = [
        {
            "nudge_id": n.id,
            "state": n.state,
            "step": n.step,
            "reminders_sent": n.reminders_sent,
            "next_at": n.next_at,
            "late_at": n.late_at,
            "lead_delivery_id": n.lead_delivery_id,
            "updated_at": now,
        }
        for n in nudges
    ]
    session.execute(_UPDATE_NUDGE, changes)


def link_messages(session: Session, links: Sequence[dict[str, int]]) -> None:
    """Record which delivery carries which (nudge, reminder number): unique, so a reminder can
    never be recorded, and so sent, twice."""
    if links:
        session.execute(insert(_NUDGE_MESSAGE), list(links))


def create_unique(session: Session, delivery: outbox.NewDelivery, now: datetime) -> int:
    """Create a delivery whose key a run earlier in the same minute took: ``key#2``..."""
    for n in range(2, 100):
        created = outbox.create(
            session,
            key=f"{delivery.key}#{n}",
            kind=delivery.kind,
            recipient=delivery.recipient,
            due_at=delivery.due_at,
            now=now,
            payload=delivery.payload,
        )
        if created is not None:
            return created
    raise RuntimeError(f"too many deliveries keyed {delivery.key}")


def _rows(session: Session, query: Executable) -> list[Any]:
    return list(session.execute(query))


def logged_periods(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs have a value, in few queries."""
    wanted = set(pairs)
    found: set[tuple[int, str]] = set()
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), CHUNK):
        query = select_rows(Measurement.kpi_id, Measurement.period_key).where(
            col(Measurement.kpi_id).in_(kpi_ids[chunk : chunk + CHUNK]),
            col(Measurement.period_key).in_(keys),
            Measurement.source != UNCONFIRMED,  # the owner still has to confirm it
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def existing_nudges(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs already have a nudge, in few queries."""
    wanted = set(pairs)
    found: set[tuple[int, str]] = set()
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), CHUNK):
        query = select_rows(Nudge.kpi_id, Nudge.period_key).where(
            col(Nudge.kpi_id).in_(kpi_ids[chunk : chunk + CHUNK]), col(Nudge.period_key).in_(keys)
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def reporting_flags(session: Session, kpi_ids: Sequence[int]) -> dict[int, str]:
    """KPIs whose value is overdue: "late", or "owner away" when the owner is away (so the
    KPI is not late). A value logged since clears the flag."""
    if not kpi_ids:
        return {}
    rows = session.exec(
        select_rows(Nudge.kpi_id, Nudge.period_key, Nudge.state).where(
            col(Nudge.kpi_id).in_(list(kpi_ids)), col(Nudge.state).in_([LATE_STATE, AWAY])
        )
    ).all()
    answered = logged_periods(session, [(k, p) for k, p, _ in rows])
    flags: dict[int, str] = {}
    for kpi_id, period_key, state in rows:
        if (kpi_id, period_key) not in answered and flags.get(kpi_id) != "late":
            flags[kpi_id] = "late" if state == LATE_STATE else "owner away"
    return flags


# --- what reminder messages show, and their buttons -----------------------------------------


def nudges_with_ids(session: Session, ids: Iterable[int]) -> list[Nudge]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(session.exec(select_rows(Nudge).where(col(Nudge.id).in_(wanted))))


def kpis_with_ids(session: Session, ids: Iterable[int]) -> list[Kpi]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(session.exec(select_rows(Kpi).where(col(Kpi.id).in_(wanted))))


def logged_values(
    session: Session, pairs: set[tuple[int, str]], *, unconfirmed: bool = False
) -> dict[tuple[int, str], float]:
    """The value of each (KPI, period) pair that has one; with ``unconfirmed``, instead the
    pulled values that await their owner's confirmation (which are not answers yet)."""
    if not pairs:
        return {}
    query = select_rows(Measurement.kpi_id, Measurement.period_key, Measurement.value).where(
        col(Measurement.kpi_id).in_({k for k, _ in pairs}),
        col(Measurement.period_key).in_({p for _, p in pairs}),
        (Measurement.source == UNCONFIRMED) if unconfirmed else (Measurement.source != UNCONFIRMED),
    )
    return {(k, p): v for k, p, v in session.exec(query) if (k, p) in pairs}


def message_attempts(session: Session, delivery_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Which reminder attempt each (nudge, delivery) message was."""
    query = select_rows(NudgeMessage).where(col(NudgeMessage.delivery_id).in_(delivery_ids))
    return {(m.nudge_id, m.delivery_id): m.attempt for m in session.exec(query)}


def sent_messages_about(session: Session, kpi_id: int, period_key: str) -> list[int]:
    """The sent deliveries that mention a KPI period: reminders and the lead's late notice."""
    nudge = session.exec(
        select_rows(Nudge).where(Nudge.kpi_id == kpi_id, Nudge.period_key == period_key)
    ).first()
    if nudge is None or nudge.id is None:
        return []
    ids = set(
        session.exec(select_rows(NudgeMessage.delivery_id).where(NudgeMessage.nudge_id == nudge.id))
    )
    if nudge.lead_delivery_id is not None:
        ids.add(nudge.lead_delivery_id)
    sent = session.exec(
        select_rows(Delivery.id).where(col(Delivery.id).in_(ids), Delivery.status == "sent")
    )
    return sorted(i for i in sent if i is not None)


def sent_reminders_listing(session: Session, kpi_id: int, since: datetime) -> list[int]:
    """The reminder DMs sent since ``since`` that remind about any period of a KPI: each lists
    the KPI's other missing periods too, so a value for any of them changes what they say."""
    query = (
        select_rows(Delivery.id)
        .join(NudgeMessage, col(NudgeMessage.delivery_id) == col(Delivery.id))
        .join(Nudge, col(Nudge.id) == col(NudgeMessage.nudge_id))
        .where(
            Nudge.kpi_id == kpi_id,
            Delivery.kind == REMINDER,
            Delivery.status == "sent",
            col(Delivery.sent_at) >= since,
        )
        .distinct()
    )
    return sorted(i for i in session.exec(query) if i is not None)


def waiting_nudges_in(session: Session, delivery_id: int) -> list[Nudge]:
    """The nudges of one reminder message still waiting for an answer."""
    query = (
        select_rows(Nudge)
        .join(NudgeMessage, col(NudgeMessage.nudge_id) == col(Nudge.id))
        .where(NudgeMessage.delivery_id == delivery_id, col(Nudge.state).in_(WAITING))
    )
    return list(session.exec(query).all())
