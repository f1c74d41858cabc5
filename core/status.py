"""Where a KPI stands against its target: status, pace and trend.

Status rules (:func:`assess`):

* No value yet (``latest`` is None) -> NO_DATA. A target that is incomplete (UP/DOWN without a
  target number, BAND without both bounds) also gives NO_DATA, with a reason saying what is
  missing; a band whose lower bound exceeds its upper bound raises ValueError (reject it on input
  with :func:`validate_target`).
* UP: reaching the target is always ON_TRACK. Short of it, the *band* is
  ``at_risk_band * scale``, where ``scale`` is ``|target - baseline|`` when the baseline is known
  and differs from the target, else ``|target|`` (1 when the target is 0).
  Without a pace: within the band of the target -> AT_RISK, further -> OFF_TRACK.
  With a pace -- where a straight line from baseline at ``start`` to target at ``deadline`` says
  the value should be (:func:`pace_at`), known when baseline, start and deadline are all known --
  pace lifts a KPI one step but never past its target: on or ahead of pace, within the band of
  the target -> ON_TRACK and further from it -> AT_RISK; behind pace by at most the band ->
  AT_RISK, further -> OFF_TRACK. So "5.7 h, target <= 4 h" is never on track just because a far
  deadline's pace allows it, and a better value never gets a worse status.
* The pace is taken at the end of the period the value is for (``period_end``), or at ``now``
  when that is earlier, so that a value for a past period is judged by that period's pace and a
  chart's pace line (:func:`pace_at` per period) shows the same number as the text.
* DOWN mirrors UP: lower is better, the band lies above the target and the pace.
* BAND: inside ``[low, high]`` (bounds included) -> ON_TRACK; outside by at most
  ``at_risk_band * (high - low)`` -> AT_RISK (when ``high == low`` the width used is ``|low|``, or
  1 when that is 0); further out -> OFF_TRACK. Bands have no pace and no progress.
* Values exactly on an edge count on the better side; a relative tolerance of 1e-9 absorbs float
  noise so that a value typed as exactly the edge is not pushed over it by rounding.
* ``progress`` is the fraction of the way from baseline to target (0 at the baseline, 1 at the
  target, more beyond; moving the wrong way is clamped to 0). It is None without a baseline, when
  baseline equals target, and for BAND.

Trend rules (:func:`trend`): the last value is compared with the mean of up to three values
before it. A change within ``flat_tolerance`` of that mean (relative; relative to the last value
when the mean is 0) is FLAT. Otherwise the direction decides: up is improving for UP, down for
DOWN, and for BAND moving closer to the middle of the band is improving. Fewer than two values ->
UNKNOWN.

Reasons are short sentences for people, with values formatted by :func:`core.values.format_value`
and dates as ``30 Jun 2027`` (in the deadline's own time zone). Every datetime must be aware.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean
from typing import TypeAlias

from core.kinds import Direction, Status, Trend
from core.values import MAX_ABS_VALUE, decimals_of, format_value

_Show: TypeAlias = Callable[[float], str]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_REL_TOLERANCE = 1e-9
_DIRECTION_NAMES = {
    Direction.UP: "higher-is-better",
    Direction.DOWN: "lower-is-better",
    Direction.BAND: "stay-within-a-range",
}


@dataclass(frozen=True)
class Target:
    direction: Direction
    target: float | None  # required for UP/DOWN
    baseline: float | None = None
    band_low: float | None = None  # required for BAND
    band_high: float | None = None


@dataclass(frozen=True)
class Assessment:
    status: Status
    expected: float | None  # where the value should be by now (pace); None when no pace applies
    progress: float | None  # fraction of the way from baseline to target; None without baseline
    reason: str  # short human sentence


def format_date(moment: date) -> str:
    """``30 Jun 2027``, independent of the process locale (a datetime in its own time zone)."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def expected_by(target: Target, start: datetime, deadline: datetime, now: datetime) -> float | None:
    """Where the value should be at ``now`` on a straight line from baseline to target.

    The line runs from the baseline at ``start`` to the target at ``deadline``; before ``start``
    it is the baseline, after ``deadline`` the target. None when there is no baseline or no
    target (BAND targets have none). A deadline at or before the start makes the line a step.
    """
    _require_aware(start=start, deadline=deadline, now=now)
    if target.direction is Direction.BAND or target.baseline is None or target.target is None:
        return None
    if now >= deadline:
        return target.target
    if now <= start:
        return target.baseline
    fraction = (now - start) / (deadline - start)
    return target.baseline + fraction * (target.target - target.baseline)


def pace_at(
    target: Target,
    start: datetime,
    deadline: datetime,
    *,
    period_end: datetime | None,
    now: datetime,
    precision: int | None = None,
) -> float | None:
    """The pace for a value of the period ending at ``period_end``: the one computation the
    status text and the chart's pace line share. Taken at the period's end, or at ``now`` when
    the period has not ended yet (or is not known). With ``precision`` it is rounded to that
    many decimals, as the status text shows it (a chart plots and labels this number)."""
    pace = expected_by(target, start, deadline, _pace_moment(period_end, now))
    return pace if pace is None or precision is None else round(pace, precision)


