"""A KPI's target for a given period (seasonal targets, ramps) and where its trend lands by its
goal's deadline: the glue between stored KPIs and core.targets / core.projection."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from charts.series import Projected
from core.cadence import Period, PeriodError, parse_period, period_containing
from core.kinds import Direction
from core.projection import Projection, project, projection_line
from core.status import Target
from core.targets import PeriodTargets, TargetsError, parse_targets
from core.values import format_value
from storage.models import Goal, Kpi


def base_target(kpi: Kpi) -> Target:
    return Target(
        direction=kpi.direction,
        target=kpi.target,
        baseline=kpi.baseline,
        band_low=kpi.band_low,
        band_high=kpi.band_high,
    )


def period_targets(kpi: Kpi) -> PeriodTargets | None:
    """The KPI's targets by period, or None when it has only its single target.

    The stored JSON was checked when it was imported; a row that no longer parses (edited by
    hand in the database) falls back to the single target rather than breaking every view.
    """
    if not kpi.targets or kpi.direction is Direction.BAND:
        return None
    try:
        parsed = parse_targets(json.loads(kpi.targets), kpi.cadence, fallback=kpi.target)
    except (ValueError, TargetsError):
        return None
    return parsed if parsed.varies else None


def target_number(kpi: Kpi, period: Period | str | None) -> float | None:
    """The target that applies to ``period`` (a Period or its key); the single one without."""
    targets = period_targets(kpi)
    if targets is None or period is None:
        return kpi.target
    try:
        found = period if isinstance(period, Period) else parse_period(kpi.cadence, period)
    except PeriodError:
        return kpi.target
    return targets.target_for(found)


def target_in(kpi: Kpi, period: Period | str | None) -> Target:
    """The KPI's Target with the target of ``period``: what status and pace are judged by."""
    number = target_number(kpi, period)
    target = base_target(kpi)
    return target if number == kpi.target else replace(target, target=number)


def targets_text(kpi: Kpi) -> str | None:
    """``Dec 2026: 90, Jan 2027: 60; ramp W01 2026 10 → W52 2026 50`` for /kpi show."""
    targets = period_targets(kpi)
    if targets is None:
        return None
    parts = []
    for key, number in targets.by_period:
        label = parse_period(kpi.cadence, key).label
        parts.append(f"{label}: {format_value(number, kpi.unit)}")
    ramp = targets.ramp
    if ramp is not None:
        parts.append(
            f"ramp from {format_value(ramp.start_value, kpi.unit)} in {ramp.first.label} "
            f"to {format_value(ramp.end_value, kpi.unit)} in {ramp.last.label}"
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class Outlook:
    """Where the KPI is heading: the line people read and the projection behind it."""

    line: str
    projection: Projection | None = None
    deadline_period: Period | None = None


def outlook(kpi: Kpi, goal: Goal | None, values: Sequence[tuple[str, float]]) -> Outlook:
    """The projection of ``values`` ((period key, value), oldest first) to the goal's deadline,
    judged against the target of the deadline's period; the reason when there is none."""
    deadline = goal.deadline if goal is not None else None
    if deadline is None:
        why = "its goal has no deadline" if goal is not None else "it serves no goal"
        return Outlook(f"no projection: {why}")
    history: list[tuple[Period, float]] = []
    for key, number in values:
        try:
            history.append((parse_period(kpi.cadence, key), number))
        except PeriodError:
            continue
    history.sort(key=lambda item: item[0])
    deadline_period = period_containing(kpi.cadence, deadline)
    target = target_in(kpi, deadline_period)
    try:
        projection = project(history, deadline, target=target.target)
    except ValueError as error:
        return Outlook(f"no projection: {error}")
    if not projection.projected:
        return Outlook(f"no projection: {projection.reason or 'too few values'}", projection)
    if all(number >= 0 for _, number in history):
        projection = _floored(projection)
    return Outlook(projection_line(projection, target, unit=kpi.unit), projection, deadline_period)


def _floored(projection: Projection) -> Projection:
    """A KPI that has never been negative (hours, churn, a count) is not projected below zero:
    a straight line would reach "-6 h" by a far deadline, which only reads as a bug."""
    if projection.value is None or projection.value >= 0:
        return projection
    return replace(
        projection,
        value=0.0,
        low=max(0.0, projection.low or 0.0),
        high=max(0.0, projection.high or 0.0),
        points=tuple(replace(p, value=max(0.0, p.value)) for p in projection.points),
    )


def chart_projection(found: Outlook) -> Projected | None:
    """The dotted segment for the chart: from the trend at the last value to the deadline."""
    projection = found.projection
    if projection is None or projection.value is None or not projection.points:
        return None
    deadline = projection.deadline
    return Projected(
        label=f"{deadline.day} {deadline:%b}",
        start=projection.points[0].value,
        end=projection.value,
    )


def chart_targets(kpi: Kpi, period_keys: Sequence[str]) -> list[float | None] | None:
    """One target per charted period when they vary by period; None when there is one."""
    if period_targets(kpi) is None:
        return None
    return [target_number(kpi, key) for key in period_keys]
