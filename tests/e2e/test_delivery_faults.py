"""What bench/bench_chaos.py found, pinned: Slack failing while a delivery is in doubt.

A delivery is in doubt after its sender got no answer (or died) between Slack's answer and
the outbox write; the next holder looks for its key in Slack before posting. These tests make
that look fail, or make Slack fail for a while, and count what arrives.
"""

from __future__ import annotations

import urllib.error
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.reminders.job import Hooks, JobConfig, ReminderJob
from localslack import LocalSlackServer
from storage import outbox
from storage.db import session_scope

from .conftest import ALICE, Harness
from .reminder_helpers import (
    MONDAY_10_NY,
    FakeSleep,
    add_kpis,
    client_for,
    make_job,
    reminder_dms,
)


def _error(method: str, error: str, status: int = 200) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=method,
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError(error, response)


def test_a_delivery_in_doubt_is_not_posted_again_while_slack_cannot_say_whether_it_has_it(
    harness: Harness, slack_server: LocalSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    real_post, real_history = job.client.chat_postMessage, job.client.conversations_history

    def answer_lost(**kwargs: Any) -> Any:
        real_post(**kwargs)  # Slack posts it; the answer never arrives
        raise urllib.error.URLError("connection reset by peer")

    def history_down(**kwargs: Any) -> Any:
        raise _error("conversations.history", "internal_error", status=500)

    monkeypatch.setattr(job.client, "chat_postMessage", answer_lost)
    assert job.run(MONDAY_10_NY).in_doubt == 1
    monkeypatch.setattr(job.client, "chat_postMessage", real_post)
    monkeypatch.setattr(job.client, "conversations_history", history_down)

    taken_over = job.run(MONDAY_10_NY + timedelta(minutes=6))  # the lease ran out
    assert len(reminder_dms(harness.workspace, ALICE)) == 1  # not posted blind
    assert taken_over.in_doubt == 1 and taken_over.sent == 0

    monkeypatch.setattr(job.client, "conversations_history", real_history)
    later = job.run(MONDAY_10_NY + timedelta(minutes=12))
    assert later.found_already_sent == 1
    assert len(reminder_dms(harness.workspace, ALICE)) == 1


def test_an_http_5xx_without_a_slack_error_is_retried_later_not_failed(
    harness: Harness, slack_server: LocalSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load balancer's 503 page carries no Slack error code; Slack did not act on it."""
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    real_post = job.client.chat_postMessage

    def unavailable(**kwargs: Any) -> Any:
        raise _error("chat.postMessage", "", status=503)

    monkeypatch.setattr(job.client, "chat_postMessage", unavailable)
    first = job.run(MONDAY_10_NY)
    assert first.postponed == 1 and not first.failed, first.lines()

    monkeypatch.setattr(job.client, "chat_postMessage", real_post)
    later = job.run(MONDAY_10_NY + timedelta(hours=1))
    assert later.sent == 1
    assert len(reminder_dms(harness.workspace, ALICE)) == 1


def test_a_slow_sender_leaves_every_delivery_another_process_took_over(
    harness: Harness, slack_server: LocalSlackServer
) -> None:
    """A sender so slow that its lease ran out and another process claimed the rest of its
    batch must not post any of them: not the next one only, every one."""
    owners = [f"U0SLOW{n:03d}" for n in range(4)]
    for owner in owners:
        harness.workspace.add_user(owner, owner.lower(), tz="America/New_York")
    add_kpis(harness.engine, owners)
    now = [MONDAY_10_NY]
    taken: list[str] = []

    def slow_after_first(c: Any) -> None:
        if taken:
            return
        with session_scope(harness.engine) as session:  # another process claims the rest
            rest = outbox.claim(session, owner="other", now=now[0] + timedelta(seconds=61),
                                lease=timedelta(minutes=10), limit=50)  # fmt: skip
        taken.extend(r.recipient for r in rest if r.recipient != c.recipient)
        now[0] += timedelta(seconds=62)  # this one was that slow: its lease ran out

    lease = timedelta(minutes=1)
    job = ReminderJob(
        harness.engine,
        client_for(slack_server, harness.workspace),
        harness.runtime.policy,
        config=JobConfig(lease=lease, plan_lease=lease, workers=1),
        worker="slow",
        clock=lambda: now[0],
        sleep=FakeSleep(),
        hooks=Hooks(posted=slow_after_first),
    )
    report = job.run(MONDAY_10_NY)

    assert len(taken) >= 3, taken
    assert [p for p in taken if reminder_dms(harness.workspace, p)] == []
    assert report.sent == 0 and report.lost_lease == len(taken) + 1, report.lines()


def test_slack_failing_for_minutes_postpones_a_message_and_never_loses_it(
    harness: Harness, slack_server: LocalSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six internal_errors in a row, with a run every minute: backed off, then sent once."""
    job = make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)
    real_post = job.client.chat_postMessage
    failures = iter(["internal_error"] * 6)

    def storm(**kwargs: Any) -> Any:
        error = next(failures, None)
        if error:
            raise _error("chat.postMessage", error, status=500)
        return real_post(**kwargs)

    monkeypatch.setattr(job.client, "chat_postMessage", storm)
    reports = [job.run(MONDAY_10_NY + timedelta(minutes=m)) for m in range(0, 30)]

    assert not [r.failed for r in reports if r.failed]
    assert sum(r.sent for r in reports) == 1
    assert len(reminder_dms(harness.workspace, ALICE)) == 1
    sent_at = next(m for m, r in enumerate(reports) if r.sent)
    # 15 s, 30 s, 1, 2, 4, then 5 min apart (each rounded up to the next minute's run): the
    # seventh try, under 20 minutes in; it was 120 s doubling, and failed after five.
    assert sent_at <= 20, sent_at
