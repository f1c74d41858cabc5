from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.health import (
    Finding,
    GoalFacts,
    KpiFacts,
    Limits,
    Rule,
    Severity,
    check,
    focus_violations,
    mention,
)

DEADLINE = date(2027, 6, 30)
GOAL = GoalFacts("g-growth", "Grow revenue", "sales", DEADLINE, None)


def kpi(key: str, **changes: object) -> KpiFacts:
    """A healthy KPI: tied to GOAL, with a target, a decision and values on cadence."""
    healthy = KpiFacts(
        key=key,
        name=f"KPI {key}",
        owner="U0ALICE01",
        team="sales",
        goal=GOAL.key,
        has_target=True,
        decision="Hire another rep if it stalls",
        active=True,
        periods_missing=0,
    )
    return replace(healthy, **changes)  # type: ignore[arg-type]


def kpis_owned_by(owner: str, count: int, **changes: object) -> list[KpiFacts]:
    return [kpi(f"{owner}-{n}", owner=owner, **changes) for n in range(count)]


def rules(findings: list[Finding]) -> list[tuple[Rule, str]]:
    return [(finding.rule, finding.subject) for finding in findings]


def test_a_healthy_setup_has_no_findings() -> None:
    assert check([kpi("k1")], [GOAL]) == []
    assert check([], []) == []


# --- focus -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "limits", "fires"),
    [
        (5, Limits(), False),
        (6, Limits(), True),
        (3, Limits(per_owner=3), False),
        (4, Limits(per_owner=3), True),
    ],
)
def test_owner_overloaded_boundary(count: int, limits: Limits, fires: bool) -> None:
    kpis = kpis_owned_by("U0ALICE01", count, team=None)
    found = [f for f in check(kpis, [GOAL], limits) if f.rule is Rule.OWNER_OVERLOADED]
    assert bool(found) is fires
    if fires:
        (finding,) = found
        assert finding.subject == "U0ALICE01"  # raw id as subject
        assert finding.severity is Severity.WARNING
        assert f"<@U0ALICE01> owns {count} active KPIs" in finding.message
        assert f"keep it to {limits.per_owner} or fewer" in finding.message
        assert "hand over 1 of them" in finding.advice


@pytest.mark.parametrize(
    ("count", "limits", "fires"),
    [
        (7, Limits(), False),
        (8, Limits(), True),
        (10, Limits(per_team=10), False),
        (11, Limits(per_team=10), True),
    ],
)
def test_team_overloaded_boundary(count: int, limits: Limits, fires: bool) -> None:
    # Spread over owners so only the team limit can fire.
    kpis = [kpi(f"k{n}", owner=f"U{n:08d}") for n in range(count)]
    found = check(kpis, [GOAL], limits)
    assert rules(found) == ([(Rule.TEAM_OVERLOADED, "sales")] if fires else [])
    if fires:
        assert f"Team sales has {count} active KPIs" in found[0].message


def test_kpis_without_team_count_for_no_team() -> None:
    kpis = [kpi(f"k{n}", owner=f"U{n:08d}", team=None) for n in range(20)]
    assert check(kpis, [GOAL]) == []


def test_retired_kpis_are_ignored() -> None:
    retired = kpis_owned_by(
        "U0ALICE01", 10, active=False, goal=None, has_target=False, decision=None, periods_missing=9
    )
    # Retired KPIs neither overload their owner nor measure a goal nor get findings themselves.
    assert rules(check([*retired, *kpis_owned_by("U0ALICE01", 5)], [GOAL])) == []
    assert rules(check(retired, [GOAL])) == [(Rule.GOAL_WITHOUT_KPI, "g-growth")]


@pytest.mark.parametrize(
    ("owner_count", "team_count", "limits", "expected"),
    [
        (5, 7, Limits(), []),
        (6, 7, Limits(), [(Rule.OWNER_OVERLOADED, "U123")]),
        (5, 8, Limits(), [(Rule.TEAM_OVERLOADED, "sales")]),
        (6, 8, Limits(), [(Rule.OWNER_OVERLOADED, "U123"), (Rule.TEAM_OVERLOADED, "sales")]),
        (3, 0, Limits(per_owner=2), [(Rule.OWNER_OVERLOADED, "U123")]),
    ],
)
def test_focus_violations(
    owner_count: int, team_count: int, limits: Limits, expected: list[tuple[Rule, str]]
) -> None:
    found = focus_violations(owner_count, team_count, limits, owner="U123", team="sales")
    assert rules(found) == expected


def test_focus_violation_messages() -> None:
    owner, team = focus_violations(6, 9, Limits(), owner="U123", team="sales")
    assert owner.message == (
        "<@U123> would own 6 KPIs; keep it to 5 or fewer so each gets attention."
    )
    assert team.message.startswith("Team sales would have 9 KPIs; keep it to 7 or fewer")
    anonymous = focus_violations(6, 0, Limits())
    assert anonymous[0].message.startswith("The owner would own 6 KPIs")
    assert anonymous[0].subject == ""


@pytest.mark.parametrize(
    ("owner", "shown"),
    [("U0ALICE01", "<@U0ALICE01>"), ("W0ENTERPRISE", "<@W0ENTERPRISE>"), ("alice", "alice")],
)
def test_mention(owner: str, shown: str) -> None:
    assert mention(owner) == shown


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_owner"):
        Limits(per_owner=0)


# --- alignment -------------------------------------------------------------------------------


