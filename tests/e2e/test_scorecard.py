"""The scorecard end to end (issue 12): `/kpi scorecard` in phone and wide form, and the
weekly digest with the scorecard appended when the team asked for it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from storage import repo
from storage.db import session_scope

from .conftest import ALICE, SALES, Harness
from .slack_text import blocks_of, text_of

MONDAY = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)  # Sales's digest goes out at 14:00 UTC


def seed_values(harness: Harness) -> None:
    with session_scope(harness.engine) as session:
        pipeline = repo.get_kpi(session, "pipeline")
        assert pipeline is not None
        for week, value in [(45, 1.6e6), (47, 1.9e6), (48, 4.2e6)]:
            repo.log_value(
                session, pipeline, period_key=f"2026-W{week}",
                period_start=date.fromisocalendar(2026, week, 1), value=value, note=None,
                source="test", by=ALICE, now=harness.clock[0] - timedelta(days=1),
            )  # fmt: skip


def code_lines(reply: object) -> list[str]:
    texts = [b["text"]["text"] for b in blocks_of(reply) if b.get("type") == "section"]
    blocks = [m for t in texts for m in re.findall(r"```\n(.*?)\n```", t, flags=re.S)]
    assert blocks, texts
    return [line for block in blocks for line in block.splitlines()]


def test_the_scorecard_reply_fits_a_phone_by_default_and_is_one_table_when_wide(
    harness: Harness,
) -> None:
    seed_values(harness)
    phone = harness.kpi("scorecard sales")
    lines = code_lines(phone)
    assert max(len(line) for line in lines) <= 40, lines
    shown = "\n".join(lines)
    assert "Weekly scorecard · 2026-W36 to 2026-W48" in shown  # 13 weeks by default
    assert "W48 $4.2M✓" in shown and "W47 $1.9M✗" in shown and "W46 –" in shown
    assert "Monthly scorecard" in shown  # win rate and churn are monthly
    assert "add `wide`" in text_of(phone)

    wide = code_lines(harness.kpi("scorecard sales weeks:4 wide"))
    header = next(line for line in wide if line.startswith("KPI"))
    assert re.search(r"W45\s+W46\s+W47\s+W48\s+Goal\s+Avg\s+Total", header), header
    assert "Weekly scorecard · 2026-W45 to 2026-W48" in wide
    pipeline = next(line for line in wide if line.startswith("Qualified pipeline"))
    assert "4.2M✓" in pipeline and "≥$4M" in pipeline and "$7.7M" in pipeline  # the total


def test_bad_scorecard_requests_say_what_to_type(harness: Harness) -> None:
    assert "from 1 to 53" in text_of(harness.kpi("scorecard sales weeks:99"))
    assert "scorecard sales weeks:13 wide" in text_of(harness.kpi("scorecard sales huh what"))
    assert "no team" in text_of(harness.kpi("scorecard nosuchteam")).lower()


def test_the_digest_appends_the_scorecard_when_the_team_asked(harness: Harness) -> None:
    harness.clock[0] = MONDAY
    harness.runtime.settings = harness.runtime.settings.model_copy(update={"render_workers": 0})
    seed_values(harness)
    with session_scope(harness.engine) as session:
        sales = repo.get_team(session, "sales")
        assert sales is not None
        sales.digest_scorecard = True
        session.add(sales)
    try:
        harness.runtime.digests.run(MONDAY)
    finally:
        harness.runtime.close()
    (digest,) = [m for m in harness.workspace.messages_in(SALES) if "digest" in (m.text or "")]
    lines = code_lines(digest)
    assert "*Scorecard*" in text_of(digest)
    assert any(line.startswith("Weekly scorecard") for line in lines)  # up to the reviewed week
    assert "W48 $4.2M✓" in "\n".join(lines)
    assert max(len(line) for line in lines) <= 40


def test_the_home_tab_shows_my_teams_recent_scorecard(harness: Harness) -> None:
    seed_values(harness)
    harness.driver.app_home_opened(ALICE)
    home = harness.wait(lambda: harness.workspace.home_for(ALICE))
    sections = [b["text"]["text"] for b in home.definition["blocks"] if b["type"] == "section"]
    (card,) = [s for s in sections if "Weekly scorecard" in s]
    lines = card.strip("`\n").splitlines()
    assert lines[0] == "Weekly scorecard · 2026-W43 to 2026-W48"  # the last 6 weeks
    assert "W48 $4.2M✓" in card and max(len(line) for line in lines) <= 40
    headers = [b["text"]["text"] for b in home.definition["blocks"] if b["type"] == "header"]
    assert "Scorecard: Sales" in headers
