"""`kpibot serve`'s clock: each job runs on APScheduler's threads, never Bolt's listener pool,
and a failing run is logged without stopping the next one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.jobs import registry
from bot.jobs.scheduler import start
from bot.runtime import Runtime
from bot.settings import load_settings
from storage.db import make_engine


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    engine = make_engine("sqlite://")
    yield Runtime(settings=load_settings(env_file=None), engine=engine, client=WebClient())
    engine.dispose()


def test_every_job_runs_on_the_schedulers_own_threads(runtime: Runtime) -> None:
    ran = threading.Event()
    seen: list[tuple[str, datetime]] = []

    def job(rt: Runtime, now: datetime) -> str:
        seen.append((threading.current_thread().name, now))
        ran.set()
        return "sent 0 messages"

    scheduler = start(runtime, jobs={"demo": job}, first_run_after=timedelta(0))
    try:
        assert ran.wait(timeout=10)
        assert scheduler.get_job("demo").trigger.interval == timedelta(seconds=60)
    finally:
        scheduler.shutdown(wait=True)
    thread, now = seen[0]
    assert not thread.startswith("kpibot-listener")
    assert now.utcoffset() is not None


def test_a_failing_run_is_logged_and_the_scheduler_carries_on(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    failed = threading.Event()

    def job(rt: Runtime, now: datetime) -> Any:
        failed.set()
        raise RuntimeError("database unreachable")

    with caplog.at_level(logging.ERROR, logger="bot.jobs.scheduler"):
        scheduler = start(runtime, jobs={"broken": job}, first_run_after=timedelta(0))
        try:
            assert failed.wait(timeout=10)
        finally:
            scheduler.shutdown(wait=True)
    assert "job broken failed" in caplog.text


def test_the_reminders_job_is_registered() -> None:
    assert "reminders" in registry()
