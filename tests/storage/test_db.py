"""The schema: migrations match the models, the app refuses a schema that is behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from storage import repo
from storage.db import (
    SchemaBehind,
    current_revision,
    ensure_current,
    head_revision,
    make_engine,
    migrate,
)
from storage.models import Kpi

from ..conftest import NOW


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_migrated_database_is_current(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    ensure_current(engine)


def test_fresh_database_is_refused_with_the_fix(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with pytest.raises(SchemaBehind, match="run `kpibot migrate`"):
        ensure_current(engine)
    before, after = migrate(engine)
    assert (before, after) == (None, head_revision())
    ensure_current(engine)
    assert migrate(engine) == (after, after)  # migrating again is a no-op


def test_schema_behind_is_refused(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(SchemaBehind, match="newer than this kpibot"):
        ensure_current(engine)


def test_sqlite_uses_wal(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _kpi(session: Session) -> Kpi:
    kpi = Kpi(key="pipeline", name="Pipeline", owner_user_id="U1", created_at=NOW, updated_at=NOW)
    session.add(kpi)
    session.flush()
    return kpi


def test_datetimes_come_back_aware_utc(session: Session) -> None:
    berlin = timezone(timedelta(hours=1))
    kpi = _kpi(session)
    kpi.retired_at = datetime(2026, 11, 26, 10, 0, tzinfo=berlin)
    session.commit()
    session.expire_all()
    loaded = repo.get_kpi(session, "pipeline")
    assert loaded is not None and loaded.retired_at is not None
    assert loaded.retired_at.tzinfo is not None
    assert loaded.retired_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(session: Session) -> None:
    kpi = _kpi(session)
    kpi.retired_at = datetime(2026, 11, 26, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_editing_a_value_keeps_history(session: Session) -> None:
    kpi = _kpi(session)
    args: dict[str, Any] = {
        "period_key": "2026-W48",
        "period_start": date(2026, 11, 23),
        "source": "slack",
    }
    first = repo.log_value(session, kpi, value=10, note=None, by="U1", now=NOW, **args)
    assert first.replaced is None and first.measurement.version == 1
    same = repo.log_value(session, kpi, value=10, note=None, by="U1", now=NOW, **args)
    assert same.unchanged
    later = NOW + timedelta(hours=1)
    second = repo.log_value(session, kpi, value=12, note="fixed", by="U2", now=later, **args)
    session.commit()
    assert second.replaced is not None and second.replaced.value == 10
    assert second.measurement.value == 12 and second.measurement.version == 2
    assert second.measurement.id is not None
    history = repo.revisions(session, second.measurement.id)
    assert [(r.version, r.value, r.logged_by, r.replaced_by) for r in history] == [
        (1, 10, "U1", "U2")
    ]
    assert repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0].value == 12


def test_one_value_per_kpi_and_period_is_enforced(session: Session) -> None:
    from storage.models import Measurement

    kpi = _kpi(session)
    assert kpi.id is not None
    for _ in range(2):
        session.add(
            Measurement(
                kpi_id=kpi.id,
                period_key="2026-11",
                period_start=date(2026, 11, 1),
                value=1,
                logged_by="U1",
                logged_at=NOW,
            )
        )
    with pytest.raises(Exception, match=r"(?i)unique"):
        session.flush()
