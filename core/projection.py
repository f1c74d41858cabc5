"""Where a KPI lands by its goal deadline if its recent trend goes on.

Model (:func:`project`):

* The series is the KPI's values by period, oldest first. Periods are indexed by their position
  in the series (x = 0, 1, 2, ...), so the cadence is taken as regular: a period with no value is
  simply left out, it does not leave a gap in x. The deadline's x is the last value's x plus the
  number of periods from the last value's period to the period holding the deadline date.
* Only the last ``window`` values are used (default :data:`DEFAULT_WINDOW`), so an old regime
  does not steer the line. Fewer than :data:`MIN_VALUES` values give no projection, with a reason
  such as ``needs 4 values to project; has 2``.
* The trend is Theil-Sen: the slope is the median of the slopes between every pair of points
  and the intercept is the median of ``y - slope * x``. One or two wild values among eight move
  neither median much, where least squares would follow them.
* Confidence comes from how uncertain the value at the deadline is, relative to its size:
  ``spread = 1.4826 * MAD(residuals) + (IQR of the pairwise slopes / 2) * horizon`` where
  ``horizon`` is the distance in periods from the middle of the data to the deadline, and the
  size is the largest of ``|projected|``, ``|last fitted|`` and ``|target|`` when given.
  ``spread / size <= 5 %`` is high confidence, ``<= 15 %`` medium, otherwise low. With fewer
  than :data:`HIGH_CONFIDENCE_VALUES` values, or a deadline more periods ahead than there are
  values, it is at most medium: a short or far-stretched line is a guess. An all-zero line is
  medium when nothing wobbles and low otherwise (there is no size to compare with).

Verdicts (:func:`judge`) compare the projected value with the target: UP hits when it is at or
above the target, DOWN at or below, BAND within ``[low, high]``. A miss is measured relative to
the target (``|target - projected| / |target|``), for a band relative to the bound it missed
(the band's width when that bound is 0), and shown in whole percent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from statistics import median

from core.cadence import Period, period_containing
from core.kinds import Direction
from core.status import Target, format_date
from core.values import format_value

DEFAULT_WINDOW = 8
MIN_VALUES = 4
HIGH_CONFIDENCE_VALUES = 6
MAX_HORIZON_PERIODS = 4000
"""Beyond this many periods ahead (11 years of days) a straight line says nothing useful."""

_HIGH_SPREAD = 0.05
_MEDIUM_SPREAD = 0.15
_MAD_TO_SIGMA = 1.4826  # makes the median absolute deviation comparable to a standard deviation


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return f"{self.value} confidence"


@dataclass(frozen=True)
class ProjectedPoint:
    """One point of the dotted line: a period's last date and the trend's value for it."""

    period_end: date
    value: float


@dataclass(frozen=True)
class Projection:
    """Where the trend lands by the deadline; ``value`` is None when there is no projection.

    ``points`` run from the last period with a value (its fitted value, so the dotted segment
    joins the trend line) to the deadline's period, one per period. ``low``/``high`` are the
    projected value minus/plus the spread used for the confidence.
    """

    deadline: date
    values_used: int
    value: float | None = None
    slope: float | None = None  # change per period
    confidence: Confidence | None = None
    low: float | None = None
    high: float | None = None
    points: tuple[ProjectedPoint, ...] = ()
    reason: str | None = None  # why there is no projection

    @property
    def projected(self) -> bool:
        return self.value is not None


class Outcome(StrEnum):
    HITS = "hits"
    MISSES = "misses"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    miss_fraction: float  # 0 when it hits; 0.15 for "misses by 15 %"
    sentence: str  # "projected $3.4M by 30 Jun 2027 — misses $4M by 15 %"

    @property
    def hits(self) -> bool:
        return self.outcome is Outcome.HITS


def project(
    history: Sequence[tuple[Period, float]],
    deadline: date,
    *,
    window: int = DEFAULT_WINDOW,
    target: float | None = None,
) -> Projection:
    """Project ``history`` (``(period, value)`` pairs, oldest first) to the local ``deadline``.

    ``target``, when given, only widens the scale the confidence is judged against, so that a
    KPI hovering around zero is not called uncertain for tiny wobbles. Raises ValueError for a
    window below :data:`MIN_VALUES`, periods out of order or of mixed cadences, or values that
    are not finite.
    """
    if window < MIN_VALUES:
        raise ValueError(f"window must be at least {MIN_VALUES} periods, not {window}")
    _check_history(history)
    recent = list(history[-window:])
    used = len(recent)
    if used < MIN_VALUES:
        return Projection(
            deadline, used, reason=f"needs {MIN_VALUES} values to project; has {used}"
        )
    last_period = recent[-1][0]
    deadline_period = period_containing(last_period.cadence, deadline)
    if deadline_period < last_period:
        return Projection(
            deadline, used, reason=f"the deadline {format_date(deadline)} has already passed"
        )
    future = _periods_until(last_period, deadline_period)
    if future is None:
        return Projection(
            deadline,
            used,
            reason=f"the deadline {format_date(deadline)} is too far ahead to project",
        )

    xs = [float(index) for index in range(used)]
    ys = [value for _, value in recent]
    slopes = sorted(
        (ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(used) for j in range(i + 1, used)
    )
    slope = median(slopes)
    intercept = median(y - slope * x for x, y in zip(xs, ys, strict=True))

    def fitted(x: float) -> float:
        return intercept + slope * x

    last_x = xs[-1]
    points = tuple(
        ProjectedPoint(period.end, fitted(last_x + step)) for step, period in enumerate(future)
    )
    deadline_x = last_x + len(future) - 1
    value = fitted(deadline_x)

    residuals = [y - fitted(x) for x, y in zip(xs, ys, strict=True)]
    sigma = _MAD_TO_SIGMA * median(abs(r - median(residuals)) for r in residuals)
    slope_iqr = _quantile(slopes, 0.75) - _quantile(slopes, 0.25)
    horizon = deadline_x - (used - 1) / 2
    spread = sigma + slope_iqr / 2 * horizon
    scale = max(abs(value), abs(fitted(last_x)), abs(target) if target is not None else 0.0)
    confidence = _confidence(spread, scale, used, ahead=len(future) - 1)
    return Projection(
        deadline,
        used,
        value=value,
        slope=slope,
        confidence=confidence,
        low=value - spread,
        high=value + spread,
        points=points,
    )


def judge(projection: Projection, target: Target, *, unit: str | None = None) -> Verdict | None:
    """Whether the projection hits ``target``; None without a projection or a usable target."""
    value = projection.value
    if value is None:
        return None

    def show(number: float) -> str:
        return format_value(number, unit)

    opening = f"projected {show(value)} by {format_date(projection.deadline)}"
    if target.direction is Direction.BAND:
        low, high = target.band_low, target.band_high
        if low is None or high is None or low > high:
            return None
        span = f"the {show(low)}–{show(high)} range"
        if low <= value <= high:
            return Verdict(Outcome.HITS, 0.0, f"{opening} — within {span}")
        bound = low if value < low else high
        base = abs(bound) or (high - low) or 1.0
        fraction = abs(value - bound) / base
        side = "below" if value < low else "above"
        return Verdict(
            Outcome.MISSES, fraction, f"{opening} — {side} {span} by {_percent(fraction)}"
        )

    goal = target.target
    if goal is None:
        return None
    sense = 1.0 if target.direction is Direction.UP else -1.0
    if sense * (value - goal) >= 0:
        return Verdict(Outcome.HITS, 0.0, f"{opening} — hits {show(goal)}")
    fraction = abs(goal - value) / (abs(goal) or 1.0)
    return Verdict(
        Outcome.MISSES, fraction, f"{opening} — misses {show(goal)} by {_percent(fraction)}"
    )


def projection_line(
    projection: Projection, target: Target | None, *, unit: str | None = None
) -> str:
    """The one line /kpi show, the digest and the review print about a projection.

    ``projected $3.4M by 30 Jun 2027 — misses $4M by 15 % (medium confidence)``; without a
    usable target just where it lands; without a projection the reason (``needs 4 values to
    project; has 2``). For seasonal targets pass the target of the deadline's period.
    """
    if projection.value is None or projection.confidence is None:
        return projection.reason or "no projection"
    verdict = judge(projection, target, unit=unit) if target is not None else None
    if verdict is not None:
        sentence = verdict.sentence
    else:
        shown = format_value(projection.value, unit)
        sentence = f"projected {shown} by {format_date(projection.deadline)}"
    return f"{sentence} ({projection.confidence.label})"


def _percent(fraction: float) -> str:
    whole = round(fraction * 100)
    if whole == 0:
        return "less than 1 %"
    return f"{whole:,} %"


def _confidence(spread: float, scale: float, used: int, *, ahead: int) -> Confidence:
    if scale == 0:  # an all-zero line: certain only if nothing wobbles
        return Confidence.MEDIUM if spread == 0 else Confidence.LOW
    relative = spread / scale
    if relative <= _HIGH_SPREAD:
        found = Confidence.HIGH
    elif relative <= _MEDIUM_SPREAD:
        found = Confidence.MEDIUM
    else:
        found = Confidence.LOW
    if found is Confidence.HIGH and (used < HIGH_CONFIDENCE_VALUES or ahead > used):
        return Confidence.MEDIUM
    return found


def _quantile(ordered: Sequence[float], fraction: float) -> float:
    """Linear-interpolated quantile of an already sorted, non-empty sequence."""
    position = fraction * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _periods_until(last: Period, deadline_period: Period) -> list[Period] | None:
    """``last`` then every period up to ``deadline_period``; None when that is too many."""
    periods = [last]
    while periods[-1] < deadline_period:
        if len(periods) > MAX_HORIZON_PERIODS:
            return None
        periods.append(periods[-1].next())
    return periods


def _check_history(history: Sequence[tuple[Period, float]]) -> None:
    for index, (period, value) in enumerate(history):
        if not math.isfinite(value):
            raise ValueError(f"the value for {period.key} is not a finite number: {value}")
        if index == 0:
            continue
        before = history[index - 1][0]
        if period.cadence is not before.cadence:
            raise ValueError(
                f"history mixes {before.cadence} and {period.cadence} periods "
                f"({before.key}, {period.key}); project one KPI at a time"
            )
        if not before < period:
            raise ValueError(
                f"history must be oldest first with one value per period; {before.key} "
                f"comes before {period.key}"
            )
