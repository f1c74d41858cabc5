"""Each KPI's alert state (core.alerts.AlertState as JSON), stored with the value that moved it.

The row is read and written in the transaction that records the alert deliveries, under a row
lock on PostgreSQL (``SELECT ... FOR UPDATE``), so two processes handling values of the same
KPI at once step the state machine one after the other and never both raise the same alert.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from core.alerts import AlertState
from core.kinds import Cadence
from storage.alert_models import KpiAlertState
from storage.columns import UTCDateTime
from storage.models import Kpi, Measurement
from storage.outbox import _insert


def load_for_update(
    session: Session, kpi_id: int, cadence: Cadence, *, now: datetime
) -> AlertState:
    """The KPI's alert state, locked until the transaction ends (a fresh state the first time:
    the row is created first, so there is always a row to lock)."""
    table = KpiAlertState.__table__  # type: ignore[attr-defined]
    empty = json.dumps(AlertState().to_data(), sort_keys=True)
    insert = _insert(session, table).values(kpi_id=kpi_id, state=empty, updated_at=now)
    session.execute(insert.on_conflict_do_nothing(index_elements=["kpi_id"]))
    statement = select(table.c.state).where(table.c.kpi_id == kpi_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return AlertState.from_data(json.loads(session.execute(statement).scalar_one()), cadence)


def load(session: Session, kpi_id: int, cadence: Cadence) -> AlertState:
    row = session.get(KpiAlertState, kpi_id)
    return AlertState() if row is None else AlertState.from_data(json.loads(row.state), cadence)


def save(session: Session, kpi_id: int, state: AlertState, *, now: datetime) -> None:
    data = json.dumps(state.to_data(), sort_keys=True)
    row = session.get(KpiAlertState, kpi_id)
    if row is None:
        session.add(KpiAlertState(kpi_id=kpi_id, state=data, updated_at=now))
    else:
        row.state, row.updated_at = data, now
        session.add(row)
    session.flush()


def kpis_to_look_at(session: Session, *, since: datetime) -> list[str]:
    """Keys of active KPIs the periodic check looks at: those with an alert episode that has
    not cleared (so one that holds past the next period reaches the team lead), and those with
    a value stored after their state was last stepped (or after ``since``, for KPIs never
    stepped): values stored without an event, or by a process that died before handling it."""
    latest = (
        select(Measurement.kpi_id, func.max(Measurement.logged_at).label("logged_at"))  # type: ignore[call-overload]
        .group_by(Measurement.kpi_id)
        .subquery()
    )
    state = KpiAlertState.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(Kpi.key, state.c.state, state.c.updated_at, latest.c.logged_at)  # type: ignore[call-overload]
        .outerjoin(state, state.c.kpi_id == Kpi.id)
        .outerjoin(latest, latest.c.kpi_id == Kpi.id)
        .where(Kpi.active)
        .order_by(Kpi.key)
    ).all()
    keys = []
    dialect = session.get_bind().dialect
    for key, data, stepped, logged in rows:
        open_episode = data is not None and json.loads(data).get("episodes")
        logged, stepped = _utc(logged, dialect), _utc(stepped, dialect)
        if open_episode or (logged is not None and logged > (stepped or since)):
            keys.append(key)
    return keys


def _utc(moment: datetime | None, dialect: Any) -> datetime | None:
    """Raw datetimes as aware UTC (SQLite gives them back naive)."""
    return UTCDateTime().process_result_value(moment, dialect)
