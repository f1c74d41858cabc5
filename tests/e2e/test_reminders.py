"""Reminders as owners see them: one DM per moment, answered in one step, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.reminders.job import ReminderJob
from localslack import LocalSlackServer
from storage import repo
from storage.db import session_scope
from storage.models import AuditEvent, Person

from .conftest import ALICE, BOB, EVE, LEAD, SALES, Harness
from .reminder_helpers import (
    MONDAY_10_NY,
    TUESDAY_10_NY,
    WEDNESDAY_10_NY,
    deliveries,
    make_job,
    nudges,
    poll,
    reminder_dms,
    text_of,
)


@pytest.fixture
def job(harness: Harness, slack_server: LocalSlackServer) -> ReminderJob:
    return make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)


def test_the_owner_gets_one_dm_listing_what_is_due(harness: Harness, job: ReminderJob) -> None:
    report = job.run(MONDAY_10_NY)

    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 1
    body = text_of(dms[0])
    assert "Qualified pipeline" in body and "week 48" in body
    assert "target ≥ $4M" in body and "no data" in body
    for label in ("Log value", "Skip this period", "Snooze: later today", "tomorrow morning"):
        assert label in body
    assert report.sent == 1 and report.planned is not None and report.planned.reminders == 1
    # the hot path posts to the user ID: no conversations.open, no per-send users.info
    assert harness.workspace.calls_to("conversations.open") == []
    assert len(harness.workspace.calls_to("chat.postMessage")) == 1

    # running again at the same moment (or a minute later) sends nothing new
    job.run(MONDAY_10_NY)
    job.run(MONDAY_10_NY + timedelta(minutes=1))
    assert len(reminder_dms(harness.workspace, ALICE)) == 1
    assert reminder_dms(harness.workspace, BOB) == []  # churn is monthly: not due yet


def test_every_kpi_due_at_one_moment_shares_one_dm(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY)
    job.run(TUESDAY_10_NY)  # win-rate (November) is due, and pipeline's follow-up

    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 2
    second = text_of(dms[1])
    assert "Friendly nudge: 2 KPI values are still open" in second
    assert "Win rate" in second and "November 2026" in second and "Qualified pipeline" in second
    bob = reminder_dms(harness.workspace, BOB)  # Berlin: his 10:00 came six hours earlier
    assert len(bob) == 1 and "Monthly churn" in text_of(bob[0])


def test_an_owner_who_already_logged_is_not_reminded(harness: Harness, job: ReminderJob) -> None:
    harness.kpi("log pipeline 1.2M")  # Thursday of week 48
    report = job.run(MONDAY_10_NY)

    assert reminder_dms(harness.workspace, ALICE) == []
    assert report.planned is not None and report.planned.answered == 1


def test_log_value_opens_a_prefilled_form_and_the_dm_shows_what_was_logged(
    harness: Harness, job: ReminderJob
) -> None:
    job.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    harness.driver.block_action(ALICE, "reminder_log", _button(dm, "reminder_log"), message=dm)

    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    assert "week 48" in text_of(modal.definition) or "week 48" in str(modal.definition)
    period = next(b for b in modal.definition["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2026-W48"  # the period reminded, not today's

    harness.driver.view_submission(
        ALICE, modal.id, {"value": {"value": "1.3M"}, "period": {"period": "2026-W48"}}
    )
    updated = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )[0]
    assert updated.ts == dm.ts  # the same message, updated in place
    assert "Logged *$1.3M*" in text_of(updated) and "All done here" in text_of(updated)
    assert "Log value" not in text_of(updated)

    job.run(TUESDAY_10_NY)  # no follow-up for an answered period (win-rate is due, though)
    later = reminder_dms(harness.workspace, ALICE)[1:]
    assert len(later) == 1 and "Qualified pipeline" not in text_of(later[0])


def test_logging_with_the_command_updates_the_dm_too(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(hours=1)
    harness.kpi("log pipeline 1.25M for last week")
    dm = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )
    assert "$1.25M" in text_of(dm[0])


def test_skip_asks_why_records_it_and_stops_the_follow_ups(
    harness: Harness, job: ReminderJob
) -> None:
    job.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    harness.driver.block_action(ALICE, "reminder_skip", _button(dm, "reminder_skip"), message=dm)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    assert modal.definition["callback_id"] == "reminder_skip"

    harness.driver.view_submission(ALICE, modal.id, {"reason": {"reason": "   "}})
    assert "why" in str(harness.workspace.view(modal.id).errors).lower()  # type: ignore[union-attr]

    harness.driver.view_submission(ALICE, modal.id, {"reason": {"reason": "offsite <!channel>"}})
    updated = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Skipped" in text_of(m)]
    )[0]
    assert "offsite &lt;!channel&gt;" in text_of(updated)  # escaped: no ping
    assert [n.state for n in nudges(harness.engine)] == ["skipped"]
    with Session(harness.engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "period.skip")).all()
        assert len(audit) == 1 and "offsite" in audit[0].details

    job.run(TUESDAY_10_NY)
    job.run(WEDNESDAY_10_NY)
    later = reminder_dms(harness.workspace, ALICE)[1:]  # win-rate's reminders, nothing else
    assert later and all("Qualified pipeline" not in text_of(m) for m in later)
    assert all(
        "Qualified pipeline" not in text_of(m) for m in reminder_dms(harness.workspace, LEAD)
    )


def test_snooze_brings_the_reminder_back_later(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    harness.driver.block_action(
        ALICE, "reminder_snooze_later", _button(dm, "reminder_snooze_later"), message=dm
    )
    snoozed = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Snoozed" in text_of(m)]
    )[0]
    assert "Mon 30 Nov 13:05" in text_of(snoozed)  # three hours later, New York time

    job.run(MONDAY_10_NY + timedelta(hours=2))
    assert len(reminder_dms(harness.workspace, ALICE)) == 1
    job.run(MONDAY_10_NY + timedelta(hours=3, minutes=5))
    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 2 and "Friendly nudge" in text_of(dms[1])


def test_only_the_recipient_can_snooze(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    harness.driver.block_action(
        EVE,
        "reminder_snooze_tomorrow",
        _button(dm, "reminder_snooze_tomorrow"),
        message=dm,
        channel_id=dm.channel,
    )
    refusal = harness.wait(lambda: harness.workspace.ephemerals_for(EVE))
    assert "Only the person this reminder was sent to" in text_of(refusal[-1])


def test_unanswered_reminders_make_the_kpi_late_and_the_lead_is_told_once(
    harness: Harness, job: ReminderJob
) -> None:
    for moment in (MONDAY_10_NY, TUESDAY_10_NY, WEDNESDAY_10_NY):
        job.run(moment)
    job.run(WEDNESDAY_10_NY + timedelta(days=1))

    pipeline = [n for n in nudges(harness.engine) if n.period_key == "2026-W48"]
    assert [(n.state, n.reminders_sent) for n in pipeline] == [("late", 2)]
    told = [m for m in reminder_dms(harness.workspace, LEAD) if "Qualified" in text_of(m)]
    assert len(told) == 1  # once; Thursday's notice is about win-rate, late in its turn
    assert "marked late" in text_of(told[0]) and f"<@{ALICE}>" in text_of(told[0])
    assert "value late" in text_of(harness.kpi("list team:sales", channel=SALES))

    harness.clock[0] = WEDNESDAY_10_NY + timedelta(hours=2)
    harness.kpi("log pipeline 1.1M for 2026-W48")  # the lead's notice says so once logged
    harness.wait(lambda: "All caught up" in text_of(reminder_dms(harness.workspace, LEAD)[0]))
    assert "value late" not in text_of(harness.kpi("show pipeline"))


def test_an_owner_away_is_not_reminded_and_shows_as_away_not_late(
    harness: Harness, job: ReminderJob
) -> None:
    harness.kpi("away until 2026-12-02")
    for moment in (MONDAY_10_NY, TUESDAY_10_NY, WEDNESDAY_10_NY):
        job.run(moment)

    assert reminder_dms(harness.workspace, ALICE) == []
    assert reminder_dms(harness.workspace, LEAD) == []
    assert "owner away" in text_of(harness.kpi("list team:sales"))
    job.run(WEDNESDAY_10_NY + timedelta(days=1))  # back on Thursday: reminded at 10:00
    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 1 and "Qualified pipeline" in text_of(dms[0])


def test_a_delegate_is_reminded_instead_in_their_own_time(
    harness: Harness, job: ReminderJob
) -> None:
    harness.kpi(f"away until 2026-12-24 delegate <@{EVE}|eve>")
    # week 48 closes at midnight New York time, which is 14:00 on Monday in Tokyo
    tokyo_monday_2pm = MONDAY_10_NY - timedelta(hours=10)
    job.run(tokyo_monday_2pm - timedelta(minutes=1))
    assert reminder_dms(harness.workspace, EVE) == []
    job.run(tokyo_monday_2pm)

    dms = reminder_dms(harness.workspace, EVE)
    assert len(dms) == 1
    assert f"covering for <@{ALICE}>" in text_of(dms[0])
    assert reminder_dms(harness.workspace, ALICE) == []


def test_user_change_refreshes_the_cached_timezone(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY - timedelta(hours=12))  # caches everyone's timezone, sends nothing
    assert _timezone(harness, ALICE) == "America/New_York"
    user = harness.workspace.user(ALICE)
    assert user is not None
    event = {"type": "user_change", "user": user.to_api("T0KPIBOT", 0) | {"tz": "Asia/Tokyo"}}
    assert harness.driver.event(event).status_code == 200
    poll(lambda: _timezone(harness, ALICE) == "Asia/Tokyo")  # handled after the ack

    job.run(MONDAY_10_NY - timedelta(hours=10))  # 14:00 in Tokyo, when week 48 closes
    assert len(reminder_dms(harness.workspace, ALICE)) == 1
    assert harness.workspace.calls_to("users.list") == []  # never a sweep for one person


def test_deactivated_owner_fails_once_with_the_reason(
    harness: Harness, job: ReminderJob, slack_server: LocalSlackServer
) -> None:
    harness.workspace.deleted_user_dm_error = "account_inactive"
    harness.workspace.deactivate_user(ALICE)
    report = job.run(MONDAY_10_NY)

    assert [reason for _, reason in report.failed] == ["account_inactive"]
    assert [(d.status, d.error) for d in deliveries(harness.engine)] == [
        ("failed", "account_inactive")
    ]
    calls = len(harness.workspace.calls_to("chat.postMessage"))
    job.run(MONDAY_10_NY + timedelta(minutes=1))
    job.run(MONDAY_10_NY + timedelta(hours=1))
    assert len(harness.workspace.calls_to("chat.postMessage")) == calls  # never retried


def test_an_unknown_user_fails_with_user_not_found(harness: Harness, job: ReminderJob) -> None:
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        kpi.owner_user_id = "U0GHOST01"
    report = job.run(MONDAY_10_NY)
    assert [reason for _, reason in report.failed] == ["channel_not_found"] or [
        reason for _, reason in report.failed
    ] == ["user_not_found"]
    assert deliveries(harness.engine)[0].status == "failed"


def test_a_retired_kpi_gets_no_more_reminders(harness: Harness, job: ReminderJob) -> None:
    job.run(MONDAY_10_NY)
    assert "Retired" in text_of(harness.kpi("retire pipeline replaced", user=LEAD))
    job.run(TUESDAY_10_NY)
    job.run(WEDNESDAY_10_NY)
    later = reminder_dms(harness.workspace, ALICE)[1:]  # win-rate's reminders only
    assert len(later) == 2 and all("Qualified pipeline" not in text_of(m) for m in later)
    assert {n.period_key: n.state for n in nudges(harness.engine)}["2026-W48"] == "closed"


def _timezone(harness: Harness, user_id: str) -> str | None:
    with Session(harness.engine) as session:
        return (repo.get_person(session, user_id) or Person(slack_user_id=user_id)).timezone


def _button(message: object, action_id: str) -> str:
    for block in getattr(message, "blocks", None) or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {message}")
