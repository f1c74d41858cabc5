"""The planner's rows: read as plain tuples, written with one executemany per kind of change,
so a run over 10 000 KPIs stays a handful of statements (no ORM object per row)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, func, insert, select, update
from sqlmodel import Session

from commands.reminders.rules import AWAY, OPEN, WAITING
from core.kinds import Cadence
from storage import outbox
from storage.models import Kpi, Nudge, NudgeMessage, UTCDateTime


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
    return [KpiRow(*row) for row in _rows(session, select(*_KPI_COLUMNS).where(_KPI.c.active))]


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
