"""/healthz while the database is gone: 503, then 200 again once it is back, no restart."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot import http as bot_http

from .conftest import Harness


def health(harness: Harness) -> httpx.Response:
    url = harness.driver.app_url.replace("/slack/events", "/healthz")
    return httpx.get(url, trust_env=False, timeout=30)


@contextmanager
def database_gone(harness: Harness) -> Iterator[None]:
    """PostgreSQL: the database refuses connections and every open one is terminated.
    SQLite: the file is replaced by a directory (unopenable, even for root) and the pooled
    connections are closed."""
    url = harness.engine.url
    if url.get_backend_name() == "postgresql":
        admin = create_engine(
            os.environ["KPIBOT_TEST_POSTGRES_URL"], poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        name = url.database

        def sql(statement: str) -> None:
            with admin.connect() as db:
                db.execute(text(statement))

        sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # noqa: S608
        try:
            yield
        finally:
            sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.dispose()
        return
    path = Path(str(url.database))
    aside = path.with_suffix(".aside")
    harness.engine.dispose()
    path.rename(aside)
    path.mkdir()
    try:
        yield
    finally:
        shutil.rmtree(path)
        aside.rename(path)


def test_healthz_is_503_while_the_database_is_gone_and_200_once_it_is_back(
    harness: Harness,
) -> None:
    assert health(harness).status_code == 200
    with database_gone(harness):
        gone = health(harness)
        assert gone.status_code == 503
        assert gone.json()["ok"] is False and gone.json()["database"]
        assert health(harness).status_code == 503  # and stays so
    back = health(harness)
    assert back.status_code == 200 and back.json() == {"ok": True}


def test_healthz_answers_503_in_time_when_the_database_hangs(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that stops answering (packets dropped) must not hang the health check."""
    released = threading.Event()
    real_connect = harness.engine.connect

    def hangs() -> Any:
        released.wait(30)
        return real_connect()

    monkeypatch.setattr(bot_http, "HEALTH_TIMEOUT", 0.5)
    monkeypatch.setattr(harness.engine, "connect", hangs)
    try:
        started = time.monotonic()
        hung = health(harness)
        assert hung.status_code == 503 and hung.json()["database"] == "no answer"
        assert time.monotonic() - started < 5
    finally:
        released.set()
