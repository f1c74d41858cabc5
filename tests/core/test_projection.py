from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cadence import Period, period_containing
from core.kinds import Cadence, Direction
from core.projection import (
    Confidence,
    Outcome,
    ProjectedPoint,
    Projection,
    judge,
    project,
    projection_line,
)
from core.status import Target

FIRST_MONTH = period_containing(Cadence.MONTHLY, date(2026, 1, 1))
FIRST_WEEK = period_containing(Cadence.WEEKLY, date(2026, 11, 2))  # 2026-W45


def months(values: Sequence[float], first: Period = FIRST_MONTH) -> list[tuple[Period, float]]:
    history = []
    period = first
    for value in values:
        history.append((period, value))
        period = period.next()
    return history


# --- not enough to project ------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_fewer_than_four_values_give_no_projection(count):
    result = project(months([10.0] * count), date(2026, 12, 31))
    assert not result.projected
    assert result.value is None and result.points == ()
    assert result.reason == f"needs 4 values to project; has {count}"
    assert judge(result, Target(Direction.UP, 100)) is None


def test_deadline_in_the_past_gives_no_projection():
    result = project(months([1, 2, 3, 4, 5]), date(2026, 2, 10))
    assert result.reason == "the deadline 10 Feb 2026 has already passed"


def test_deadline_too_far_ahead_gives_no_projection():
    daily = [(period_containing(Cadence.DAILY, date(2026, 1, d)), float(d)) for d in range(1, 9)]
    assert project(daily, date(2040, 1, 1)).reason == (
        "the deadline 1 Jan 2040 is too far ahead to project"
    )


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (months([1, 2, math.nan, 4]), "not a finite number"),
        (months([1, 2, 3])[::-1], "oldest first"),
        ([(FIRST_MONTH, 1.0), (FIRST_WEEK, 2.0)], "mixes monthly and weekly"),
    ],
)
def test_bad_history_is_refused(history, message):
    with pytest.raises(ValueError, match=message):
        project(history, date(2027, 1, 1))


def test_window_below_four_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        project(months([1, 2, 3, 4]), date(2027, 1, 1), window=3)


# --- the trend ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "deadline", "expected", "slope"),
    [
        ([10, 20, 30, 40], date(2026, 6, 30), 60, 10),  # Jan..Apr, two more months to June
        ([10, 20, 30, 40], date(2026, 4, 15), 40, 10),  # the deadline is in the last period
        ([5, 5, 5, 5, 5], date(2026, 12, 1), 5, 0),
        ([100, 90, 80, 70], date(2026, 5, 31), 60, -10),
        # only the last 8 values count: the old 1000s are ignored
        ([1000, 1000, 1, 2, 3, 4, 5, 6, 7, 8], date(2026, 12, 31), 10, 1),
    ],
)
def test_projection_table(values, deadline, expected, slope):
    result = project(months(values), deadline)
    assert result.value == pytest.approx(expected)
    assert result.slope == pytest.approx(slope)


def test_points_run_from_the_last_value_to_the_deadline_period():
    result = project(months([10, 20, 30, 40]), date(2026, 6, 30))
    assert result.points == (
        ProjectedPoint(date(2026, 4, 30), 40),
        ProjectedPoint(date(2026, 5, 31), 50),
        ProjectedPoint(date(2026, 6, 30), 60),
    )


def test_periods_are_counted_by_position_not_by_calendar():
    # Feb has no value: Mar is still x = 1, so the slope is 10 per *value*, not per month
    history = [(FIRST_MONTH, 10.0), *months([20, 30, 40], FIRST_MONTH.next().next())]
    assert project(history, date(2026, 6, 30)).value == pytest.approx(50)  # May is 40


def test_window_is_configurable():
    values = [0, 0, 0, 0, 10, 20, 30, 40]
    assert project(months(values), date(2026, 9, 30), window=4).slope == pytest.approx(10)
    slope = project(months(values), date(2026, 9, 30)).slope
    assert slope is not None
    assert slope < 10


