"""Logging values and looking at them, as owners do it in Slack."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from storage import repo
from storage.models import AuditEvent, Measurement

from .conftest import ADMIN, ALICE, EVE, LEAD, SALES, Harness
from .slack_text import blocks_of, text_of


def test_help_lists_commands(harness: Harness) -> None:
    reply = harness.kpi("help")
    assert "/kpi log" in text_of(reply)
    assert "/kpi add" in text_of(reply)


def test_owner_logs_a_value_for_the_current_period(harness: Harness) -> None:
    reply = harness.kpi("log pipeline 1.2M great week")
    body = text_of(reply)
    assert "Logged *$1.2M*" in body
    assert "2026-W48" in body or "week 48" in body
    with Session(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None and kpi.id is not None
        stored = repo.get_measurement(session, kpi.id, "2026-W48")
        assert stored is not None
        assert (stored.value, stored.note, stored.logged_by) == (1_200_000, "great week", ALICE)
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "value.log")).all()
        assert len(events) == 1


def test_editing_a_past_value_says_what_it_replaced(harness: Harness) -> None:
    harness.kpi("log pipeline 1.1M for 2026-W47")
    reply = harness.kpi("log pipeline 1.3M for 2026-W47 late deal")
    assert "replacing $1.1M" in text_of(reply)
    with Session(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None and kpi.id is not None
        current = repo.get_measurement(session, kpi.id, "2026-W47")
        assert current is not None and current.value == 1_300_000 and current.version == 2
        assert [r.value for r in repo.revisions(session, current.id or 0)] == [1_100_000]


def test_kpi_found_by_close_name(harness: Harness) -> None:
    reply = harness.kpi("log qualified pipeline 900k")
    assert "Qualified pipeline" in text_of(reply)


def test_unknown_kpi_gets_suggestions(harness: Harness) -> None:
    reply = harness.kpi("log pipline 1M")
    assert "No KPI matches" in text_of(reply)
    assert "`pipeline`" in text_of(reply)


def test_bad_value_is_refused_and_nothing_is_written(harness: Harness) -> None:
    reply = harness.kpi("log pipeline NaN")
    assert ":x:" in text_of(reply)
    reply = harness.kpi("log pipeline €3k")
    assert "USD" in text_of(reply) or "$" in text_of(reply)
    with Session(harness.engine) as session:
        assert session.exec(select(Measurement)).all() == []


def test_someone_else_cannot_log(harness: Harness) -> None:
    reply = harness.kpi("log pipeline 1M", user=EVE)
    assert "Only <@U0ALICE01>" in text_of(reply)
    with Session(harness.engine) as session:
        assert session.exec(select(Measurement)).all() == []


def test_lead_and_admin_can_log(harness: Harness) -> None:
    assert "Logged" in text_of(harness.kpi("log pipeline 1M", user=LEAD))
    assert "Logged" in text_of(harness.kpi("log win-rate 22%", user=ADMIN))


def test_delegate_can_log_while_owner_is_away(harness: Harness) -> None:
    assert "Only" in text_of(harness.kpi("log pipeline 1M", user=EVE))
    reply = harness.kpi(f"away until 2026-12-24 delegate <@{EVE}|eve>")
    assert "away until" in text_of(reply)
    assert "Logged" in text_of(harness.kpi("log pipeline 1M", user=EVE))
    harness.kpi("back")
    assert "Only" in text_of(harness.kpi("log pipeline 1.1M", user=EVE))


def test_show_has_a_chart_with_alt_text(harness: Harness) -> None:
    harness.kpi("log pipeline 1.1M for 2026-W46")
    harness.kpi("log pipeline 1.2M for 2026-W47")
    reply = harness.kpi("show pipeline")
    images = [b for b in blocks_of(reply) if b["type"] == "image"]
    assert len(images) == 1
    file = harness.workspace.file(images[0]["slack_file"]["id"])
    assert file is not None and file.completed and (file.content or b"").startswith(b"\x89PNG")
    assert "Qualified pipeline" in images[0]["alt_text"]
    assert "$1.2M" in text_of(reply)


def test_show_share_posts_in_the_channel(harness: Harness) -> None:
    harness.send("show pipeline share")
    message = harness.wait(lambda: [m for m in harness.workspace.messages_in(SALES) if m.blocks])
    assert "Qualified pipeline" in json.dumps(message[-1].blocks)


def test_list_and_mine(harness: Harness) -> None:
    listing = text_of(harness.kpi("list team:sales"))
    assert "pipeline" in listing and "churn" in listing
    mine = text_of(harness.kpi("mine"))
    assert "pipeline" in mine and "win-rate" in mine and "churn" not in mine


def test_goal_list_shows_the_tree(harness: Harness) -> None:
    reply = text_of(harness.kpi("goal list"))
    assert reply.index("Grow ARR") < reply.index("Build a $4M")
