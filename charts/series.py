"""The plain data a chart is drawn from: a KPI's values over recent periods, oldest first."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from core.kinds import Direction, Status

PLOTTABLE_LIMIT = 1e100
"""Values of greater magnitude (or not finite) are treated as missing: no KPI is that large,
and plotting them would overflow the axis arithmetic."""


def plottable(number: float | None) -> TypeGuard[float]:
    return number is not None and math.isfinite(number) and abs(number) <= PLOTTABLE_LIMIT


@dataclass(frozen=True)
class Point:
    """One reporting period: its short label for the x axis ("W47", "Nov") and its value.

    ``value`` is None when nothing was reported for the period; the chart shows a gap.
    """

    label: str
    value: float | None


@dataclass(frozen=True)
class Projected:
    """Where the trend goes after the last point: from ``start`` (the trend's value at the last
    point with a value) to ``end`` at the goal's deadline, drawn as a dotted segment."""

    label: str  # the deadline for the x axis: "30 Jun"
    start: float
    end: float


@dataclass(frozen=True)
class KpiSeries:
    """What one KPI chart shows. ``pace`` has one expected value per point (or None);
    ``targets``, when the target changes by period, one target per point (a stepped line)."""

    name: str
    unit: str | None
    direction: Direction
    points: Sequence[Point]
    target: float | None = None
    band: tuple[float, float] | None = None
    pace: Sequence[float | None] | None = None
    status: Status = Status.NO_DATA
    targets: Sequence[float | None] | None = None
    projection: Projected | None = None

    def known(self) -> list[tuple[int, float]]:
        """(index, value) of every point with a plottable value, oldest first."""
        return [
            (index, point.value)
            for index, point in enumerate(self.points)
            if plottable(point.value)
        ]

    def missing(self) -> list[int]:
        """Indexes of the points without a (plottable) value."""
        known = {index for index, _ in self.known()}
        return [index for index in range(len(self.points)) if index not in known]

    def latest(self) -> tuple[int, float] | None:
        """(index, value) of the most recent point with a value, or None if there is none."""
        known = self.known()
        return known[-1] if known else None

    def pace_points(self) -> list[tuple[int, float]]:
        """(index, expected value) of every plottable pace value that lines up with a point."""
        if not self.pace:
            return []
        return [
            (index, value)
            for index, value in enumerate(self.pace[: len(self.points)])
            if plottable(value)
        ]

    def target_steps(self) -> list[tuple[int, float]]:
        """(index, target) per point when the targets vary by period; empty when they do not."""
        if not self.targets:
            return []
        steps = [
            (index, value)
            for index, value in enumerate(self.targets[: len(self.points)])
            if plottable(value)
        ]
        return steps if len({value for _, value in steps}) > 1 else []

    def projected(self) -> Projected | None:
        """The projection when both of its ends are plottable and there is a value to start at."""
        found = self.projection
        if found is None or not self.known():
            return None
        return found if plottable(found.start) and plottable(found.end) else None

    def finite_target(self) -> float | None:
        return self.target if plottable(self.target) else None

    def finite_band(self) -> tuple[float, float] | None:
        """The band as (low, high), whichever order it was given in, if both ends are plottable."""
        if self.band is None or not all(plottable(bound) for bound in self.band):
            return None
        low, high = self.band
        return (min(low, high), max(low, high))
