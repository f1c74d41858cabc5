"""What a weekly digest says about each KPI, as plain data: value, change, progress, status.

A digest row shows one KPI's value for its report period (see :mod:`core.digest_time`), the
change since the period before, the progress to target and the status; a KPI without a value
for its report period is *missing*. Rows are grouped under the goal each KPI serves, and a
goal's status rolls up from its rows (:func:`core.goals.rollup`).

Mentions: a missing value names its owner; the owner is @-mentioned only when the value is
late (:mod:`core.due`: its reminders ran out unanswered) and the owner is not away. While the
owner is away the delegate, if any, is mentioned instead; a period the owner skipped (with a
reason) mentions nobody.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.goals import rollup
from core.kinds import Direction, Status
from core.values import format_value

Sense = Literal["better", "worse", "flat"]
Movement = Literal["up", "down", "flat"]
_ARROWS: dict[Movement, str] = {"up": "↗", "down": "↘", "flat": "→"}
FLAT_TOLERANCE = 0.005  # relative change below this reads as no change
_PERCENT_UNITS = frozenset({"%", "percent", "pct"})


@dataclass(frozen=True)
class Change:
    """``+$100k (+9%)`` since the period before, which way the value moved and whether that
    is the good way. The arrow follows the value (a cost going down points down); the word says
    good or bad, so "↗ −$900" can never appear."""

    text: str
    sense: Sense
    movement: Movement

    @property
    def arrow(self) -> str:
        return _ARROWS[self.movement]

    def summary(self, previous_label: str) -> str:
        """``↘ −$900 (−8%) vs Oct, better``."""
        shown = f"{self.arrow} {self.text} vs {previous_label}"
        return shown if self.sense == "flat" else f"{shown}, {self.sense}"


def change(
    current: float,
    previous: float | None,
    direction: Direction,
    unit: str | None,
    band: tuple[float, float] | None = None,
) -> Change | None:
    """The change from ``previous`` to ``current``; None without a previous value.

    Percent KPIs change by points (``+1.5 pts``), others by the value and, when the previous
    value is not 0, by a relative percentage. For a band, moving towards its middle is better.
    """
    if previous is None or not (math.isfinite(current) and math.isfinite(previous)):
        return None
    delta = current - previous
    scale = max(abs(previous), abs(current))
    if scale == 0 or abs(delta) <= FLAT_TOLERANCE * scale:
        return Change("no change", "flat", "flat")
    sign = "+" if delta > 0 else "−"
    if (unit or "").strip().lower() in _PERCENT_UNITS:
        text = f"{sign}{_number(abs(delta))} pts"
    else:
        text = f"{sign}{format_value(abs(delta), unit)}"
        if previous != 0:
            text += f" ({sign}{_number(abs(delta) / abs(previous) * 100, digits=0)}%)"
    movement: Movement = "up" if delta > 0 else "down"
    return Change(text, _sense(current, previous, direction, band), movement)


def _sense(
    current: float, previous: float, direction: Direction, band: tuple[float, float] | None
) -> Sense:
    if direction is Direction.UP:
        return "better" if current > previous else "worse"
    if direction is Direction.DOWN:
        return "better" if current < previous else "worse"
    if band is None:
        return "flat"
    middle = (band[0] + band[1]) / 2
    before, after = abs(previous - middle), abs(current - middle)
    if before == after:
        return "flat"
    return "better" if after < before else "worse"


def _number(number: float, digits: int = 1) -> str:
    shown = f"{number:,.{digits}f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def progress_text(
    direction: Direction,
    target: float | None,
    band: tuple[float, float] | None,
    progress: float | None,
    unit: str | None,
) -> str:
    """``62% of the way to $4M``, ``target ≤ 2%``, ``range 95%–99%`` or ``no target``."""
    if direction is Direction.BAND:
        if band is None:
            return "no range set"
        return f"range {format_value(band[0], unit)}–{format_value(band[1], unit)}"
    if target is None:
        return "no target"
    shown = format_value(target, unit)
    if progress is None:
        return f"target {'≥' if direction is Direction.UP else '≤'} {shown}"
    if progress >= 1:
        return f"target {shown} reached"
    return f"{math.floor(progress * 100)}% of the way to {shown}"


@dataclass(frozen=True)
class MissingValue:
    """A KPI with no value for its report period, and who should provide it."""

    kpi_key: str
    kpi_name: str
    period_label: str
    owner: str  # Slack user ID
    owner_name: str | None
    late: bool
    away_until: date | None = None  # the owner is away until then
    delegate: str | None = None  # who logs for the owner meanwhile
    skipped: str | None = None  # the owner skipped this period, for this reason

    @property
    def mentions(self) -> tuple[str, ...]:
        """Who is @-mentioned for it (see the module docstring)."""
        if not self.late or self.skipped is not None:
            return ()
        if self.away_until is not None:
            return (self.delegate,) if self.delegate else ()
        return (self.owner,)


@dataclass(frozen=True)
class DigestRow:
    """One KPI in a digest."""

    key: str
    name: str
    owner: str  # Slack user ID
    owner_name: str | None
    period_key: str  # the report period
    period_label: str
    value: str | None  # formatted with the unit; None when missing
    change: Change | None
    previous_label: str | None  # the period the change is measured from
    progress: str
    status: Status  # NO_DATA when missing or without a target
    reason: str
    indicator: str = "lagging"
    # Where it lands by its goal's deadline (core.projection.projection_line); None without one.
    projection: str | None = None

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class DigestGoal:
    """The KPIs serving one goal (``key`` None: KPIs not tied to any goal)."""

    key: str | None
    title: str
    deadline: date | None
    status: Status
    rows: tuple[DigestRow, ...]


@dataclass(frozen=True)
class ActionItem:
    """An open action item agreed in one of the team's reviews."""

    text: str
    owner: str  # Slack user ID
    owner_name: str | None = None
    due: date | None = None
    kpi_name: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class StatusCounts:
    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    missing: int = 0
    no_target: int = 0  # a value, but nothing to measure it against

    @property
    def total(self) -> int:
        return self.on_track + self.at_risk + self.off_track + self.missing + self.no_target

    def parts(self) -> list[tuple[str, int]]:
        """(label, count) for each non-zero count, in reading order."""
        labelled = [
            ("on track", self.on_track),
            ("at risk", self.at_risk),
            ("off track", self.off_track),
            ("missing", self.missing),
            ("without target", self.no_target),
        ]
        return [(label, count) for label, count in labelled if count]


