"""Owner confirmation of pulled values: with `confirm: true` the reminder DM says "Filled in
$1.2M from *sql*" with Confirm / Correct / Add why instead of "please log", and digests mark the
value unconfirmed; without it, a pulled value counts as logged and no reminder goes out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.reminders.job import ReminderJob
from commands.digests.digest import team_digest
from localslack import LocalSlackServer
from storage import repo
from storage.db import session_scope

from .conftest import ALICE, Harness
from .reminder_helpers import MONDAY_10_NY, TUESDAY_10_NY, make_job, reminder_dms, text_of
from .source_helpers import configure, deals, sql_kpi, value
from .source_helpers import make_job as make_pull_job

__all__ = ["deals"]  # the fixture, shared
W48 = "2026-W48"


@pytest.fixture
def reminders(harness: Harness, slack_server: LocalSlackServer) -> ReminderJob:
    return make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)


def pulled_week_48(harness: Harness, table: str, *, confirm: bool) -> None:
    with harness.engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO {table} VALUES (1200000, :d)"),  # noqa: S608
            {"d": date(2026, 11, 25)},
        )
    configure(harness, sql_kpi(table, ", confirm: true" if confirm else ""))
    report = make_pull_job(harness).run(MONDAY_10_NY)
    assert report.stored >= 1, str(report)
    harness.clock[0] = MONDAY_10_NY + timedelta(minutes=5)


def buttons(message) -> dict[str, dict[str, Any]]:
    return {
        e["text"]["text"]: e
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_confirm_turns_the_pulled_value_into_a_logged_one(
    harness: Harness, deals: str, reminders: ReminderJob
) -> None:
    pulled_week_48(harness, deals, confirm=True)
    stored = value(harness, "pipeline", W48)
    assert stored is not None and stored.source == "pulled-unconf"
    reminders.run(MONDAY_10_NY)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    assert "Filled in *$1.2M* from *sql* for week 48" in text_of(dm)
    assert "Log value" not in buttons(dm)
    assert {"Confirm", "Correct", "Add why"} <= set(buttons(dm))
    confirm = buttons(dm)["Confirm"]
    harness.driver.block_action(ALICE, confirm["action_id"], confirm["value"], message=dm)
    updated = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )[0]
    assert updated.ts == dm.ts and "Logged *$1.2M*" in text_of(updated)
    confirmed = value(harness, "pipeline", W48)
    assert confirmed is not None and confirmed.source == "pulled"
    reminders.run(TUESDAY_10_NY)  # no follow-up about a confirmed value
    later = [text_of(m) for m in reminder_dms(harness.workspace, ALICE)[1:]]
    assert all("Qualified pipeline" not in t for t in later)


def test_correct_opens_the_log_form_prefilled_and_logs_the_owners_number(
    harness: Harness, deals: str, reminders: ReminderJob
) -> None:
    pulled_week_48(harness, deals, confirm=True)
    reminders.run(MONDAY_10_NY)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    correct = buttons(dm)["Correct"]
    harness.driver.block_action(ALICE, correct["action_id"], correct["value"], message=dm)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    prefilled = next(b for b in modal.definition["blocks"] if b.get("block_id") == "value")
    assert prefilled["element"]["initial_value"] == "1,200,005"  # every digit: nothing rounded
    harness.driver.view_submission(
        ALICE, modal.id, {"value": {"value": "1.25M"}, "period": {"period": W48}}
    )
    harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )
    corrected = value(harness, "pipeline", W48)
    assert corrected is not None and corrected.value == 1250000
    assert (corrected.source, corrected.logged_by) == ("slack", ALICE)


def test_the_digest_marks_an_unconfirmed_value(harness: Harness, deals: str) -> None:
    pulled_week_48(harness, deals, confirm=True)
    with session_scope(harness.engine) as session:
        team = repo.get_team(session, "sales")
        assert team is not None
        digest = team_digest(session, harness.runtime.policy, team, MONDAY_10_NY)
        assert "$1.2M unconfirmed" in str(digest)


def test_without_confirm_a_pulled_value_counts_as_logged(
    harness: Harness, deals: str, reminders: ReminderJob
) -> None:
    pulled_week_48(harness, deals, confirm=False)
    report = reminders.run(MONDAY_10_NY)
    assert reminder_dms(harness.workspace, ALICE) == []
    assert report.planned is not None and report.planned.answered == 1
    with session_scope(harness.engine) as session:
        team = repo.get_team(session, "sales")
        assert team is not None
        digest = str(team_digest(session, harness.runtime.policy, team, MONDAY_10_NY))
        assert "$1.2M" in digest and "unconfirmed" not in digest


def test_add_why_keeps_the_number_and_adds_the_owners_note(
    harness: Harness, deals: str, reminders: ReminderJob
) -> None:
    pulled_week_48(harness, deals, confirm=True)
    reminders.run(MONDAY_10_NY)
    dm = reminder_dms(harness.workspace, ALICE)[0]
    why = buttons(dm)["Add why"]
    harness.driver.block_action(ALICE, why["action_id"], why["value"], message=dm)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    prefilled = next(b for b in modal.definition["blocks"] if b.get("block_id") == "value")
    assert prefilled["element"]["initial_value"] == "1,200,005"  # every digit: nothing rounded
    harness.driver.view_submission(
        ALICE,
        modal.id,
        {
            "value": {"value": "1,200,005"},
            "period": {"period": W48},
            "note": {"note": "Two deals slipped into December"},
        },
    )
    harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )
    explained = value(harness, "pipeline", W48)
    assert explained is not None and explained.value == 1200005
    assert explained.note == "Two deals slipped into December" and explained.source == "slack"