@pytest.mark.parametrize(
    ("values", "confidence"),
    [
        ([100, 101, 102, 103, 104, 105, 106, 107], Confidence.HIGH),
        ([100, 101, 102, 103], Confidence.MEDIUM),  # too few values for high
        ([100, 140, 90, 150, 80, 160, 70, 170], Confidence.LOW),
    ],
)
def test_confidence(values, confidence):
    result = project(months(values), date(2026, 9, 30))
    assert result.confidence is confidence
    assert result.low is not None and result.value is not None and result.high is not None
    assert result.low <= result.value <= result.high


def test_far_deadline_caps_confidence_at_medium():
    steady = [100, 101, 102, 103, 104, 105, 106, 107]
    assert project(months(steady), date(2026, 9, 30)).confidence is Confidence.HIGH
    assert project(months(steady), date(2028, 12, 31)).confidence is not Confidence.HIGH


def test_confidence_label():
    assert Confidence.LOW.label == "low confidence"


def least_squares_at(values: list[float], x: float) -> float:
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values)) / sum(
        (i - mean_x) ** 2 for i in range(n)
    )
    return mean_y + slope * (x - mean_x)


@pytest.mark.parametrize(
    "values",
    [
        [10, 20, 30, 400, 50, 60, 70, 80],
        [10, 20, 30, 40, 50, 60, 70, -500],
        [10, 900, 30, 40, 50, 60, -700, 80],
    ],
)
def test_one_or_two_outliers_do_not_swing_it(values):
    clean = [10 * (i + 1) for i in range(8)]  # the trend without the outliers: 90..120 next
    deadline_x = 11  # Dec 2026 is 4 months after Aug
    truth = clean[0] + 10 * deadline_x
    robust = project(months(values), date(2026, 12, 31)).value
    assert robust is not None
    assert robust == pytest.approx(truth, rel=0.1)
    assert abs(least_squares_at(values, deadline_x) - truth) > 3 * abs(robust - truth)


# --- properties -----------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
steps = st.floats(min_value=1e-3, max_value=1e4)


@given(start=finite, increments=st.lists(steps, min_size=4, max_size=12), ahead=st.integers(0, 30))
def test_increasing_data_never_projects_below_the_last_fitted_value(start, increments, ahead):
    values = [start]
    for step in increments[:-1]:
        values.append(values[-1] + step)
    history = months(values)
    deadline = history[-1][0].end
    for _ in range(ahead):
        deadline = period_containing(Cadence.MONTHLY, deadline).next().end
    result = project(history, deadline)
    assert result.slope is not None and result.value is not None
    assert result.slope >= 0
    fitted = [point.value for point in result.points]
    assert fitted == sorted(fitted)
    assert result.value >= result.points[0].value


