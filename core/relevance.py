"""The relevance review: every KPI is re-examined at least twice a year.

A KPI is *due* for the question "does it still inform a decision: keep, adjust or retire?"
when it was last re-examined (a review decision: keep, adjust or retire) ``months`` or more
calendar months ago, or, never re-examined, was created that long ago. Six months, the
default, means twice a year.

Two kinds of KPI are flagged whether due or not, and come first among the due ones:

* **stale**: no value for ``stale_periods`` or more finished periods in a row;
* **vanity suspect**: no decision written down that it informs, or no goal it serves.

:func:`agenda` orders the due KPIs: stale first, then vanity suspects, then the rest, each
group longest unexamined first. Everything is pure; ``now`` is passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from core.health import Finding, Rule, Severity, mention
from core.status import format_date

DEFAULT_MONTHS = 6
DEFAULT_STALE_PERIODS = 3


class Flag(StrEnum):
    STALE = "stale"
    VANITY = "vanity"
    DUE = "due"  # not re-examined within the interval


@dataclass(frozen=True)
class RelevanceRules:
    months: int = DEFAULT_MONTHS
    stale_periods: int = DEFAULT_STALE_PERIODS

    def __post_init__(self) -> None:
        if self.months < 1 or self.stale_periods < 1:
            raise ValueError("months and stale_periods must be at least 1")


@dataclass(frozen=True)
class KpiRelevance:
    """What the relevance review needs to know about one active KPI."""

    key: str
    name: str
    owner: str
    created_at: datetime
    reviewed_at: datetime | None  # the last keep/adjust/retire decision
    periods_missing: int
    has_decision: bool  # a decision it informs is written down
    has_goal: bool

    @property
    def examined_at(self) -> datetime:
        return self.reviewed_at or self.created_at


@dataclass(frozen=True)
class RelevanceCheck:
    key: str
    flags: tuple[Flag, ...]  # DUE first when due, then STALE and VANITY as they apply
    months_since: int  # whole calendar months since last examined (or created)
    examined_at: datetime
    ever_examined: bool

    @property
    def due(self) -> bool:
        return Flag.DUE in self.flags

    @property
    def stale(self) -> bool:
        return Flag.STALE in self.flags

    @property
    def vanity(self) -> bool:
        return Flag.VANITY in self.flags


DEFAULT_RULES = RelevanceRules()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (0 if later is not after it)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if months > 0 and add_months(earlier, months) > later:
        months -= 1
    return max(0, months)


def check(
    kpi: KpiRelevance, now: datetime, rules: RelevanceRules = DEFAULT_RULES
) -> RelevanceCheck:
    """The flags of one KPI as of ``now`` (dates compared in UTC)."""
    _require_aware(now, kpi.created_at, kpi.reviewed_at)
    since, today = kpi.examined_at.astimezone(UTC).date(), now.astimezone(UTC).date()
    flags: list[Flag] = []
    if add_months(since, rules.months) <= today:
        flags.append(Flag.DUE)
    if kpi.periods_missing >= rules.stale_periods:
        flags.append(Flag.STALE)
    if not kpi.has_decision or not kpi.has_goal:
        flags.append(Flag.VANITY)
    return RelevanceCheck(
        key=kpi.key,
        flags=tuple(flags),
        months_since=months_between(since, today),
        examined_at=kpi.examined_at,
        ever_examined=kpi.reviewed_at is not None,
    )


def agenda(
    kpis: Sequence[KpiRelevance], now: datetime, rules: RelevanceRules = DEFAULT_RULES
) -> list[RelevanceCheck]:
    """The KPIs due for the relevance question, in the order a review asks it."""
    checks = [check(kpi, now, rules) for kpi in kpis]
    due = [c for c in checks if c.due]
    return sorted(due, key=lambda c: (not c.stale, not c.vanity, c.examined_at, c.key))


def finding(kpi: KpiRelevance, result: RelevanceCheck) -> Finding:
    """The RELEVANCE_DUE notice of a KPI that is due, for the alignment report."""
    if result.ever_examined:
        since = f"since {format_date(result.examined_at.date())}"
        what = f"has not been re-examined for {result.months_since} months ({since})"
    else:
        what = (
            f"has never been re-examined in the {result.months_since} months since it was created"
        )
    return Finding(
        Rule.RELEVANCE_DUE,
        Severity.NOTICE,
        kpi.key,
        f"KPI '{kpi.name}' {what}; every KPI should be, at least twice a year.",
        f"Bring it to the team's next review and decide with {mention(kpi.owner)}: keep, adjust "
        "or retire it (`/kpi review start`).",
    )


def _require_aware(*moments: datetime | None) -> None:
    for moment in moments:
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got naive {moment!r}")
