"""Facts about KPIs and goals as people see them: latest value, status, trend, roll-up.

Queries are batched (one per kind of row, not one per KPI) so lists of thousands stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from charts.series import KpiSeries, Point
from commands.context import Context
from commands.outlook import (
    Outlook,
    base_target,
    chart_projection,
    chart_targets,
    outlook,
    period_targets,
    target_in,
    target_number,
)
from commands.results import GoalNode, KpiRow
from core.cadence import parse_period
from core.goals import rollup, tree_order
from core.kinds import Cadence, Direction, Status
from core.status import Assessment, Target, assess, pace_at, trend
from core.values import decimals_of, format_value
from storage import repo
from storage.models import Goal, Kpi, Measurement, Team
from storage.reminders import reporting_flags

HISTORY_PERIODS = 12
_DAYS_PER_PERIOD = {
    Cadence.DAILY: 1,
    Cadence.WEEKLY: 7,
    Cadence.BIWEEKLY: 14,
    Cadence.MONTHLY: 31,
    Cadence.QUARTERLY: 92,
}


def target_of(kpi: Kpi) -> Target:
    """The KPI's single target; :func:`commands.outlook.target_in` gives a period's own."""
    return base_target(kpi)


def band_of(kpi: Kpi) -> tuple[float, float] | None:
    if kpi.band_low is None or kpi.band_high is None:
        return None
    return kpi.band_low, kpi.band_high


def target_text(kpi: Kpi, period_key: str | None = None) -> str:
    """The target as people read it; with seasonal targets, the one for ``period_key``."""
    if kpi.direction is Direction.BAND and kpi.band_low is not None and kpi.band_high is not None:
        low, high = format_value(kpi.band_low, kpi.unit), format_value(kpi.band_high, kpi.unit)
        return f"{low} to {high}"
    number = target_number(kpi, period_key)
    if number is None:
        return "no target"
    sign = "≥" if kpi.direction is Direction.UP else "≤"
    shown = f"{sign} {format_value(number, kpi.unit)}"
    if period_key is not None and period_targets(kpi) is not None:
        shown += f" for {period_label(kpi.cadence, period_key)}"
    return shown


def precision_of(kpi: Kpi, values: Sequence[float]) -> int:
    """The decimals the KPI's own numbers use: derived numbers (its pace) are shown to it."""
    return decimals_of([*values, kpi.target, kpi.baseline, kpi.band_low, kpi.band_high])


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


def period_end(cadence: Cadence, key: str) -> datetime | None:
    """When the period a value is for ends: where its pace is taken (core.status.pace_at)."""
    try:
        return end_of_day(parse_period(cadence, key).end)
    except ValueError:
        return None


def pace_window(
    kpi: Kpi, goal: Goal | None, first: Measurement | None
) -> tuple[datetime, datetime | None]:
    """The straight line from baseline to target runs from when tracking started to the
    deadline of the goal the KPI serves."""
    start = kpi.created_at
    if first is not None:
        start = min(start, datetime.combine(first.period_start, time(0), tzinfo=UTC))
    deadline = end_of_day(goal.deadline) if goal is not None and goal.deadline else None
    return start, deadline


def assess_kpi(
    ctx: Context, kpi: Kpi, values: Sequence[Measurement], goal: Goal | None
) -> Assessment:
    start, deadline = pace_window(kpi, goal, values[0] if values else None)
    return assess(
        values[-1].value if values else None,
        target_in(kpi, values[-1].period_key if values else None),
        now=ctx.now,
        start=start,
        deadline=deadline,
        at_risk_band=ctx.policy.at_risk_band,
        unit=kpi.unit,
        period_end=period_end(kpi.cadence, values[-1].period_key) if values else None,
        precision=precision_of(kpi, [v.value for v in values]),
    )


@dataclass(frozen=True)
class KpiFacts:
    kpi: Kpi
    team: Team | None
    goal: Goal | None
    values: list[Measurement]  # recent values, oldest first
    assessment: Assessment
    row: KpiRow


def gather(ctx: Context, kpis: Sequence[Kpi], periods: int = HISTORY_PERIODS) -> list[KpiFacts]:
    """Everything needed to show `kpis`, in a fixed number of queries."""
    if not kpis:
        return []
    teams = {t.id: t for t in repo.list_teams(ctx.session)}
    goals = repo.goals_by_id(ctx.session)
    longest = max(_DAYS_PER_PERIOD[k.cadence] for k in kpis) * (periods + 1)
    since = ctx.now.date() - timedelta(days=longest)
    history = repo.measurements_since(ctx.session, [k.id for k in kpis if k.id is not None], since)
    overdue = reporting_flags(ctx.session, [k.id for k in kpis if k.id is not None])
    facts = []
    for kpi in kpis:
        assert kpi.id is not None
        values = history.get(kpi.id, [])[-periods:]
        team = teams.get(kpi.team_id) if kpi.team_id is not None else None
        goal = goals.get(kpi.goal_id) if kpi.goal_id is not None else None
        assessment = assess_kpi(ctx, kpi, values, goal)
        row = replace(_row(kpi, team, goal, values, assessment), reporting=overdue.get(kpi.id))
        facts.append(KpiFacts(kpi, team, goal, values, assessment, row))
    return facts


