"""Home, reminder DMs and digests agree on what is due, missing and late (core.due)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.reminders.job import ReminderJob
from localslack import LocalSlackServer
from storage import repo
from storage.db import session_scope

from .conftest import ALICE, SALES, Harness
from .reminder_helpers import make_job, reminder_dms, text_of
from .review_helpers import age_kpi

WEEK_49_MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 10:00 in New York, week 49
WEEK_50_MONDAY_10 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York
MONDAY_09_NY = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)  # Sales's digest, before 10:00


def log(harness: Harness, key: str, week: int) -> None:
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, key)
        assert kpi is not None
        repo.log_value(
            session, kpi, period_key=f"2026-W{week}",
            period_start=date.fromisocalendar(2026, week, 1), value=1.5e6, note=None,
            source="test", by=ALICE, now=WEEK_49_MONDAY - timedelta(days=10),
        )  # fmt: skip


def _button(blocks: list[Any] | None, action_id: str, kpi: str | None = None) -> str:
    for block in blocks or []:
        elements = [block.get("accessory") or {}, *block.get("elements", [])]
        for element in elements:
            value = str(element.get("value", ""))
            if element.get("action_id") == action_id and kpi in (None, value.split(" ")[0]):
                return value
    raise AssertionError(f"no {action_id} button for {kpi} in {blocks}")


def test_home_log_value_opens_the_period_home_says_is_due(harness: Harness) -> None:
    harness.clock[0] = WEEK_49_MONDAY
    harness.driver.app_home_opened(ALICE)
    home = harness.wait(lambda: harness.workspace.home_for(ALICE))
    body = json.dumps(home.definition["blocks"], ensure_ascii=False)
    assert "week 48 (23-29 Nov 2026) is due" in body

    value = _button(home.definition["blocks"], "log_open", "pipeline")
    harness.driver.block_action(ALICE, "log_open", value, view=home)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    period = next(b for b in modal.definition["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2026-W48"  # not this week's 2026-W49


def test_home_lists_every_missing_week_and_logs_the_oldest_first(harness: Harness) -> None:
    age_kpi(harness.engine, "pipeline", datetime(2026, 11, 11, 15, 0, tzinfo=UTC))  # week 46
    log(harness, "pipeline", 46)
    harness.clock[0] = WEEK_50_MONDAY_10
    harness.driver.app_home_opened(ALICE)
    home = harness.wait(lambda: harness.workspace.home_for(ALICE))
    body = json.dumps(home.definition["blocks"], ensure_ascii=False)
    assert "week 47 (16-22 Nov 2026), week 48 (23-29 Nov 2026) are late" in body
    assert "week 49 (30 Nov-6 Dec 2026) is due" in body
    assert _button(home.definition["blocks"], "log_open", "pipeline") == "pipeline 2026-W47"


@pytest.fixture
def job(harness: Harness, slack_server: LocalSlackServer) -> ReminderJob:
    return make_job(harness.engine, slack_server, harness.workspace, harness.runtime.policy)


def test_the_reminder_lists_every_missing_week_and_is_not_done_while_one_is(
    harness: Harness, job: ReminderJob
) -> None:
    age_kpi(harness.engine, "pipeline", datetime(2026, 11, 18, 15, 0, tzinfo=UTC))  # week 47
    log(harness, "pipeline", 47)
    job.run(WEEK_50_MONDAY_10)  # the first run since week 48 closed: weeks 48 and 49 are open
    (dm,) = reminder_dms(harness.workspace, ALICE)
    body = text_of(dm)
    assert "week 49 (30 Nov-6 Dec 2026)" in body and "week 48 (23-29 Nov 2026)" in body

    harness.clock[0] = WEEK_50_MONDAY_10 + timedelta(minutes=5)
    nudge = _button(dm.blocks, "reminder_log")  # the week 49 reminder's own button
    harness.driver.block_action(ALICE, "reminder_log", nudge, message=dm)
    modal = harness.wait(lambda: harness.workspace.views_for(ALICE))[-1]
    harness.driver.view_submission(
        ALICE, modal.id, {"value": {"value": "1.3M"}, "period": {"period": "2026-W49"}}
    )
    updated = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "Logged" in text_of(m)]
    )[0]
    body = text_of(updated)
    assert "All done" not in body
    assert "week 48 (23-29 Nov 2026)" in body and "Still without a value" in body

    # the older week has its own Log value in the DM; once logged, the DM is done
    value = _button(updated.blocks, "log_open", "pipeline")
    assert value == "pipeline 2026-W48"
    first = modal.id
    harness.driver.block_action(ALICE, "log_open", value, message=updated)
    modal = harness.wait(lambda: [v for v in harness.workspace.views_for(ALICE) if v.id != first])[
        -1
    ]
    period = next(b for b in modal.definition["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2026-W48"
    harness.driver.view_submission(
        ALICE, modal.id, {"value": {"value": "1.2M"}, "period": {"period": "2026-W48"}}
    )
    done = harness.wait(
        lambda: [m for m in reminder_dms(harness.workspace, ALICE) if "All done" in text_of(m)]
    )[0]
    assert done.ts == dm.ts and "Still without a value" not in text_of(done)


@pytest.fixture
def digest_h(harness: Harness) -> Iterator[Harness]:
    harness.clock[0] = MONDAY_09_NY
    with session_scope(harness.engine) as session:  # a known name: a mention is then a choice
        repo.ensure_person(session, ALICE, MONDAY_09_NY).display_name = "Alice"
    harness.runtime.settings = harness.runtime.settings.model_copy(update={"render_workers": 0})
    yield harness
    harness.runtime.close()


def test_a_digest_before_the_first_reminder_says_not_in_yet_without_a_mention(
    digest_h: Harness,
) -> None:
    digest_h.runtime.digests.run(MONDAY_09_NY)
    (sales,) = [m for m in digest_h.workspace.messages_in(SALES) if "digest" in (m.text or "")]
    body = json.dumps(sales.blocks, ensure_ascii=False)
    line = next(s for s in body.split("\\n") if "Qualified pipeline (week 48" in s)
    assert "not in yet" in line and "late" not in line
    assert f"<@{ALICE}>" not in line
    churn = next(s for s in body.split("\\n") if "Monthly churn (October 2026)" in s)
    assert "*late*" in churn  # its reminders ran out weeks ago
