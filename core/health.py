"""Focus and alignment checks over a set of KPIs and goals.

The rules follow the usual KPI-alignment advice: few KPIs per person and per team so each gets
attention, every KPI tied to a goal, every goal measurable and time-bound, values arriving on
cadence, and every KPI informing a decision.

========================  ========  ===================================================
Rule                      Severity  Fires when
========================  ========  ===================================================
OWNER_OVERLOADED          WARNING   an owner has more than ``Limits.per_owner`` active KPIs
TEAM_OVERLOADED           WARNING   a team has more than ``Limits.per_team`` active KPIs
KPI_WITHOUT_GOAL          WARNING   an active KPI names no goal
GOAL_WITHOUT_KPI          WARNING   no active KPI measures the goal or any goal below it
GOAL_WITHOUT_DEADLINE     WARNING   neither the goal nor any goal above it has a deadline
GOAL_WITHOUT_DEADLINE     NOTICE    the goal has none but inherits one from a goal above it
KPI_WITHOUT_TARGET        WARNING   an active KPI has no target
KPI_WITHOUT_VALUES        WARNING   ``periods_missing >= Limits.missing_periods``
KPI_WITHOUT_DECISION      NOTICE    an active KPI has no decision (a vanity-metric suspect)
RELEVANCE_DUE             NOTICE    not re-examined for six months (see core.relevance)
========================  ========  ===================================================

Decisions worth knowing:

* Only active KPIs count, for every rule; retired KPIs produce no findings and measure nothing.
* Team goals and company goals (``team`` None) are treated alike: being time-bound matters at
  every level. A goal without its own deadline that sits under a goal with one is only a NOTICE:
  it is time-bound through its parent, but may deserve a date of its own.
* A parent goal counts as measured when any goal below it (at any depth) has an active KPI.
  Whether those KPIs have targets is KPI_WITHOUT_TARGET's business, not this rule's.
* A KPI whose goal key is not among ``goals`` is not reported as without goal: the caller may
  pass only part of the goal tree.
* A blank decision (only whitespace) counts as none.

Subjects are keys (owner and team ids, KPI and goal keys), left raw; messages mention owners that
look like Slack user ids as ``<@U0ALICE01>`` for the bot layer to render.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.status import format_date

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


@dataclass(frozen=True)
class KpiFacts:
    key: str
    name: str
    owner: str
    team: str | None
    goal: str | None
    has_target: bool
    decision: str | None
    active: bool
    periods_missing: int  # consecutive finished periods with no value


@dataclass(frozen=True)
class GoalFacts:
    key: str
    title: str
    team: str | None
    deadline: date | None
    parent: str | None


@dataclass(frozen=True)
class Limits:
    per_owner: int = 5
    per_team: int = 7
    missing_periods: int = 2

    def __post_init__(self) -> None:
        for name in ("per_owner", "per_team", "missing_periods"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")


class Rule(StrEnum):
    """The checks, in the order findings are reported."""

    OWNER_OVERLOADED = "owner_overloaded"
    TEAM_OVERLOADED = "team_overloaded"
    KPI_WITHOUT_GOAL = "kpi_without_goal"
    GOAL_WITHOUT_KPI = "goal_without_kpi"
    GOAL_WITHOUT_DEADLINE = "goal_without_deadline"
    KPI_WITHOUT_TARGET = "kpi_without_target"
    KPI_WITHOUT_VALUES = "kpi_without_values"
    KPI_WITHOUT_DECISION = "kpi_without_decision"  # vanity-metric suspect
    RELEVANCE_DUE = "relevance_due"  # built by core.relevance.finding


class Severity(StrEnum):
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    subject: str  # key of the owner, team, KPI or goal
    message: str  # what is wrong, with the numbers
    advice: str  # what to do about it


DEFAULT_LIMITS = Limits()
_RULE_ORDER = {rule: index for index, rule in enumerate(Rule)}


def check(
    kpis: Sequence[KpiFacts], goals: Sequence[GoalFacts], limits: Limits = DEFAULT_LIMITS
) -> list[Finding]:
    """Every finding for these KPIs and goals, ordered by rule (as listed in Rule), then subject."""
    active = [kpi for kpi in kpis if kpi.active]
    findings = [
        *_overloads(active, limits),
        *_goal_findings(active, goals),
        *(finding for kpi in active for finding in _kpi_findings(kpi, limits)),
    ]
    return sorted(findings, key=lambda finding: (_RULE_ORDER[finding.rule], finding.subject))


def focus_violations(
    owner_count: int,
    team_count: int,
    limits: Limits,
    *,
    owner: str | None = None,
    team: str | None = None,
) -> list[Finding]:
    """Warnings for a KPI about to be created; the counts already include the new KPI."""
    findings = []
    if owner_count > limits.per_owner:
        who = mention(owner) if owner else "The owner"
        findings.append(
            Finding(
                Rule.OWNER_OVERLOADED,
                Severity.WARNING,
                owner or "",
                f"{who} would own {owner_count} KPIs; keep it to {limits.per_owner} or fewer "
                "so each gets attention.",
                "Retire or hand over one of their KPIs first, unless this one replaces it.",
            )
        )
    if team_count > limits.per_team:
        which = f"Team {team}" if team else "The team"
        findings.append(
            Finding(
                Rule.TEAM_OVERLOADED,
                Severity.WARNING,
                team or "",
                f"{which} would have {team_count} KPIs; keep it to {limits.per_team} or fewer "
                "so the team can focus.",
                "Retire a KPI the team no longer acts on first, unless this one replaces it.",
            )
        )
    return findings


def mention(owner: str) -> str:
    """``<@U0ALICE01>`` for a Slack user id, anything else as it is."""
    return f"<@{owner}>" if _SLACK_USER_ID.fullmatch(owner) else owner


def _overloads(active: Sequence[KpiFacts], limits: Limits) -> Iterable[Finding]:
    for owner, count in Counter(kpi.owner for kpi in active).items():
        if count > limits.per_owner:
            yield Finding(
                Rule.OWNER_OVERLOADED,
                Severity.WARNING,
                owner,
                f"{mention(owner)} owns {count} active KPIs; keep it to {limits.per_owner} or "
                "fewer so each gets attention.",
                f"Retire or hand over {count - limits.per_owner} of them.",
            )
    for team, count in Counter(kpi.team for kpi in active if kpi.team is not None).items():
        if count > limits.per_team:
            yield Finding(
                Rule.TEAM_OVERLOADED,
                Severity.WARNING,
                team,
                f"Team {team} has {count} active KPIs; keep it to {limits.per_team} or fewer "
                "so the team can focus.",
                f"Retire the {count - limits.per_team} the team acts on least.",
            )


def _goal_findings(active: Sequence[KpiFacts], goals: Sequence[GoalFacts]) -> Iterable[Finding]:
    by_key = {goal.key: goal for goal in goals}
    measured: set[str] = set()
    for kpi in active:
        if kpi.goal is not None:
            measured.update(_lineage(kpi.goal, by_key))  # a KPI measures its goal's ancestors too

    for goal in goals:
        if goal.key not in measured:
            yield Finding(
                Rule.GOAL_WITHOUT_KPI,
                Severity.WARNING,
                goal.key,
                f"Goal '{goal.title}' has no active KPI, neither its own nor one of a goal "
                "below it.",
                "Add a KPI with a target that shows whether the goal is being reached.",
            )
        if goal.deadline is None:
            inherited = next(
                (
                    by_key[key].deadline
                    for key in _lineage(goal.key, by_key)
                    if by_key[key].deadline is not None
                ),
                None,
            )
            if inherited is None:
                yield Finding(
                    Rule.GOAL_WITHOUT_DEADLINE,
                    Severity.WARNING,
                    goal.key,
                    f"Goal '{goal.title}' has no deadline, and no goal above it has one.",
                    "Set a deadline so progress can be paced and the goal is time-bound.",
                )
            else:
                yield Finding(
                    Rule.GOAL_WITHOUT_DEADLINE,
                    Severity.NOTICE,
                    goal.key,
                    f"Goal '{goal.title}' has no deadline of its own; it falls back to "
                    f"{format_date(inherited)} from a goal above it.",
                    "Give it its own deadline if it should be done sooner.",
                )


def _lineage(key: str, by_key: dict[str, GoalFacts]) -> list[str]:
    """``key`` and the keys of its known ancestors, nearest first; safe against cycles."""
    chain: list[str] = []
    current: str | None = key
    while current is not None and current in by_key and current not in chain:
        chain.append(current)
        current = by_key[current].parent
    return chain


def _kpi_findings(kpi: KpiFacts, limits: Limits) -> Iterable[Finding]:
    owner = mention(kpi.owner)
    if kpi.goal is None:
        yield Finding(
            Rule.KPI_WITHOUT_GOAL,
            Severity.WARNING,
            kpi.key,
            f"KPI '{kpi.name}' is not tied to any goal.",
            "Link it to the goal it measures, or retire it if it measures none.",
        )
    if not kpi.has_target:
        yield Finding(
            Rule.KPI_WITHOUT_TARGET,
            Severity.WARNING,
            kpi.key,
            f"KPI '{kpi.name}' has no target, so nobody can tell whether it is on track.",
            f"Ask {owner} to set a target (and a baseline to pace it).",
        )
    if kpi.periods_missing >= limits.missing_periods:
        yield Finding(
            Rule.KPI_WITHOUT_VALUES,
            Severity.WARNING,
            kpi.key,
            f"KPI '{kpi.name}' has had no value for {kpi.periods_missing} finished periods "
            "in a row.",
            f"Ask {owner} to report it, or retire it if nobody uses it.",
        )
    if kpi.decision is None or not kpi.decision.strip():
        yield Finding(
            Rule.KPI_WITHOUT_DECISION,
            Severity.NOTICE,
            kpi.key,
            f"KPI '{kpi.name}' has no decision attached; it may be a vanity metric.",
            f"Ask {owner} which decision it informs and write it down, or retire it.",
        )