@given(level=finite, count=st.integers(4, 15), ahead=st.integers(0, 30))
def test_a_flat_series_projects_flat(level, count, ahead):
    history = months([level] * count)
    deadline = date(2026 + (count + ahead) // 12 + 1, 1, 1)
    result = project(history, deadline)
    assert result.value == pytest.approx(level)
    assert result.slope == 0
    assert all(point.value == pytest.approx(level) for point in result.points)


# --- verdicts -------------------------------------------------------------------------------

DEADLINE = date(2027, 6, 30)


def projected(value: float) -> Projection:
    return Projection(DEADLINE, 8, value=value)


@pytest.mark.parametrize(
    ("value", "target", "unit", "outcome", "fraction", "sentence"),
    [
        (
            3.4e6,
            Target(Direction.UP, 4e6),
            "USD",
            Outcome.MISSES,
            0.15,
            "projected $3.4M by 30 Jun 2027 — misses $4M by 15 %",
        ),
        (
            4.2e6,
            Target(Direction.UP, 4e6),
            "USD",
            Outcome.HITS,
            0,
            "projected $4.2M by 30 Jun 2027 — hits $4M",
        ),
        (
            4e6,
            Target(Direction.UP, 4e6),
            "USD",
            Outcome.HITS,
            0,
            "projected $4M by 30 Jun 2027 — hits $4M",
        ),
        (
            12,
            Target(Direction.DOWN, 10),
            "%",
            Outcome.MISSES,
            0.2,
            "projected 12% by 30 Jun 2027 — misses 10% by 20 %",
        ),
        (
            8,
            Target(Direction.DOWN, 10),
            "%",
            Outcome.HITS,
            0,
            "projected 8% by 30 Jun 2027 — hits 10%",
        ),
        (
            99.9,
            Target(Direction.UP, 100),
            None,
            Outcome.MISSES,
            0.001,
            "projected 99.9 by 30 Jun 2027 — misses 100 by less than 1 %",
        ),
        (
            -5,
            Target(Direction.UP, 0),
            None,
            Outcome.MISSES,
            5,
            "projected -5 by 30 Jun 2027 — misses 0 by 500 %",
        ),
        (
            97,
            Target(Direction.BAND, None, band_low=95, band_high=99),
            "%",
            Outcome.HITS,
            0,
            "projected 97% by 30 Jun 2027 — within the 95%–99% range",
        ),
        (
            90.25,
            Target(Direction.BAND, None, band_low=95, band_high=99),
            "%",
            Outcome.MISSES,
            0.05,
            "projected 90.25% by 30 Jun 2027 — below the 95%–99% range by 5 %",
        ),
        (
            110,
            Target(Direction.BAND, None, band_low=90, band_high=100),
            None,
            Outcome.MISSES,
            0.1,
            "projected 110 by 30 Jun 2027 — above the 90–100 range by 10 %",
        ),
    ],
)
def test_verdicts(value, target, unit, outcome, fraction, sentence):
    verdict = judge(projected(value), target, unit=unit)
    assert verdict is not None
    assert verdict.outcome is outcome
    assert verdict.hits is (outcome is Outcome.HITS)
    assert verdict.miss_fraction == pytest.approx(fraction)
    assert verdict.sentence == sentence


@pytest.mark.parametrize(
    "target",
    [
        Target(Direction.UP, None),
        Target(Direction.BAND, None, band_low=5),
        Target(Direction.BAND, None, band_low=5, band_high=1),
    ],
)
def test_no_verdict_without_a_usable_target(target):
    assert judge(projected(3), target) is None


def test_end_to_end_sentence_from_history():
    history = months([1.0e6, 1.3e6, 1.6e6, 1.9e6], FIRST_MONTH)
    result = project(history, date(2026, 6, 30), target=4e6)
    verdict = judge(result, Target(Direction.UP, 4e6), unit="USD")
    assert verdict is not None
    assert verdict.sentence == "projected $2.5M by 30 Jun 2026 — misses $4M by 38 %"


@given(
    start=st.floats(-1e4, 1e4),
    slope=st.floats(-1e3, 1e3),
    outliers=st.dictionaries(st.integers(0, 7), st.floats(-1e9, 1e9), min_size=1, max_size=2),
)
def test_up_to_two_outliers_among_eight_leave_the_line_unchanged(start, slope, outliers):
    clean = [start + slope * x for x in range(8)]
    values = [outliers.get(x, y) for x, y in enumerate(clean)]
    result = project(months(values), date(2026, 12, 31))  # Aug + 4 months: x = 11
    assert result.value == pytest.approx(start + slope * 11, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(
    ("history", "target", "line"),
    [
        (
            [1.0e6, 1.3e6, 1.6e6, 1.9e6],
            Target(Direction.UP, 4e6),
            "projected $2.5M by 30 Jun 2026 — misses $4M by 38 % (medium confidence)",
        ),
        ([1.0e6, 1.3e6, 1.6e6, 1.9e6], None, "projected $2.5M by 30 Jun 2026 (medium confidence)"),
        (
            [1.0e6, 1.3e6, 1.6e6, 1.9e6],
            Target(Direction.UP, None),
            "projected $2.5M by 30 Jun 2026 (medium confidence)",
        ),
        ([1.0e6, 1.3e6], Target(Direction.UP, 4e6), "needs 4 values to project; has 2"),
    ],
)
def test_projection_line(history, target, line):
    result = project(months(history), date(2026, 6, 30))
    assert projection_line(result, target, unit="USD") == line
