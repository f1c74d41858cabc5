"""Helpers for the pulled-source tests: a deals table, KPIs with sources, the sources job."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from bot.sources.job import PullConfig, SourcesJob
from commands.configfile import apply_config, parse_config
from storage import repo
from storage.db import session_scope
from storage.models import Measurement

from .conftest import NOW, Harness


@pytest.fixture
def deals(harness: Harness) -> Iterator[str]:
    """A deals table in the test database (SQLite or PostgreSQL): 1.3M closed in week 47."""
    table = f"deals_{uuid.uuid4().hex[:8]}"
    with harness.engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {table} (amount NUMERIC, closed_at DATE)"))
        connection.execute(
            text(f"INSERT INTO {table} VALUES (:a, :d)"),  # noqa: S608
            [
                {"a": 1000000, "d": date(2026, 11, 16)},
                {"a": 300000, "d": date(2026, 11, 22)},
                {"a": 5, "d": date(2026, 11, 23)},  # week 48: not counted
            ],
        )
    yield table
    with harness.engine.begin() as connection:  # the PostgreSQL test database is shared
        connection.execute(text(f"DROP TABLE {table}"))


def configure(harness: Harness, kpis: str) -> None:
    with session_scope(harness.engine) as session:
        apply_config(session, parse_config(f"kpis:\n{kpis}", "sources.yml"), actor="test", now=NOW)


def sql_kpi(table: str, extra: str = "") -> str:
    query = (
        f"select sum(amount) from {table} "  # noqa: S608
        "where closed_at >= :period_start and closed_at < :period_end"
    )
    return (
        "  - {key: pipeline, name: Qualified pipeline, team: sales, owner: U0ALICE01, unit: USD,\n"
        f"     target: 4000000, cadence: weekly{extra},\n"
        f'     source: {{sql: {{url_env: WAREHOUSE_URL, query: "{query}"}}}}}}\n'
    )


def make_job(harness: Harness, tries: int = 3) -> SourcesJob:
    url = harness.engine.url.render_as_string(hide_password=False)
    return SourcesJob(
        harness.engine,
        harness.runtime.client,
        harness.runtime.policy,
        config=PullConfig(workers=4, tries=tries),
        events=harness.runtime.events,
        env={"WAREHOUSE_URL": url},
        worker="test",
    )


def value(harness: Harness, kpi: str, period: str) -> Measurement | None:
    with session_scope(harness.engine) as session:
        row = repo.get_kpi(session, kpi)
        assert row is not None
        found = repo.get_measurement(session, row.id or 0, period)
        if found is not None:
            session.expunge(found)
        return found