def test_kpi_without_goal() -> None:
    (finding,) = check([kpi("k1", goal=None)], [])
    assert (finding.rule, finding.severity, finding.subject) == (
        Rule.KPI_WITHOUT_GOAL,
        Severity.WARNING,
        "k1",
    )
    assert "'KPI k1' is not tied to any goal" in finding.message


def test_kpi_with_a_goal_outside_the_given_goals_is_not_flagged() -> None:
    assert check([kpi("k1", goal="elsewhere")], []) == []


def test_goal_without_kpi() -> None:
    lonely = GoalFacts("g-lonely", "Cut churn", None, DEADLINE, None)
    (finding,) = check([kpi("k1")], [GOAL, lonely])
    assert (finding.rule, finding.severity, finding.subject) == (
        Rule.GOAL_WITHOUT_KPI,
        Severity.WARNING,
        "g-lonely",
    )
    assert "'Cut churn'" in finding.message


def test_a_parent_goal_is_measured_through_its_children() -> None:
    company = GoalFacts("g-company", "Win the market", None, DEADLINE, None)
    region = GoalFacts("g-region", "Win Europe", None, DEADLINE, "g-company")
    team = GoalFacts("g-team", "Win Germany", "sales", DEADLINE, "g-region")
    sibling = GoalFacts("g-sibling", "Win France", "sales", DEADLINE, "g-region")
    found = check([kpi("k1", goal="g-team")], [company, region, team, sibling])
    assert rules(found) == [(Rule.GOAL_WITHOUT_KPI, "g-sibling")]


def test_a_parent_cycle_does_not_hang() -> None:
    a = GoalFacts("a", "A", None, None, "b")
    b = GoalFacts("b", "B", None, None, "a")
    found = check([kpi("k1", goal="a")], [a, b])
    assert rules(found) == [(Rule.GOAL_WITHOUT_DEADLINE, "a"), (Rule.GOAL_WITHOUT_DEADLINE, "b")]


@pytest.mark.parametrize("team", [None, "sales"])
def test_goal_without_deadline_warns_for_company_and_team_goals(team: str | None) -> None:
    undated = GoalFacts("g-undated", "Delight customers", team, None, None)
    (finding,) = check([kpi("k1", goal="g-undated")], [undated])
    assert (finding.rule, finding.severity, finding.subject) == (
        Rule.GOAL_WITHOUT_DEADLINE,
        Severity.WARNING,
        "g-undated",
    )


def test_goal_inheriting_a_deadline_is_only_a_notice() -> None:
    child = GoalFacts("g-child", "Grow upsell", "sales", None, GOAL.key)
    (finding,) = check([kpi("k1", goal="g-child")], [GOAL, child])
    assert (finding.rule, finding.severity, finding.subject) == (
        Rule.GOAL_WITHOUT_DEADLINE,
        Severity.NOTICE,
        "g-child",
    )
    assert "30 Jun 2027" in finding.message


def test_kpi_without_target() -> None:
    (finding,) = check([kpi("k1", has_target=False)], [GOAL])
    assert (finding.rule, finding.severity) == (Rule.KPI_WITHOUT_TARGET, Severity.WARNING)
    assert "<@U0ALICE01>" in finding.advice


@pytest.mark.parametrize(
    ("missing", "limits", "fires"),
    [
        (1, Limits(), False),
        (2, Limits(), True),
        (3, Limits(missing_periods=4), False),
        (4, Limits(missing_periods=4), True),
    ],
)
def test_kpi_without_values_boundary(missing: int, limits: Limits, fires: bool) -> None:
    found = check([kpi("k1", periods_missing=missing)], [GOAL], limits)
    assert rules(found) == ([(Rule.KPI_WITHOUT_VALUES, "k1")] if fires else [])
    if fires:
        assert f"no value for {missing} finished periods" in found[0].message


@pytest.mark.parametrize("decision", [None, "", "   "])
def test_kpi_without_decision_is_a_notice(decision: str | None) -> None:
    (finding,) = check([kpi("k1", decision=decision)], [GOAL])
    assert (finding.rule, finding.severity) == (Rule.KPI_WITHOUT_DECISION, Severity.NOTICE)
    assert "vanity" in finding.message


def test_findings_are_ordered_by_rule_then_subject() -> None:
    goals = [
        GoalFacts("g-z", "Z", None, None, None),
        GoalFacts("g-a", "A", None, DEADLINE, None),
    ]
    kpis = [
        kpi("k-b", goal=None, decision=None),
        *kpis_owned_by("U0BOB", 6, team=None, goal="g-z"),
        kpi("k-a", goal=None, has_target=False, periods_missing=5),
        *kpis_owned_by("U0ALICE01", 7, team=None, goal="g-z"),
    ]
    expected = [
        (Rule.OWNER_OVERLOADED, "U0ALICE01"),
        (Rule.OWNER_OVERLOADED, "U0BOB"),
        (Rule.KPI_WITHOUT_GOAL, "k-a"),
        (Rule.KPI_WITHOUT_GOAL, "k-b"),
        (Rule.GOAL_WITHOUT_KPI, "g-a"),
        (Rule.GOAL_WITHOUT_DEADLINE, "g-z"),
        (Rule.KPI_WITHOUT_TARGET, "k-a"),
        (Rule.KPI_WITHOUT_VALUES, "k-a"),
        (Rule.KPI_WITHOUT_DECISION, "k-b"),
    ]
    assert rules(check(kpis, goals)) == expected
    assert rules(check(list(reversed(kpis)), list(reversed(goals)))) == expected
