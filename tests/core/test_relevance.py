"""The relevance review: due after six months, stale KPIs and vanity suspects first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.health import Rule, Severity
from core.relevance import (
    Flag,
    KpiRelevance,
    RelevanceRules,
    add_months,
    agenda,
    check,
    finding,
    months_between,
)

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def kpi(
    key: str,
    *,
    created: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    reviewed: datetime | None = None,
    missing: int = 0,
    decision: bool = True,
    goal: bool = True,
) -> KpiRelevance:
    return KpiRelevance(
        key=key,
        name=key.title(),
        owner="U0ALICE01",
        created_at=created,
        reviewed_at=reviewed,
        periods_missing=missing,
        has_decision=decision,
        has_goal=goal,
    )


@pytest.mark.parametrize(
    ("case", "fact", "flags", "months"),
    [
        ("reviewed 5 months ago", kpi("a", reviewed=datetime(2026, 6, 27, tzinfo=UTC)), (), 4),
        ("reviewed exactly 6 months ago", kpi("a", reviewed=datetime(2026, 5, 26, tzinfo=UTC)),
         (Flag.DUE,), 6),
        ("never reviewed, created long ago", kpi("a"), (Flag.DUE,), 22),
        ("new KPI", kpi("a", created=datetime(2026, 11, 1, tzinfo=UTC)), (), 0),
        ("stale and a vanity suspect, not due",
         kpi("a", created=datetime(2026, 10, 1, tzinfo=UTC), missing=3, goal=False),
         (Flag.STALE, Flag.VANITY), 1),
        ("no decision written down", kpi("a", decision=False), (Flag.DUE, Flag.VANITY), 22),
    ],
)  # fmt: skip
def test_flags(case: str, fact: KpiRelevance, flags: tuple[Flag, ...], months: int) -> None:
    result = check(fact, NOW)
    assert (result.flags, result.months_since) == (flags, months), case


def test_agenda_puts_stale_then_vanity_then_oldest_first() -> None:
    facts = [
        kpi("recent", reviewed=NOW - timedelta(days=30)),
        kpi("plain-old", created=datetime(2024, 1, 1, tzinfo=UTC)),
        kpi("plain-newer"),
        kpi("vanity", goal=False),
        kpi("stale", missing=5),
    ]
    assert [c.key for c in agenda(facts, NOW)] == ["stale", "vanity", "plain-old", "plain-newer"]


def test_the_interval_is_configurable() -> None:
    fact = kpi("a", reviewed=datetime(2026, 8, 26, tzinfo=UTC))
    assert not check(fact, NOW).due
    assert check(fact, NOW, RelevanceRules(months=3)).due
    with pytest.raises(ValueError, match="at least 1"):
        RelevanceRules(months=0)


def test_month_arithmetic_clamps_to_the_end_of_short_months() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert months_between(date(2026, 8, 31), date(2027, 2, 27)) == 5
    assert months_between(date(2026, 8, 31), date(2027, 2, 28)) == 6


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 1, 1)),
    months=st.integers(0, 60),
)
def test_months_between_undoes_add_months(day: date, months: int) -> None:
    assert months_between(day, add_months(day, months)) == months


def test_a_due_kpi_becomes_a_notice_with_advice() -> None:
    never = kpi("a")
    notice = finding(never, check(never, NOW))
    assert notice.rule is Rule.RELEVANCE_DUE and notice.severity is Severity.NOTICE
    assert "never been re-examined in the 22 months" in notice.message
    assert "<@U0ALICE01>" in notice.advice and "keep, adjust or retire" in notice.advice
    old = kpi("b", reviewed=datetime(2026, 1, 10, tzinfo=UTC))
    assert "for 10 months (since 10 Jan 2026)" in finding(old, check(old, NOW)).message
