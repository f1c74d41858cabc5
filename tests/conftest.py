"""Shared fixtures: no network but loopback, and a migrated database on SQLite and PostgreSQL.

Database tests take the `engine` (or `session`) fixture and so run twice: on SQLite, and on
PostgreSQL when KPIBOT_TEST_POSTGRES_URL names a server. Without it the PostgreSQL half skips
with the reason shown; with KPIBOT_REQUIRE_POSTGRES=1 (CI) it fails instead of skipping.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session, SQLModel

from storage.db import make_engine, migrate

POSTGRES_URL = os.environ.get("KPIBOT_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("KPIBOT_REQUIRE_POSTGRES") == "1"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

# CI explores the same examples on every run, so a red build always reproduces; developers'
# runs keep drawing fresh examples (and remember failures in .hypothesis/, which pytest-xdist's
# workers share safely: Hypothesis writes each example to a temporary file and renames it).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


# --- no network ------------------------------------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"tests may only reach loopback addresses, not {host!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from each test, never from the developer's shell or .env."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "KPIBOT_")) and name not in (
            "KPIBOT_TEST_POSTGRES_URL",
            "KPIBOT_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy, which is far faster than migrating."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """A throwaway database on the configured server, migrated once for the whole run."""
    if not POSTGRES_URL:
        reason = (
            "PostgreSQL not configured: set KPIBOT_TEST_POSTGRES_URL="
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres to run this on PostgreSQL"
        )
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    admin_url = make_url(POSTGRES_URL)
    # one per pytest-xdist worker (gw0, gw1, ...), and never the same twice
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"kpibot_test_{worker}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {admin_url.host}:{admin_url.port} unusable: {exc}")
        pytest.skip(f"PostgreSQL at {admin_url.host}:{admin_url.port} unusable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "kpibot.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("_postgres_database")
    yield url
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