def count(rows: Sequence[DigestRow]) -> StatusCounts:
    """How many rows are on track, at risk, off track, missing or without a target."""
    tally = dict.fromkeys(Status, 0)
    missing = 0
    for row in rows:
        if row.missing:
            missing += 1
        else:
            tally[row.status] += 1
    return StatusCounts(
        on_track=tally[Status.ON_TRACK],
        at_risk=tally[Status.AT_RISK],
        off_track=tally[Status.OFF_TRACK],
        missing=missing,
        no_target=tally[Status.NO_DATA],
    )


def group_by_goal(
    rows: Sequence[DigestRow],
    goal_of: dict[str, tuple[str, str, date | None] | None],
) -> list[DigestGoal]:
    """Rows grouped under their goals, in order of first appearance; unaligned rows last.

    ``goal_of`` maps a row's key to its goal as (key, title, deadline), or None.
    """
    groups: dict[str | None, list[DigestRow]] = {}
    titles: dict[str | None, tuple[str, date | None]] = {None: ("Not tied to a goal", None)}
    for row in rows:
        goal = goal_of.get(row.key)
        key = goal[0] if goal else None
        if goal:
            titles[key] = (goal[1], goal[2])
        groups.setdefault(key, []).append(row)
    ordered = [key for key in groups if key is not None] + ([None] if None in groups else [])
    return [
        DigestGoal(
            key=key,
            title=titles[key][0],
            deadline=titles[key][1],
            status=rollup(row.status for row in groups[key]),
            rows=tuple(groups[key]),
        )
        for key in ordered
    ]