def _row(
    kpi: Kpi,
    team: Team | None,
    goal: Goal | None,
    values: list[Measurement],
    assessment: Assessment,
) -> KpiRow:
    latest = values[-1] if values else None
    band = band_of(kpi)
    return KpiRow(
        key=kpi.key,
        name=kpi.name,
        owner=kpi.owner_user_id,
        team=team.name if team else None,
        goal=goal.title if goal else None,
        cadence=kpi.cadence.value,
        indicator=kpi.indicator.value,
        latest=format_value(latest.value, kpi.unit) if latest else None,
        latest_period=period_label(kpi.cadence, latest.period_key) if latest else None,
        target=target_text(kpi, latest.period_key if latest else None),
        status=assessment.status,
        trend=trend([v.value for v in values], kpi.direction, band=band),
        reason=assessment.reason,
        active=kpi.active,
        computed=bool(kpi.formula),
    )


def period_label(cadence: Cadence, key: str) -> str:
    try:
        return parse_period(cadence, key).label
    except ValueError:
        return key


def short_label(cadence: Cadence, key: str) -> str:
    """A compact x-axis label: W47, Nov, Q4, 26 Nov."""
    try:
        period = parse_period(cadence, key)
    except ValueError:
        return key
    if cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY):
        return "W" + key.rsplit("W", 1)[-1] if "W" in key else "W" + key.rsplit("B", 1)[-1]
    if cadence is Cadence.MONTHLY:
        return period.start.strftime("%b")
    if cadence is Cadence.QUARTERLY:
        return key.split("-")[1]
    return period.start.strftime("%d %b").lstrip("0")


def series_for(ctx: Context, facts: KpiFacts) -> KpiSeries:
    kpi = facts.kpi
    start, deadline = pace_window(kpi, facts.goal, facts.values[0] if facts.values else None)
    pace: list[float | None] | None = None
    precision = precision_of(kpi, [v.value for v in facts.values])
    if deadline is not None and kpi.baseline is not None:
        pace = [
            pace_at(
                target_in(kpi, v.period_key),
                start,
                deadline,
                period_end=period_end(kpi.cadence, v.period_key),
                now=ctx.now,
                precision=precision,
            )
            for v in facts.values
        ]
    band = band_of(kpi)
    ahead = outlook_of(facts)
    return KpiSeries(
        name=kpi.name,
        unit=kpi.unit,
        direction=kpi.direction,
        points=[Point(short_label(kpi.cadence, v.period_key), v.value) for v in facts.values],
        target=kpi.target if kpi.direction is not Direction.BAND else None,
        band=band,
        pace=pace,
        status=facts.assessment.status,
        targets=chart_targets(kpi, [v.period_key for v in facts.values]),
        projection=chart_projection(ahead),
    )


def outlook_of(facts: KpiFacts) -> Outlook:
    """Where the KPI's recent values head by its goal's deadline (or why that is not known)."""
    return outlook(facts.kpi, facts.goal, [(v.period_key, v.value) for v in facts.values])


def goal_nodes(ctx: Context, goals: Sequence[Goal] | None = None) -> list[GoalNode]:
    """The goal tree, depth-first, each goal with the rolled-up status of what measures it."""
    goals = list(goals) if goals is not None else repo.list_goals(ctx.session)
    by_id = {g.id: g for g in goals}
    kpis = repo.list_kpis(ctx.session)
    facts = gather(ctx, kpis, periods=2)
    own: dict[int | None, list[Status]] = {}
    for f in facts:
        own.setdefault(f.kpi.goal_id, []).append(f.assessment.status)
    children: dict[int | None, list[Goal]] = {}
    for g in goals:
        children.setdefault(g.parent_id, []).append(g)

    memo: dict[int | None, Status] = {}

    def status(goal: Goal) -> Status:
        if goal.id not in memo:
            memo[goal.id] = Status.NO_DATA  # guards against cycles
            parts = own.get(goal.id, []) + [status(c) for c in children.get(goal.id, [])]
            memo[goal.id] = rollup(parts)
        return memo[goal.id]

    teams = {t.id: t for t in repo.list_teams(ctx.session)}
    ordered = tree_order(
        goals, key=lambda g: g.id, parent=lambda g: g.parent_id if g.parent_id in by_id else None
    )
    return [
        GoalNode(
            key=g.key,
            title=g.title,
            depth=depth,
            team=teams[g.team_id].name if g.team_id in teams else None,
            deadline=g.deadline,
            status=status(g),
            kpi_count=len(own.get(g.id, [])),
        )
        for g, depth in ordered
    ]
