"""Bad input at the edge, signed as Slack signs it: each gets a clear answer and writes nothing.

Oversized bodies, a `payload` that is not JSON, a form submitted by someone other than the
person it was opened for, a button pressed again after the reminder was answered, and an
Events API retry after the first attempt failed half-way (handled exactly once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from bot.alerts.job import wait_for_sends
from bot.http import MAX_BODY
from bot.listeners import reviews as review_listeners
from bot.reminders.job import ReminderJob
from commands.reviews.replies import capture_reply
from localslack import LocalSlackServer

from .conftest import ALICE, BOB, EVE, NOW, SALES, Harness
from .reminder_helpers import MONDAY_10_NY, make_job, nudges, poll, reminder_dms, text_of
from .review_helpers import comments, parents, set_schedule
from .review_helpers import make_job as make_review_job


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as db:
        return {
            t.name: int(db.execute(select(func.count()).select_from(t)).scalar_one())
            for t in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def review_job(harness: Harness, slack_server: LocalSlackServer) -> Any:
    set_schedule(harness.engine)
    return make_review_job(harness, slack_server)


@pytest.fixture
def reminders(harness: Harness, slack_server: LocalSlackServer) -> ReminderJob:
    return make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)


def _button(message: object, action_id: str) -> str:
    for block in getattr(message, "blocks", None) or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {message}")


def test_a_body_over_the_limit_is_refused_with_413_and_never_parsed(harness: Harness) -> None:
    before = row_counts(harness.engine)
    driver = harness.driver
    big = b"payload=" + b"x" * MAX_BODY
    answer = driver.post(driver.interactivity_url, big, "application/x-www-form-urlencoded")
    assert answer.status_code == 413
    assert "too large" in answer.text and str(MAX_BODY) in answer.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"x" * 65536

    headers = {**driver.signature_headers(b""), "Content-Type": "application/json"}
    streamed = driver.http.post(driver.events_url, content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert row_counts(harness.engine) == before


def test_a_payload_that_is_not_json_is_a_400_and_writes_nothing(harness: Harness) -> None:
    before = row_counts(harness.engine)
    driver = harness.driver
    form = driver.post(
        driver.interactivity_url, b"payload=%7Bnot+json", "application/x-www-form-urlencoded"
    )
    assert form.status_code == 400 and "payload" in form.text and "JSON" in form.text
    event = driver.post(driver.events_url, b'{"type": "event_callback", ', "application/json")
    assert event.status_code == 400 and "JSON" in event.text
    not_object = driver.post(
        driver.interactivity_url, b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"
    )
    assert not_object.status_code == 400
    assert row_counts(harness.engine) == before


def test_a_form_submitted_by_someone_it_was_not_opened_for_is_refused(
    harness: Harness, reminders: ReminderJob
) -> None:
    reminders.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    harness.driver.block_action(ALICE, "reminder_log", _button(dm, "reminder_log"), message=dm)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    before, states = row_counts(harness.engine), [n.state for n in nudges(harness.engine)]

    answer = harness.driver.view_submission(
        EVE, modal.id, {"value": {"value": "9.9M"}, "period": {"period": "2026-W48"}}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_action"] == "update"
    assert "opened for someone else" in json.dumps(body["view"])
    harness.drain()  # whatever the submission started has finished
    assert row_counts(harness.engine) == before
    assert [n.state for n in nudges(harness.engine)] == states


def test_a_button_pressed_again_after_the_reminder_was_answered_changes_nothing(
    harness: Harness, reminders: ReminderJob
) -> None:
    reminders.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)
    dm = reminder_dms(harness.workspace, ALICE)[0]  # the message as it was, buttons and all
    harness.kpi("log pipeline 1.25M for last week")
    harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )
    wait_for_sends(harness.runtime)  # the value's alerts are written before we count rows
    before, states = row_counts(harness.engine), [n.state for n in nudges(harness.engine)]
    seen = len(harness.workspace.ephemerals_for(ALICE))

    for action in ("reminder_snooze_later", "reminder_skip"):
        harness.driver.block_action(
            ALICE, action, _button(dm, action), message=dm, channel_id=dm.channel
        )
    answers = harness.wait(
        lambda: (
            harness.workspace.ephemerals_for(ALICE)[seen:]
            if len(harness.workspace.ephemerals_for(ALICE)) >= seen + 2
            else None
        )
    )
    harness.drain()
    texts = sorted(text_of(a) for a in answers)
    assert "Nothing left to snooze: every KPI here is answered." in texts[0], texts
    assert "already has $1.25M for week 48" in texts[1] and "nothing to skip" in texts[1]
    assert harness.workspace.views_for(ALICE) == []  # no form opened to answer it again
    assert row_counts(harness.engine) == before
    assert [n.state for n in nudges(harness.engine)] == states


def test_an_event_retried_after_the_first_attempt_failed_half_way_is_handled_once(
    harness: Harness, review_job: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    review_job.run(NOW)  # the review thread is posted
    parent = parents(harness.workspace)[0]
    real = capture_reply
    calls: list[str] = []

    def dies_half_way(session: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["ts"])
        captured = real(session, **kwargs)  # the commentary is written...
        if len(calls) == 1:
            raise RuntimeError("the process died half-way")  # ...and never committed
        return captured

    monkeypatch.setattr(review_listeners, "capture_reply", dies_half_way)
    message = harness.workspace.post_as_user(
        BOB, SALES, "churn: one big logo left", thread_ts=parent.ts
    )
    event = {
        "type": "message",
        "channel": SALES,
        "channel_type": "channel",
        "user": BOB,
        "text": message.text,
        "ts": message.ts,
        "thread_ts": parent.ts,
    }
    harness.driver.event(event, event_id="Ev0HALFWAY1")
    poll(lambda: bool(calls))  # the first attempt ran, and died
    retried = harness.driver.event(event, event_id="Ev0HALFWAY1", retry_num=1)
    assert retried.status_code == 200
    assert [c.text for c in harness.wait(lambda: comments(harness.engine))] == ["one big logo left"]
    again = harness.driver.event(event, event_id="Ev0HALFWAY1", retry_num=2)  # handled by now
    assert again.status_code == 200
    harness.drain()
    assert len(comments(harness.engine)) == 1 and len(calls) == 2
