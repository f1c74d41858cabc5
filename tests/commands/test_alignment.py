"""The alignment report adds the relevance review to the focus and alignment rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from commands.alignment import alignment_report, health_view
from commands.context import CommandError, Context, Policy
from core.health import Rule, Severity
from storage.models import Goal, Kpi, Team

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
OLD = datetime(2025, 1, 1, tzinfo=UTC)


def seed(session: Session) -> None:
    for key in ("sales", "ops"):
        session.add(
            Team(
                key=key, name=key.title(), timezone="Europe/Berlin", created_at=OLD, updated_at=OLD
            )
        )
    session.flush()
    goal = Goal(
        key="g",
        title="Goal",
        deadline=date(2027, 6, 30),
        team_id=1,
        created_at=OLD,
        updated_at=OLD,
    )
    session.add(goal)
    session.flush()

    def add(key: str, team_id: int, reviewed_at: datetime | None = None) -> None:
        session.add(
            Kpi(
                key=key, name=key.title(), team_id=team_id, owner_user_id="U0ALICE01",
                target=1.0, decision="d", goal_id=goal.id, created_at=OLD, updated_at=OLD,
                reviewed_at=reviewed_at,
            )
        )  # fmt: skip

    add("old", 1)
    add("kept", 1, reviewed_at=NOW)
    add("elsewhere", 2)
    session.flush()


def test_relevance_notices_join_the_report_without_breaking_it(session: Session) -> None:
    seed(session)
    report = alignment_report(session, policy=Policy(), team_key="sales", now=NOW)
    due = [f for f in report.findings if f.rule is Rule.RELEVANCE_DUE]
    assert [f.subject for f in due] == ["old"]
    assert due[0].severity is Severity.NOTICE
    company = alignment_report(session, policy=Policy(), team_key=None, now=NOW)
    assert {f.subject for f in company.findings if f.rule is Rule.RELEVANCE_DUE} == {
        "old",
        "elsewhere",
    }
    assert company.findings[-1].rule is Rule.RELEVANCE_DUE  # in rule order, after the rest
    assert any("relevance_due" in line for line in company.lines())


def test_health_view_names_the_team_or_refuses(session: Session) -> None:
    seed(session)
    ctx = Context(session=session, actor="U0ALICE01", now=NOW, policy=Policy())
    assert health_view(ctx, "sales").scope == "Sales"
    assert health_view(ctx, None).scope == "Company"
    with pytest.raises(CommandError, match="No team has the key"):
        health_view(ctx, "nope")
