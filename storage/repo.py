"""Repository functions: every query kpibot makes, with the session passed in explicitly.

Functions here never commit; the caller owns the transaction (see `storage.db.session_scope`),
so a use case that writes several rows writes all of them or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    AuditEvent,
    Goal,
    Kpi,
    Measurement,
    MeasurementRevision,
    Person,
    Team,
    V2Mom,
)

# --- audit -----------------------------------------------------------------------------------


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    key: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=now,
        actor=actor,
        action=action,
        entity=entity,
        entity_key=key,
        details=json.dumps(details or {}, default=str, sort_keys=True),
    )
    session.add(event)
    return event


def audit_trail(
    session: Session, entity: str | None = None, key: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if key is not None:
        query = query.where(AuditEvent.entity_key == key)
    return list(session.exec(query.order_by(col(AuditEvent.id))))


# --- teams and people -------------------------------------------------------------------------


def get_team(session: Session, key: str) -> Team | None:
    return session.exec(select(Team).where(Team.key == key)).first()


def get_team_by_id(session: Session, team_id: int | None) -> Team | None:
    return None if team_id is None else session.get(Team, team_id)


def team_for_channel(session: Session, channel_id: str) -> Team | None:
    return session.exec(select(Team).where(Team.channel_id == channel_id)).first()


def teams_led_by(session: Session, user_id: str) -> list[Team]:
    return list(session.exec(select(Team).where(Team.lead_user_id == user_id).order_by(Team.key)))


def list_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(Team.key)))


def teams_by_id(session: Session, team_ids: Iterable[int]) -> dict[int, Team]:
    ids = set(team_ids)
    if not ids:
        return {}
    return {t.id: t for t in session.exec(select(Team).where(col(Team.id).in_(ids))) if t.id}


def get_person(session: Session, user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_user_id == user_id)).first()


def ensure_person(session: Session, user_id: str, now: datetime) -> Person:
    person = get_person(session, user_id)
    if person is None:
        person = Person(slack_user_id=user_id, created_at=now, updated_at=now)
        session.add(person)
        session.flush()
    return person


def people_by_id(session: Session, user_ids: Iterable[str]) -> dict[str, Person]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.exec(select(Person).where(col(Person.slack_user_id).in_(ids)))
    return {p.slack_user_id: p for p in rows}


def get_v2mom(session: Session, team_id: int) -> V2Mom | None:
    return session.exec(select(V2Mom).where(V2Mom.team_id == team_id)).first()


# --- goals ------------------------------------------------------------------------------------


def get_goal(session: Session, key: str) -> Goal | None:
    return session.exec(select(Goal).where(Goal.key == key)).first()


def list_goals(session: Session, *, include_archived: bool = False) -> list[Goal]:
    query = select(Goal)
    if not include_archived:
        query = query.where(col(Goal.archived).is_(False))
    return list(session.exec(query.order_by(Goal.key)))


def goals_by_id(session: Session) -> dict[int, Goal]:
    return {g.id: g for g in session.exec(select(Goal)) if g.id is not None}


# --- KPIs -------------------------------------------------------------------------------------


def get_kpi(session: Session, key: str) -> Kpi | None:
    return session.exec(select(Kpi).where(Kpi.key == key)).first()


@dataclass(frozen=True)
class KpiFilter:
    team_id: int | None = None
    owner: str | None = None
    goal_id: int | None = None
    active: bool | None = True


def list_kpis(session: Session, where: KpiFilter = KpiFilter()) -> list[Kpi]:
    query = select(Kpi)
    if where.team_id is not None:
        query = query.where(Kpi.team_id == where.team_id)
    if where.owner is not None:
        query = query.where(Kpi.owner_user_id == where.owner)
    if where.goal_id is not None:
        query = query.where(Kpi.goal_id == where.goal_id)
    if where.active is not None:
        query = query.where(col(Kpi.active).is_(where.active))
    return list(session.exec(query.order_by(Kpi.key)))


def count_active_kpis(
    session: Session, *, owner: str | None = None, team_id: int | None = None
) -> int:
    query = select(func.count()).select_from(Kpi).where(col(Kpi.active).is_(True))
    if owner is not None:
        query = query.where(Kpi.owner_user_id == owner)
    if team_id is not None:
        query = query.where(Kpi.team_id == team_id)
    return int(session.exec(query).one())


# --- measurements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    measurement: Measurement
    replaced: MeasurementRevision | None  # the version this write replaced, if any
    unchanged: bool = False  # the same value and note were already there: nothing written


def log_value(
    session: Session,
    kpi: Kpi,
    *,
    period_key: str,
    period_start: date,
    value: float,
    note: str | None,
    source: str,
    by: str,
    now: datetime,
) -> Logged:
    """Store the value of `kpi` for one period; an earlier value is kept as a revision."""
    assert kpi.id is not None
    current = get_measurement(session, kpi.id, period_key)
    if current is None:
        current = Measurement(
            kpi_id=kpi.id,
            period_key=period_key,
            period_start=period_start,
            value=value,
            note=note,
            source=source,
            logged_by=by,
            logged_at=now,
        )
        session.add(current)
        session.flush()
        return Logged(current, None)
    if current.value == value and current.note == note:
        return Logged(current, None, unchanged=True)
    assert current.id is not None
    revision = MeasurementRevision(
        measurement_id=current.id,
        version=current.version,
        value=current.value,
        note=current.note,
        source=current.source,
        logged_by=current.logged_by,
        logged_at=current.logged_at,
        replaced_by=by,
        replaced_at=now,
    )
    session.add(revision)
    current.value, current.note, current.source = value, note, source
    current.logged_by, current.logged_at = by, now
    current.version += 1
    session.add(current)
    session.flush()
    return Logged(current, revision)


def first_period_start(session: Session, kpi_id: int) -> date | None:
    """The start of the earliest period the KPI has a value for, or None."""
    earliest = session.exec(
        select(func.min(Measurement.period_start)).where(Measurement.kpi_id == kpi_id)
    ).one()
    return earliest


def get_measurement(session: Session, kpi_id: int, period_key: str) -> Measurement | None:
    query = select(Measurement).where(
        Measurement.kpi_id == kpi_id, Measurement.period_key == period_key
    )
    return session.exec(query).first()


def recent_measurements(session: Session, kpi_id: int, limit: int = 12) -> list[Measurement]:
    """The latest `limit` values of a KPI, oldest first."""
    query = (
        select(Measurement)
        .where(Measurement.kpi_id == kpi_id)
        .order_by(col(Measurement.period_start).desc())
        .limit(limit)
    )
    return list(reversed(list(session.exec(query))))


def measurements_since(
    session: Session, kpi_ids: Sequence[int], since: date
) -> dict[int, list[Measurement]]:
    """Values of many KPIs from `since` on, grouped per KPI and oldest first: one query."""
    grouped: dict[int, list[Measurement]] = {kpi_id: [] for kpi_id in kpi_ids}
    if not kpi_ids:
        return grouped
    query = (
        select(Measurement)
        .where(col(Measurement.kpi_id).in_(kpi_ids), Measurement.period_start >= since)
        .order_by(col(Measurement.kpi_id), col(Measurement.period_start))
    )
    for row in session.exec(query):
        grouped[row.kpi_id].append(row)
    return grouped


def latest_measurements(session: Session, kpi_ids: Sequence[int]) -> dict[int, Measurement]:
    """The newest value of each KPI in one query."""
    if not kpi_ids:
        return {}
    newest = (
        select(Measurement.kpi_id, func.max(Measurement.period_start).label("start"))
        .where(col(Measurement.kpi_id).in_(kpi_ids))
        .group_by(col(Measurement.kpi_id))
        .subquery()
    )
    query = select(Measurement).join(
        newest,
        (col(Measurement.kpi_id) == newest.c.kpi_id)
        & (col(Measurement.period_start) == newest.c.start),
    )
    return {m.kpi_id: m for m in session.exec(query)}


def revisions(session: Session, measurement_id: int) -> list[MeasurementRevision]:
    query = (
        select(MeasurementRevision)
        .where(MeasurementRevision.measurement_id == measurement_id)
        .order_by(col(MeasurementRevision.version))
    )
    return list(session.exec(query))


def all_measurements(session: Session) -> list[tuple[Kpi, Measurement]]:
    query = (
        select(Kpi, Measurement)
        .join(Measurement, col(Measurement.kpi_id) == col(Kpi.id))
        .order_by(col(Kpi.key), col(Measurement.period_start))
    )
    return [(k, m) for k, m in session.exec(query)]


# --- Events API de-duplication ----------------------------------------------------------------


def first_delivery(session: Session, event_id: str, now: datetime) -> bool:
    """Record an event ID; False if it was recorded before (a retry of a handled event).

    The primary key decides, so two processes receiving the same retry agree on one winner.
    The row belongs to the session's transaction (no savepoint: SQLite would commit it when
    the savepoint is released), so a caller that rolls back forgets it too.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from storage.models import ProcessedEvent

    table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.event_id)
    )
    return session.execute(statement).first() is not None


def event_seen(session: Session, event_id: str) -> bool:
    """Whether an event ID was recorded (see :func:`first_delivery`)."""
    from storage.models import ProcessedEvent

    return session.get(ProcessedEvent, event_id) is not None


def forget_events_before(session: Session, cutoff: datetime) -> int:
    from sqlalchemy import delete

    from storage.models import ProcessedEvent

    result = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff))
    return int(result.rowcount or 0)