def _pace_moment(period_end: datetime | None, now: datetime) -> datetime:
    return now if period_end is None else min(period_end, now)


def assess(
    latest: float | None,
    target: Target,
    *,
    now: datetime,
    start: datetime | None = None,
    deadline: datetime | None = None,
    at_risk_band: float = 0.1,
    unit: str | None = None,
    period_end: datetime | None = None,
    precision: int | None = None,
) -> Assessment:
    """The status of a KPI whose latest value is ``latest`` (see the module docstring).

    ``period_end`` is the end of the period ``latest`` is for; the pace is taken there when it
    is before ``now``. ``precision`` is the decimals the KPI's values are kept to (see
    :func:`core.number_format.decimals_of`); the pace is shown rounded to it. Without it, the
    decimals of the latest value, the target and the baseline decide."""
    _require_aware(now=now, start=start, deadline=deadline, period_end=period_end)
    if not at_risk_band >= 0:
        raise ValueError(f"at_risk_band must be 0 or more, not {at_risk_band}")
    if target.direction is Direction.BAND:
        return _assess_band(latest, target, at_risk_band, unit)
    moment = _pace_moment(period_end, now)
    if precision is None:
        precision = decimals_of((latest, target.target, target.baseline))

    def show_derived(number: float) -> str:
        return format_value(number, unit, decimals=precision)

    return _assess_directional(
        latest, target, now, moment, start, deadline, at_risk_band, unit, show_derived
    )


def _assess_directional(
    latest: float | None,
    target: Target,
    now: datetime,
    moment: datetime,
    start: datetime | None,
    deadline: datetime | None,
    at_risk_band: float,
    unit: str | None,
    show_pace: _Show,
) -> Assessment:
    goal = target.target
    if goal is None:
        return Assessment(Status.NO_DATA, None, None, "no target set, so there is no status")
    expected = None
    if start is not None and deadline is not None:
        expected = expected_by(target, start, deadline, moment)
    by = "by now" if moment >= now else f"by {format_date(moment)}"

    def show(number: float) -> str:
        return format_value(number, unit)

    if latest is None:
        reason = "no value reported yet"
        if expected is not None:
            reason += f"; {show_pace(expected)} expected {by}"
        return Assessment(Status.NO_DATA, expected, None, reason)

    sense = 1.0 if target.direction is Direction.UP else -1.0
    scale = _scale(target)
    bar = goal if expected is None else expected
    tolerance = _REL_TOLERANCE * max(1.0, abs(bar), abs(goal), scale)
    margin = at_risk_band * scale
    progress = _progress(latest, target)
    value = show(latest)
    side = "below" if sense > 0 else "above"
    short_of_goal = sense * (goal - latest)  # positive while the target is not reached

    if short_of_goal <= tolerance:
        return Assessment(
            Status.ON_TRACK, expected, progress, f"{value} has reached the target of {show(goal)}"
        )
    behind_pace = sense * (bar - latest)  # positive when behind the bar
    if expected is not None and behind_pace <= tolerance:
        # On or ahead of pace: one step better than the distance to the target alone says.
        if short_of_goal <= margin + tolerance:
            reason = f"{value} is on pace: {show_pace(expected)} expected {by}"
            return Assessment(
                Status.ON_TRACK, expected, progress, reason + _due(goal, deadline, show)
            )
        ahead = "on pace:" if behind_pace >= -tolerance else "ahead of the pace of"
        reason = (
            f"{value} is {ahead} {show_pace(expected)} expected {by}, but {side} the target of "
            f"{show(goal)}"
        )
        if deadline is not None:
            reason += f" (due {format_date(deadline)})"
        return Assessment(Status.AT_RISK, expected, progress, reason)

    status = Status.AT_RISK if behind_pace <= margin + tolerance else Status.OFF_TRACK
    slightly = "slightly " if status is Status.AT_RISK else ""
    if deadline is not None and now >= deadline:
        reason = (
            f"{value} is {slightly}{side} the target of {show(goal)}, which was due "
            f"{format_date(deadline)}"
        )
    elif expected is not None:
        reason = f"{value} is {slightly}behind the pace of {show_pace(expected)} expected {by}"
        reason += _due(goal, deadline, show)
    else:
        reason = f"{value} is {slightly}{side} the target of {show(goal)}"
        if deadline is not None:
            reason += f" (due {format_date(deadline)})"
    return Assessment(status, expected, progress, reason)


def _due(goal: float, deadline: datetime | None, show: _Show) -> str:
    if deadline is None:
        return f" (target {show(goal)})"
    return f" (target {show(goal)} by {format_date(deadline)})"


