"""Delivery guarantees: several processes, killed processes, 429 storms, lost answers, DST.

Each DM goes out exactly once: the tests count the messages in every owner's DM with kpibot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.reminders.job import RunReport
from localslack import LocalSlackServer
from storage.db import make_engine

from .conftest import ALICE, BOB, Harness
from .reminder_helpers import (
    MONDAY_10_NY,
    FakeSleep,
    add_kpis,
    deliveries,
    delivery_key,
    make_job,
    nudges,
    reminder_dms,
)

ROOT = Path(__file__).resolve().parents[2]
OWNERS = [f"U0OWN{n:04d}" for n in range(40)]
EVERYONE = [*OWNERS, ALICE]  # ALICE's weekly pipeline is due at the same moment


@pytest.fixture
def crowd(harness: Harness) -> Harness:
    """Forty more owners in New York, each with one weekly KPI due Monday at 10:00."""
    for owner in OWNERS:
        harness.workspace.add_user(owner, owner.lower(), tz="America/New_York")
    add_kpis(harness.engine, OWNERS)
    return harness


def each_got_exactly_one(harness: Harness, people: list[str]) -> None:
    counts = {person: len(reminder_dms(harness.workspace, person)) for person in people}
    assert set(counts.values()) == {1}, {p: n for p, n in counts.items() if n != 1}


def database_url(harness: Harness) -> str:
    return harness.engine.url.render_as_string(hide_password=False)


def environment(harness: Harness) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPIBOT_TEST")}
    return env | {"DATABASE_URL": database_url(harness), "KPIBOT_LOG_LEVEL": "WARNING"}


def in_process(harness: Harness, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment(harness),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_at_the_same_moment_send_each_dm_once(crowd: Harness) -> None:
    command = ("-m", "bot.cli", "jobs", "run", "reminders", "--now", MONDAY_10_NY.isoformat())
    processes = [in_process(crowd, *command) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], outputs
    each_got_exactly_one(crowd, EVERYONE)
    assert len(crowd.workspace.calls_to("chat.postMessage")) == len(EVERYONE)
    planners = [out for out, _ in outputs if out.startswith(("Timezones", "Planned"))]
    assert len(planners) >= 1  # one planned; the other planned nothing new, or waited


def test_two_senders_in_threads_share_the_work_without_overlap(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    reports: list[RunReport] = []

    def process(name: str) -> None:
        engine = make_engine(database_url(crowd))  # its own pool, as another process has
        try:
            job = make_job(engine, slack_server, crowd.workspace, crowd.runtime.policy, worker=name)
            reports.append(job.run(MONDAY_10_NY))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=process, args=(f"p{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    each_got_exactly_one(crowd, EVERYONE)
    assert sum(r.sent for r in reports) == len(EVERYONE)
    assert sum(1 for r in reports if r.planned is not None and r.planned.reminders) == 1


def test_a_process_killed_after_posting_loses_nothing_and_doubles_nothing(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    doomed = in_process(
        crowd, "-m", "tests.e2e.reminder_worker", MONDAY_10_NY.isoformat(), "--die-after-posts", "5"
    )
    out, err = doomed.communicate(timeout=120)
    assert doomed.returncode == 137, (out, err)
    assert sum(len(reminder_dms(crowd.workspace, p)) for p in EVERYONE) == 5
    assert sum(d.status == "sent" for d in deliveries(crowd.engine)) == 4  # the fifth: in doubt

    survivor = make_job(crowd.engine, slack_server, crowd.workspace, crowd.runtime.policy)
    early = survivor.run(MONDAY_10_NY + timedelta(minutes=1))
    assert early.sent == len(EVERYONE) - 5 - 20  # the rest of the dead process's batch waits
    report = survivor.run(MONDAY_10_NY + timedelta(minutes=6))  # its lease has run out

    assert report.found_already_sent == 1  # found in the DM by its metadata, not posted again
    each_got_exactly_one(crowd, EVERYONE)
    assert {d.status for d in deliveries(crowd.engine)} == {"sent"}
    keys = [delivery_key(m) for p in EVERYONE for m in reminder_dms(crowd.workspace, p)]
    assert len(set(keys)) == len(EVERYONE)


def test_a_process_killed_while_planning_leaves_nothing_half_written(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    doomed = in_process(
        crowd, "-m", "tests.e2e.reminder_worker", MONDAY_10_NY.isoformat(), "--die-while-planning"
    )
    out, err = doomed.communicate(timeout=120)
    assert doomed.returncode == 137, (out, err)
    assert nudges(crowd.engine) == [] and deliveries(crowd.engine) == []

    job = make_job(crowd.engine, slack_server, crowd.workspace, crowd.runtime.policy)
    blocked = job.run(MONDAY_10_NY + timedelta(minutes=1))
    assert blocked.plan_skipped and blocked.sent == 0  # the dead planner's lease still holds
    report = job.run(MONDAY_10_NY + timedelta(minutes=6))
    assert report.planned is not None and report.sent == len(EVERYONE)
    each_got_exactly_one(crowd, EVERYONE)


def test_a_429_storm_delays_but_loses_nothing(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    crowd.workspace.rate_limit("chat.postMessage", times=30, retry_after=2)
    sleep = FakeSleep()
    job = make_job(crowd.engine, slack_server, crowd.workspace, crowd.runtime.policy, sleep=sleep)
    report = job.run(MONDAY_10_NY)

    each_got_exactly_one(crowd, EVERYONE)
    assert report.sent == len(EVERYONE) and report.failed == [] and report.postponed == 0
    assert sleep.waits == [2.0] * 30 and report.waited == 60
    statuses = [c.status for c in crowd.workspace.calls_to("chat.postMessage")]
    assert statuses.count(429) == 30 and statuses.count(200) == len(EVERYONE)


def test_a_storm_longer_than_a_run_postpones_to_the_next_run(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    crowd.workspace.rate_limit("chat.postMessage", times=10_000, retry_after=30)
    job = make_job(crowd.engine, slack_server, crowd.workspace, crowd.runtime.policy, max_wait=60)
    report = job.run(MONDAY_10_NY)
    assert report.sent == 0 and report.postponed == len(EVERYONE) and report.failed == []
    assert {d.status for d in deliveries(crowd.engine)} == {"pending"}

    crowd.workspace.disable_rate_limits()
    later = job.run(MONDAY_10_NY + timedelta(minutes=1))
    assert later.sent == len(EVERYONE)
    each_got_exactly_one(crowd, EVERYONE)


def test_rate_limited_timezone_lookups_are_waited_out(
    crowd: Harness, slack_server: LocalSlackServer
) -> None:
    crowd.workspace.rate_limit("users.list", times=2, retry_after=3)
    sleep = FakeSleep()
    job = make_job(crowd.engine, slack_server, crowd.workspace, crowd.runtime.policy, sleep=sleep)
    report = job.run(MONDAY_10_NY)

    assert sleep.waits == [3.0, 3.0]
    assert report.timezones is not None and report.timezones.startswith("users.list")
    each_got_exactly_one(crowd, EVERYONE)
    job.run(MONDAY_10_NY + timedelta(minutes=1))  # cached now: no sweep, no per-owner lookup
    assert len(crowd.workspace.calls_to("users.list")) == 3
    assert crowd.workspace.calls_to("users.info") == []


def test_internal_errors_are_retried_later_and_other_errors_fail_once(
    harness: Harness, slack_server: LocalSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    real = job.client.chat_postMessage
    failures = iter(["internal_error"])

    def flaky(**kwargs: Any) -> Any:
        error = next(failures, None)
        if error:
            raise SlackApiError(error, _response(error))
        return real(**kwargs)

    monkeypatch.setattr(job.client, "chat_postMessage", flaky)
    first = job.run(MONDAY_10_NY)
    assert first.postponed == 1 and first.sent == 0
    second = job.run(MONDAY_10_NY + timedelta(seconds=10))
    assert second.sent == 0  # backing off: due again 15 seconds later
    third = job.run(MONDAY_10_NY + timedelta(seconds=20))
    assert third.sent == 1
    assert len(reminder_dms(harness.workspace, ALICE)) == 1


def test_an_unanswered_post_is_checked_before_it_is_sent_again(
    harness: Harness, slack_server: LocalSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    real = job.client.chat_postMessage

    def answer_lost(**kwargs: Any) -> Any:
        real(**kwargs)  # Slack posts it, but the answer never arrives
        raise urllib.error.URLError("connection reset by peer")

    monkeypatch.setattr(job.client, "chat_postMessage", answer_lost)
    first = job.run(MONDAY_10_NY)
    assert first.in_doubt == 1 and first.sent == 0
    monkeypatch.setattr(job.client, "chat_postMessage", real)

    assert job.run(MONDAY_10_NY + timedelta(minutes=1)).sent == 0  # lease still held
    later = job.run(MONDAY_10_NY + timedelta(minutes=6))
    assert later.found_already_sent == 1
    assert len(reminder_dms(harness.workspace, ALICE)) == 1


def test_reminders_across_the_us_dst_change_arrive_once_at_ten_local(
    harness: Harness, slack_server: LocalSlackServer
) -> None:
    """Hourly runs from Saturday 31 October to Tuesday 3 November 2026: New York leaves
    daylight saving time on Sunday 1 November, Berlin left it a week before."""
    add_kpis(harness.engine, [ALICE], team_key="sales")  # periods in New York time
    add_kpis(harness.engine, [BOB], team_key="marketing")  # periods in Berlin time
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    moment = datetime(2026, 10, 31, 0, tzinfo=UTC)
    while moment <= datetime(2026, 11, 3, 16, tzinfo=UTC):
        job.run(moment)
        moment += timedelta(hours=1)

    sent = {(d.recipient, d.due_at) for d in deliveries(harness.engine) if d.status == "sent"}
    assert sent == {
        (
            ALICE,
            datetime(2026, 11, 2, 15, tzinfo=UTC),
        ),  # Monday 10:00 EST (it was 14:00 UTC in EDT)
        (ALICE, datetime(2026, 11, 3, 15, tzinfo=UTC)),  # the follow-up, Tuesday 10:00 EST
        (BOB, datetime(2026, 11, 2, 9, tzinfo=UTC)),  # Monday 10:00 CET
        (BOB, datetime(2026, 11, 3, 9, tzinfo=UTC)),
    }
    assert len(reminder_dms(harness.workspace, ALICE)) == 2
    assert len(reminder_dms(harness.workspace, BOB)) == 2


def _response(error: str) -> Any:
    from slack_sdk.web import SlackResponse

    return SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
