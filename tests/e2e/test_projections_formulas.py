"""Projections to the deadline, seasonal targets and formula KPIs, as a team sees them in Slack."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.reviews import job as review_jobs
from localslack import LocalSlackServer
from storage import repo
from storage.db import session_scope

from .conftest import ALICE, NOW, SALES, Harness, seed
from .review_helpers import key_of, make_job, parents, set_schedule, thread
from .slack_text import text_of

MORE = """
kpis:
  - {key: won, name: Deals won, team: sales, owner: U0ALICE01, cadence: weekly, target: 10}
  - {key: opportunities, name: Opportunities, team: sales, owner: U0ALICE01, cadence: weekly,
     target: 40}
  - {key: close-rate, name: Close rate, team: sales, owner: U0ALICE01, cadence: weekly,
     unit: "%", target: 25, formula: won / opportunities * 100}
  - {key: bookings, name: Bookings, team: sales, owner: U0ALICE01, cadence: monthly,
     target: 100, targets: {2026-11: 50}}
"""

# Eight weeks of slow growth: at $20k a week the pipeline reaches about $2.3M by 30 Jun 2027.
SLOW_WEEKS = [(week, 1_500_000 + 20_000 * (week - 40)) for week in range(40, 48)]


def log_history(harness: Harness, key: str, weeks: Sequence[tuple[int, float]]) -> None:
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, key)
        assert kpi is not None
        for week, value in weeks:
            repo.log_value(
                session, kpi, period_key=f"2026-W{week}",
                period_start=date.fromisocalendar(2026, week, 1), value=value, note=None,
                source="test", by=ALICE, now=NOW - timedelta(days=2),
            )  # fmt: skip


@pytest.fixture
def h(harness: Harness) -> Harness:
    seed(harness.engine, MORE)
    return harness


def test_show_says_where_the_kpi_lands_by_the_deadline(h: Harness) -> None:
    log_history(h, "pipeline", SLOW_WEEKS)
    body = text_of(h.kpi("show pipeline"))
    assert "projected $2.28M by 30 Jun 2027 — misses $4M by 43 %" in body
    assert "confidence)" in body


def test_show_says_why_there_is_no_projection(h: Harness) -> None:
    log_history(h, "pipeline", SLOW_WEEKS[-2:])
    assert "no projection: needs 4 values to project; has 2" in text_of(h.kpi("show pipeline"))
    assert "no projection: it serves no goal" in text_of(h.kpi("show won"))


def test_a_formula_kpi_is_computed_when_its_inputs_are_logged(h: Harness) -> None:
    refused = text_of(h.kpi("log close-rate 30%"))
    assert "Close rate is computed from `won` and `opportunities`" in refused
    assert "cannot be logged by hand" in refused

    h.kpi("log won 6")
    shown = text_of(h.kpi("show close-rate"))
    assert "needs a value of &#x27;opportunities&#x27; for 2026-W48" in shown or (
        "needs a value of 'opportunities' for 2026-W48" in shown
    )

    h.kpi("log opportunities 24")

    def computed() -> float | None:
        with Session(h.engine) as session:
            kpi = repo.get_kpi(session, "close-rate")
            assert kpi is not None and kpi.id is not None
            found = repo.get_measurement(session, kpi.id, "2026-W48")
            return found.value if found else None

    assert h.wait(computed) == 25.0
    with Session(h.engine) as session:
        kpi = repo.get_kpi(session, "close-rate")
        assert kpi is not None and kpi.id is not None
        stored = repo.get_measurement(session, kpi.id, "2026-W48")
        assert stored is not None
        assert (stored.source, stored.note) == ("formula", "computed from won, opportunities")
    card = text_of(h.kpi("show close-rate"))
    assert "*25%*" in card and "Computed: `won / opportunities * 100`" in card
    assert "log_open" not in card  # no Log value button on a computed KPI

    h.kpi("log won 12")  # a corrected input works the formula out again
    h.wait(lambda: computed() == 50.0)


def test_a_seasonal_target_changes_the_status(h: Harness) -> None:
    october = text_of(h.kpi("log bookings 60 for 2026-10"))
    assert "Off track" in october or "off track" in october
    november = text_of(h.kpi("log bookings 60 for 2026-11"))
    assert "reached the target of 50" in november
    card = text_of(h.kpi("show bookings"))
    assert "≥ 50 for November 2026" in card
    assert "Targets by period: November 2026: 50" in card


def test_the_digest_line_shows_the_projection(h: Harness) -> None:
    monday = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    log_history(h, "pipeline", [*SLOW_WEEKS, (48, 1_660_000)])
    h.clock[0] = monday
    h.runtime.settings = h.runtime.settings.model_copy(update={"render_workers": 0})
    try:
        h.runtime.digests.run(monday)
        (digest,) = [m for m in h.workspace.messages_in(SALES) if "digest" in (m.text or "")]
        body = text_of(digest)
        assert ":checkered_flag: _projected $2.28M by 30 Jun 2027 — misses $4M by 43 %" in body
    finally:
        h.runtime.close()


def test_the_review_reply_shows_the_projection(h: Harness, slack_server: LocalSlackServer) -> None:
    set_schedule(h.engine)
    log_history(h, "pipeline", SLOW_WEEKS)
    try:
        make_job(h, slack_server).run(NOW)
        (parent,) = parents(h.workspace)
        replies = thread(h.workspace, parent)
        pipeline = next(m for m in replies if key_of(m).endswith("#pipeline"))
        assert "projected $2.28M by 30 Jun 2027 — misses $4M by 43 %" in text_of(pipeline)
    finally:
        review_jobs.wait_for_kicks()


def test_nobody_owes_a_formula_kpi_a_value(h: Harness) -> None:
    """Its inputs are owed, not the formula: Home lists no due line for it and the digest
    names nobody missing it (its value appears once the inputs are in)."""
    monday = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    h.clock[0] = monday
    h.driver.app_home_opened(ALICE)
    home = h.wait(lambda: h.workspace.home_for(ALICE))
    lines = [text_of_block(b) for b in home.definition["blocks"]]
    assert not [line for line in lines if "Close rate" in line and " due" in line], lines
    assert any("Deals won" in line for line in lines)  # the inputs are owed
    h.runtime.settings = h.runtime.settings.model_copy(update={"render_workers": 0})
    try:
        h.runtime.digests.run(monday)
        (digest,) = [m for m in h.workspace.messages_in(SALES) if "digest" in (m.text or "")]
        missing = text_of(digest).split("Missing values", 1)[-1]
        assert "• Deals won" in missing and "• Close rate" not in missing
    finally:
        h.runtime.close()


def text_of_block(block: dict[str, Any]) -> str:
    return json.dumps(block, ensure_ascii=False)