def _assess_band(
    latest: float | None, target: Target, at_risk_band: float, unit: str | None
) -> Assessment:
    low, high = target.band_low, target.band_high
    if low is None or high is None:
        return Assessment(Status.NO_DATA, None, None, "no range set, so there is no status")
    if low > high:
        raise ValueError(f"band_low ({low}) is above band_high ({high})")
    if latest is None:
        return Assessment(Status.NO_DATA, None, None, "no value reported yet")

    span = f"{format_value(low, unit)}–{format_value(high, unit)}"
    value = format_value(latest, unit)
    if low <= latest <= high:
        return Assessment(Status.ON_TRACK, None, None, f"{value} is within the range {span}")
    width = high - low if high > low else (abs(low) or 1.0)
    tolerance = _REL_TOLERANCE * max(1.0, abs(low), abs(high))
    distance = low - latest if latest < low else latest - high
    side = "below" if latest < low else "above"
    if distance <= at_risk_band * width + tolerance:
        return Assessment(Status.AT_RISK, None, None, f"{value} is just {side} the range {span}")
    return Assessment(Status.OFF_TRACK, None, None, f"{value} is {side} the range {span}")


def _scale(target: Target) -> float:
    goal = target.target
    assert goal is not None
    if target.baseline is not None and target.baseline != goal:
        return abs(goal - target.baseline)
    return abs(goal) or 1.0


def _progress(latest: float, target: Target) -> float | None:
    goal, baseline = target.target, target.baseline
    if goal is None or baseline is None or goal == baseline:
        return None
    return max(0.0, (latest - baseline) / (goal - baseline))


def trend(
    values: Sequence[float],
    direction: Direction,
    *,
    band: tuple[float, float] | None = None,
    flat_tolerance: float = 0.02,
) -> Trend:
    """Whether the latest of ``values`` (oldest first) moved the good way; see the module doc."""
    if direction is Direction.BAND and band is None:
        raise ValueError("trend of a BAND KPI needs band=(low, high)")
    if len(values) < 2:
        return Trend.UNKNOWN
    last = values[-1]
    reference = fmean(values[-4:-1])
    change = last - reference
    relative_to = abs(reference) or abs(last)
    if relative_to == 0 or abs(change) <= flat_tolerance * relative_to:
        return Trend.FLAT
    if direction is Direction.UP:
        return Trend.IMPROVING if change > 0 else Trend.WORSENING
    if direction is Direction.DOWN:
        return Trend.IMPROVING if change < 0 else Trend.WORSENING
    assert band is not None
    middle = (band[0] + band[1]) / 2
    before, after = abs(reference - middle), abs(last - middle)
    if after == before:
        return Trend.FLAT
    return Trend.IMPROVING if after < before else Trend.WORSENING


def validate_target(target: Target, *, unit: str | None = None) -> list[str]:
    """Human messages for everything inconsistent in a target; empty when it is usable."""

    def show(number: float) -> str:
        return format_value(number, unit, compact=False)

    problems: list[str] = []
    named = {
        "target": target.target,
        "baseline": target.baseline,
        "lower bound": target.band_low,
        "upper bound": target.band_high,
    }
    for name, number in named.items():
        if number is not None and not math.isfinite(number):
            problems.append(f"The {name} must be an actual number, not {number}.")
        elif number is not None and abs(number) > MAX_ABS_VALUE:
            problems.append(f"The {name} is too large; keep it within ±{show(MAX_ABS_VALUE)}.")
    if problems:
        return problems

    kind = _DIRECTION_NAMES[target.direction]
    if target.direction is Direction.BAND:
        low, high = target.band_low, target.band_high
        if low is None and high is None:
            problems.append(
                "A stay-within-a-range KPI needs a lower and an upper bound, like 95 to 99.9."
            )
        elif low is None or high is None:
            missing = "lower" if low is None else "upper"
            problems.append(f"The {missing} bound is missing; a range needs both bounds.")
        elif low > high:
            problems.append(
                f"The lower bound ({show(low)}) is above the upper bound ({show(high)}); swap them."
            )
        return problems

    goal, baseline = target.target, target.baseline
    if goal is None:
        problems.append(f"A {kind} KPI needs a target: the value to reach, like 1200 or 15%.")
    elif baseline is not None and baseline == goal:
        problems.append(
            f"The baseline and the target are both {show(goal)}, so there is no change to "
            "track; set the target you want to reach."
        )
    elif baseline is not None and (baseline > goal) == (target.direction is Direction.UP):
        relation = "below" if target.direction is Direction.UP else "above"
        other = "lower-is-better" if target.direction is Direction.UP else "higher-is-better"
        problems.append(
            f"The target ({show(goal)}) is {relation} the baseline ({show(baseline)}), but this "
            f"is a {kind} KPI; move the target or make the KPI {other}."
        )
    if target.band_low is not None or target.band_high is not None:
        problems.append(
            f"Range bounds only apply to stay-within-a-range KPIs, not to a {kind} one; "
            "remove them or change the direction."
        )
    return problems


def _require_aware(**moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
