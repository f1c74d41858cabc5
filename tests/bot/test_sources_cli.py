"""`kpibot sources test KPI [--period P]`, run as operators run it: pulls, prints, stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from bot.cli import main
from commands.configfile import apply_config, parse_config
from storage.db import make_engine, session_scope

from ..conftest import NOW


@pytest.fixture
def db(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A KPI whose source is a deals table in the same database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WAREHOUSE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    table = f"deals_{uuid.uuid4().hex[:8]}"
    query = f"select sum(amount) from {table} where closed_at >= :period_start and closed_at < :period_end"  # noqa: S608
    config = f"""
kpis:
  - {{key: pipeline, name: Pipeline, owner: U0ALICE01, unit: USD, target: 4000000, cadence: weekly,
     source: {{sql: {{url_env: WAREHOUSE_URL, query: "{query}"}}}}}}
  - {{key: nps, name: NPS, owner: U0ALICE01, target: 50, cadence: weekly}}
"""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {table} (amount NUMERIC, closed_at DATE)"))
        connection.execute(
            text(f"INSERT INTO {table} VALUES (:a, :d)"),  # noqa: S608
            [{"a": 1200000, "d": date(2026, 11, 24)}, {"a": 7, "d": date(2026, 12, 2)}],
        )
    with session_scope(engine) as session:
        apply_config(session, parse_config(config, "company.yml"), actor="test", now=NOW)
    yield database_url
    with engine.begin() as connection:  # the PostgreSQL test database is shared
        connection.execute(text(f"DROP TABLE {table}"))
    engine.dispose()


def _measurements(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM measurement")).scalar_one()
    engine.dispose()
    return int(count)


def test_prints_what_it_would_store_and_stores_nothing(db: str, capsys) -> None:
    assert main(["sources", "test", "pipeline", "--period", "2026-W48"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == (
        "pipeline 2026-W48: sql gives $1.2M; would store $1.2M for week 48 (23-29 Nov 2026)."
    )
    assert _measurements(db) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sources", "test", "nps"], "nps has no source"),
        (["sources", "test", "nope"], "nope"),
        (["sources", "test", "pipeline", "--period", "2031-W01"], "has not started yet"),
    ],
)
def test_refusals_are_one_clear_line(db: str, capsys, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert _measurements(db) == 0


def test_a_failing_source_says_why(db: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAREHOUSE_URL")
    assert main(["sources", "test", "pipeline", "--period", "2026-W48"]) == 2
    err = capsys.readouterr().err
    assert "The sql source of pipeline failed" in err and "WAREHOUSE_URL" in err
