from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kinds import Direction, Status, Trend
from core.status import Assessment, Target, assess, expected_by, format_date, pace_at, trend
from core.status import validate_target as validate

UP, DOWN, BAND = Direction.UP, Direction.DOWN, Direction.BAND
ON, RISK, OFF, NONE = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA

START = datetime(2027, 1, 1, tzinfo=UTC)
DEADLINE = START + timedelta(days=100)  # 11 Apr 2027


def day(n: float) -> datetime:
    return START + timedelta(days=n)


# --- expected_by -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "now", "expected"),
    [
        (Target(UP, 100, baseline=0), day(-5), 0),
        (Target(UP, 100, baseline=0), day(0), 0),
        (Target(UP, 100, baseline=0), day(25), 25),
        (Target(UP, 100, baseline=0), day(100), 100),
        (Target(UP, 100, baseline=0), day(400), 100),
        (Target(DOWN, 20, baseline=100), day(50), 60),
        (Target(UP, 100, baseline=None), day(50), None),
        (Target(UP, None, baseline=0), day(50), None),
        (Target(BAND, None, baseline=0, band_low=1, band_high=2), day(50), None),
    ],
)
def test_expected_by(target: Target, now: datetime, expected: float | None) -> None:
    assert expected_by(target, START, DEADLINE, now) == expected


def test_expected_by_with_deadline_at_start_is_a_step() -> None:
    target = Target(UP, 100, baseline=0)
    assert expected_by(target, START, START, day(-1)) == 0
    assert expected_by(target, START, START, START) == 100


def test_expected_by_works_across_time_zones() -> None:
    tokyo = timezone(timedelta(hours=9))
    now = day(50).astimezone(tokyo)
    assert expected_by(Target(UP, 100, baseline=0), START, DEADLINE, now) == 50


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        assess(1, Target(UP, 10), now=datetime(2027, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="start must be"):
        expected_by(Target(UP, 10, 0), datetime(2027, 1, 1), DEADLINE, START)  # noqa: DTZ001


# --- assess ----------------------------------------------------------------------------------

PACED_UP = Target(UP, 100, baseline=0)  # at day 50 the pace is 50; scale 100, margin 10
PACED_DOWN = Target(DOWN, 20, baseline=100)  # at day 50 the pace is 60; scale 80, margin 8


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        (50, RISK),  # exactly on pace, but half the way still to go
        (60, RISK),
        (89.99, RISK),
        (90, ON),  # on pace and within the at-risk band of the target: 100 - 0.1 * 100
        (45, RISK),
        (40, RISK),  # exactly at the at-risk edge: 50 - 0.1 * 100
        (39.99, OFF),
        (0, OFF),
        (100, ON),  # target reached early
        (130, ON),
    ],
)
def test_up_with_pace(latest: float, status: Status) -> None:
    result = assess(latest, PACED_UP, now=day(50), start=START, deadline=DEADLINE)
    assert (result.status, result.expected) == (status, 50)


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        (60, RISK),  # on pace, 40 above the target
        (50, RISK),
        (28.01, RISK),
        (28, ON),  # on pace and within the band of the target: 20 + 0.1 * 80
        (68, RISK),  # exactly at the edge: 60 + 0.1 * 80
        (68.01, OFF),
        (100, OFF),
        (20, ON),  # target reached early
        (5, ON),
    ],
)
def test_down_with_pace(latest: float, status: Status) -> None:
    result = assess(latest, PACED_DOWN, now=day(50), start=START, deadline=DEADLINE)
    assert (result.status, result.expected) == (status, 60)


@pytest.mark.parametrize(
    ("target", "latest", "status"),
    [
        (Target(UP, 100), 100, ON),
        (Target(UP, 100), 150, ON),
        (Target(UP, 100), 90, RISK),  # edge: 100 - 0.1 * |100|
        (Target(UP, 100), 89.99, OFF),
        (Target(UP, 100, baseline=50), 95, RISK),  # scale is |100 - 50| = 50, edge 95
        (Target(UP, 100, baseline=50), 94.99, OFF),
        (Target(UP, 100, baseline=100), 90, RISK),  # baseline == target: scale falls back to 100
        (Target(UP, 0), -0.1, RISK),  # target 0: scale 1
        (Target(UP, 0), -0.11, OFF),
        (Target(UP, -10), -11, RISK),  # scale |-10|
        (Target(UP, -10), -11.01, OFF),
        (Target(UP, 0.3), 0.27, RISK),  # 0.3 - 0.1 * 0.3 is 0.27 up to float noise
        (Target(DOWN, 20), 20, ON),
        (Target(DOWN, 20), 1, ON),
        (Target(DOWN, 20), 22, RISK),  # edge: 20 + 0.1 * 20
        (Target(DOWN, 20), 22.01, OFF),
        (Target(DOWN, 20, baseline=100), 28, RISK),  # scale 80, edge 28
        (Target(DOWN, 20, baseline=100), 28.01, OFF),
    ],
)
def test_without_pace_the_bar_is_the_target(target: Target, latest: float, status: Status) -> None:
    result = assess(latest, target, now=day(50))
    assert (result.status, result.expected) == (status, None)


def test_pace_needs_a_baseline_start_and_deadline() -> None:
    # Missing any of the three, 60 is judged against the target 100: off track, not ahead.
    no_baseline = assess(60, Target(UP, 100), now=day(50), start=START, deadline=DEADLINE)
    no_start = assess(60, PACED_UP, now=day(50), deadline=DEADLINE)
    no_deadline = assess(60, PACED_UP, now=day(50), start=START)
    for result in (no_baseline, no_start, no_deadline):
        assert (result.status, result.expected) == (OFF, None)


@pytest.mark.parametrize(
    ("now", "latest", "status"),
    [
        (day(-10), 0, RISK),  # before start the pace is the baseline; far from the target
        (day(-10), -10, RISK),
        (day(-10), -10.01, OFF),
        (day(100), 100, ON),  # at the deadline the pace is the target
        (day(100), 90, RISK),
        (day(130), 100, ON),  # after the deadline the pace stays at the target
        (day(130), 90, RISK),
        (day(130), 89, OFF),
    ],
)
def test_pace_is_clamped_outside_the_period(now: datetime, latest: float, status: Status) -> None:
    assert assess(latest, PACED_UP, now=now, start=START, deadline=DEADLINE).status is status


def test_at_risk_band_is_adjustable() -> None:
    assert assess(80, Target(UP, 100), now=START, at_risk_band=0.2).status is RISK
    assert assess(99, Target(UP, 100), now=START, at_risk_band=0).status is OFF
    with pytest.raises(ValueError, match="at_risk_band"):
        assess(99, Target(UP, 100), now=START, at_risk_band=-0.1)


@pytest.mark.parametrize(
    ("target", "latest", "progress"),
    [
        (PACED_UP, 45, 0.45),
        (PACED_UP, 150, 1.5),
        (PACED_UP, -20, 0.0),  # moving the wrong way is clamped
        (PACED_DOWN, 60, 0.5),
        (Target(UP, 100), 45, None),
        (Target(UP, 100, baseline=100), 45, None),
    ],
)
def test_progress(target: Target, latest: float, progress: float | None) -> None:
    assert assess(latest, target, now=day(50)).progress == progress


@pytest.mark.parametrize(
    ("target", "latest", "reason"),
    [
        (PACED_UP, None, "no value reported yet; 50 expected by now"),
        (Target(UP, None), 5, "no target set, so there is no status"),
        (PACED_UP, 100, "100 has reached the target of 100"),
        (
            PACED_UP,
            55,
            "55 is ahead of the pace of 50 expected by now, but below the target of 100 "
            "(due 11 Apr 2027)",
        ),
        (
            PACED_UP,
            50,
            "50 is on pace: 50 expected by now, but below the target of 100 (due 11 Apr 2027)",
        ),
        (PACED_UP, 95, "95 is on pace: 50 expected by now (target 100 by 11 Apr 2027)"),
        (
            PACED_UP,
            45,
            "45 is slightly behind the pace of 50 expected by now (target 100 by 11 Apr 2027)",
        ),
        (PACED_UP, 10, "10 is behind the pace of 50 expected by now (target 100 by 11 Apr 2027)"),
        (PACED_DOWN, 90, "90 is behind the pace of 60 expected by now (target 20 by 11 Apr 2027)"),
    ],
)
def test_reasons_with_pace(target: Target, latest: float | None, reason: str) -> None:
    assert assess(latest, target, now=day(50), start=START, deadline=DEADLINE).reason == reason


def test_reason_names_values_with_units_and_the_deadline() -> None:
    deadline = datetime(2027, 6, 30, tzinfo=UTC)
    start = deadline - timedelta(days=180)
    now = start + timedelta(days=94.5)  # 52.5% of the way: 2.1M expected
    result = assess(
        1_200_000, Target(UP, 4_000_000, 0), now=now, start=start, deadline=deadline, unit="USD"
    )
    assert result.status is OFF
    assert result.reason == (
        "$1.2M is behind the pace of $2.1M expected by now (target $4M by 30 Jun 2027)"
    )


@pytest.mark.parametrize(
    ("target", "latest", "now", "deadline", "reason"),
    [
        (Target(UP, 100), 95, day(50), None, "95 is slightly below the target of 100"),
        (Target(DOWN, 20), 30, day(50), None, "30 is above the target of 20"),
        (Target(UP, 100), 50, day(50), DEADLINE, "50 is below the target of 100 (due 11 Apr 2027)"),
        (
            Target(UP, 100, baseline=0),
            95,
            day(130),
            DEADLINE,
            "95 is slightly below the target of 100, which was due 11 Apr 2027",
        ),
    ],
)
def test_reasons_without_pace_or_past_the_deadline(
    target: Target, latest: float, now: datetime, deadline: datetime | None, reason: str
) -> None:
    assert assess(latest, target, now=now, start=START, deadline=deadline).reason == reason


def test_no_data() -> None:
    assert assess(None, Target(UP, 100), now=START) == Assessment(
        NONE, None, None, "no value reported yet"
    )
    paced = assess(None, PACED_UP, now=day(50), start=START, deadline=DEADLINE)
    assert (paced.status, paced.expected, paced.progress) == (NONE, 50, None)


BAND_10_20 = Target(BAND, None, band_low=10, band_high=20)  # width 10, margin 1


@pytest.mark.parametrize(
    ("target", "latest", "status"),
    [
        (BAND_10_20, 15, ON),
        (BAND_10_20, 10, ON),
        (BAND_10_20, 20, ON),
        (BAND_10_20, 9, RISK),  # edge: 10 - 0.1 * 10
        (BAND_10_20, 21, RISK),
        (BAND_10_20, 8.99, OFF),
        (BAND_10_20, 21.01, OFF),
        (BAND_10_20, None, NONE),
        (Target(BAND, None, band_low=50, band_high=50), 55, RISK),  # width |50|
        (Target(BAND, None, band_low=50, band_high=50), 55.01, OFF),
        (Target(BAND, None, band_low=0, band_high=0), -0.1, RISK),  # width 1
        (Target(BAND, None, band_low=0, band_high=0), 0.11, OFF),
        (Target(BAND, None, band_low=10), 15, NONE),  # incomplete band
    ],
)
def test_band(target: Target, latest: float | None, status: Status) -> None:
    result = assess(latest, target, now=START, start=START, deadline=DEADLINE)
    assert (result.status, result.expected, result.progress) == (status, None, None)


@pytest.mark.parametrize(
    ("latest", "reason"),
    [
        (15, "15% is within the range 10%–20%"),
        (9, "9% is just below the range 10%–20%"),
        (25, "25% is above the range 10%–20%"),
    ],
)
def test_band_reasons(latest: float, reason: str) -> None:
    assert assess(latest, BAND_10_20, now=START, unit="%").reason == reason


def test_inverted_band_is_refused() -> None:
    with pytest.raises(ValueError, match="band_low"):
        assess(5, Target(BAND, None, band_low=20, band_high=10), now=START)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2027, 6, 30, 23, 0, tzinfo=UTC), "30 Jun 2027"),
        (datetime(2027, 1, 5, tzinfo=timezone(timedelta(hours=-5))), "5 Jan 2027"),
    ],
)
def test_format_date(moment: datetime, text: str) -> None:
    assert format_date(moment) == text


# --- trend -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "direction", "band", "expected"),
    [
        ([], UP, None, Trend.UNKNOWN),
        ([5], UP, None, Trend.UNKNOWN),
        ([10, 11], UP, None, Trend.IMPROVING),
        ([10, 9], UP, None, Trend.WORSENING),
        ([10, 10.1], UP, None, Trend.FLAT),
        ([10, 10.2], UP, None, Trend.FLAT),  # exactly 2%
        ([10, 10.3], UP, None, Trend.IMPROVING),
        ([10, 9], DOWN, None, Trend.IMPROVING),
        ([10, 11], DOWN, None, Trend.WORSENING),
        ([100, 1, 2, 3, 2.5], UP, None, Trend.IMPROVING),  # against mean(1, 2, 3); 100 too old
        ([1, 2, 3, 1.5], UP, None, Trend.WORSENING),
        ([0, 0], UP, None, Trend.FLAT),
        ([0, 5], UP, None, Trend.IMPROVING),
        ([0, -5], UP, None, Trend.WORSENING),
        ([-10, -5], UP, None, Trend.IMPROVING),
        ([-10, -5], DOWN, None, Trend.WORSENING),
        ([25, 22], BAND, (10, 20), Trend.IMPROVING),  # toward the middle, 15
        ([8, 9], BAND, (10, 20), Trend.IMPROVING),
        ([15, 19], BAND, (10, 20), Trend.WORSENING),  # inside, but drifting to the edge
        ([15, 8], BAND, (10, 20), Trend.WORSENING),
        ([12, 18], BAND, (10, 20), Trend.FLAT),  # as far from the middle as before
        ([16, 15.9], BAND, (10, 20), Trend.FLAT),
    ],
)
def test_trend(
    values: list[float],
    direction: Direction,
    band: tuple[float, float] | None,
    expected: Trend,
) -> None:
    assert trend(values, direction, band=band) is expected


def test_trend_flat_tolerance_is_adjustable() -> None:
    assert trend([10, 10.5], UP, flat_tolerance=0.1) is Trend.FLAT
    assert trend([10, 10.1], UP, flat_tolerance=0) is Trend.IMPROVING


def test_trend_of_a_band_needs_the_band() -> None:
    with pytest.raises(ValueError, match="band"):
        trend([1, 2], BAND)


# --- validate_target -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        (Target(UP, 100), []),
        (Target(UP, 100, baseline=20), []),
        (Target(DOWN, 10, baseline=20), []),
        (Target(UP, -5), []),
        (Target(BAND, None, band_low=10, band_high=20), []),
        (Target(BAND, None, band_low=10, band_high=10), []),
        (Target(UP, None), ["higher-is-better KPI needs a target"]),
        (Target(DOWN, None, baseline=5), ["lower-is-better KPI needs a target"]),
        (Target(UP, 100, baseline=100), ["baseline and the target are both 100"]),
        (Target(UP, 100, baseline=120), ["target (100) is below the baseline (120)"]),
        (Target(DOWN, 20, baseline=10), ["target (20) is above the baseline (10)"]),
        (Target(UP, 100, band_low=1), ["Range bounds only apply"]),
        (
            Target(UP, None, band_low=1, band_high=2),
            ["needs a target", "Range bounds only apply"],
        ),
        (Target(BAND, None), ["needs a lower and an upper bound"]),
        (Target(BAND, 5, band_low=10), ["upper bound is missing"]),
        (Target(BAND, None, band_high=10), ["lower bound is missing"]),
        (
            Target(BAND, None, band_low=20, band_high=10),
            ["lower bound (20) is above the upper bound (10)"],
        ),
        (Target(UP, float("nan")), ["target must be an actual number"]),
        (Target(BAND, None, band_low=float("-inf"), band_high=1), ["lower bound must be"]),
        (Target(UP, 1e16), ["target is too large"]),
    ],
)
def test_validate_target(target: Target, fragments: list[str]) -> None:
    problems = validate(target)
    assert len(problems) == len(fragments)
    for problem, fragment in zip(problems, fragments, strict=True):
        assert fragment in problem


def test_validate_target_shows_values_in_the_kpi_unit() -> None:
    (problem,) = validate(Target(UP, 1_200_000, baseline=1_200_000), unit="USD")
    assert "both $1,200,000" in problem


# --- pace lifts a KPI one step, never past its target ------------------------------------------
# The demo's reported cases: 9 h -> 4 h and 22% -> 40% over 18 months, four months in.


@pytest.mark.parametrize(
    ("target", "latest", "status"),
    [
        (Target(DOWN, 4, baseline=9), 5.7, RISK),  # ahead of pace (8.1 h) but 1.7 h above 4 h
        (Target(DOWN, 4, baseline=9), 4.5, ON),  # within the band: 4 + 0.1 * 5
        (Target(DOWN, 4, baseline=9), 9.5, OFF),  # behind pace by more than the band
        (Target(UP, 40, baseline=22), 30.6, RISK),  # ahead of pace (25.3%) but 9.4 pts short
        (Target(UP, 40, baseline=22), 38.2, ON),
        (Target(UP, 40, baseline=22), 22, OFF),
    ],
)
def test_a_kpi_far_from_its_target_is_not_on_track(
    target: Target, latest: float, status: Status
) -> None:
    start = datetime(2026, 8, 1, tzinfo=UTC)
    deadline = datetime(2028, 2, 1, tzinfo=UTC)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert assess(latest, target, now=now, start=start, deadline=deadline).status is status


def test_pace_is_taken_at_the_end_of_the_values_period_when_that_is_before_now() -> None:
    # A value for the period ending on day 40 is measured against the pace of day 40, not 50.
    result = assess(41, PACED_UP, now=day(50), start=START, deadline=DEADLINE, period_end=day(40))
    assert (result.status, result.expected) == (RISK, 40)
    assert result.reason.startswith("41 is ahead of the pace of 40 expected by 10 Feb 2027")
    later = assess(41, PACED_UP, now=day(50), start=START, deadline=DEADLINE, period_end=day(60))
    assert later.expected == 50


def test_pace_at_matches_assess() -> None:
    for end in (day(-3), day(20), day(50), day(70), day(130)):
        expected = pace_at(PACED_UP, START, DEADLINE, period_end=end, now=day(50))
        assessed = assess(3, PACED_UP, now=day(50), start=START, deadline=DEADLINE, period_end=end)
        assert assessed.expected == expected


_numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_days = st.floats(min_value=-50, max_value=200)


@given(
    baseline=_numbers,
    goal=_numbers,
    latest=_numbers,
    better=st.floats(min_value=0, max_value=1e6),
    when=_days,
    down=st.booleans(),
)
def test_status_properties(
    baseline: float, goal: float, latest: float, better: float, when: float, down: bool
) -> None:
    direction = DOWN if down else UP
    sense = -1 if down else 1
    target = Target(direction, goal, baseline=baseline)
    band = 0.1 * (abs(goal - baseline) if goal != baseline else (abs(goal) or 1.0))

    def status(value: float) -> Status:
        return assess(value, target, now=day(when), start=START, deadline=DEADLINE).status

    rank = {OFF: 0, RISK: 1, ON: 2}
    # A better value never gives a worse status.
    assert rank[status(latest + sense * better)] >= rank[status(latest)]
    # Short of the target by more than the at-risk band is never on track, whatever the pace.
    noise = 1e-6 * max(1.0, abs(goal), abs(baseline))  # the rules' float tolerance, generously
    if sense * (goal - latest) > band + noise:
        assert status(latest) is not ON
    # Reaching the target is always on track.
    if sense * (latest - goal) >= 0:
        assert status(latest) is ON


@pytest.mark.parametrize(
    ("target", "latest", "unit", "precision", "fragment"),
    [
        # The reported cases: a pace of 96.37 leads, and 25.49% for a KPI typed to one decimal.
        (Target(UP, 120, baseline=70), 90, "leads", None, "96 leads expected by now"),
        (Target(UP, 40, baseline=22), 24.5, "%", None, "25.5% expected by now"),
        (Target(UP, 40, baseline=22), 24, "%", None, "25% expected by now"),  # whole numbers
        (Target(UP, 40, baseline=22), 24, "%", 2, "25.49% expected by now"),  # the KPI's history
        (Target(UP, 120, baseline=70), None, "leads", None, "96 leads expected by now"),
    ],
)
def test_the_pace_is_shown_to_the_kpis_precision(
    target: Target, latest: float | None, unit: str, precision: int | None, fragment: str
) -> None:
    goal, baseline = target.target, target.baseline
    assert goal is not None and baseline is not None
    # The moment where the pace is 96.37 leads (or 25.49%).
    fraction = {120: 26.37 / 50, 40: 3.49 / 18}[int(goal)]
    now = START + (DEADLINE - START) * fraction
    result = assess(
        latest, target, now=now, start=START, deadline=DEADLINE, unit=unit, precision=precision
    )
    assert fragment in result.reason


@pytest.mark.parametrize(("precision", "pace"), [(None, 96.37), (0, 96), (1, 96.4), (2, 96.37)])
def test_a_charts_pace_is_the_texts_pace_rounded_as_the_text_shows_it(precision, pace) -> None:
    target = Target(UP, 120, baseline=70)
    now = START + (DEADLINE - START) * (26.37 / 50)
    shown = pace_at(target, START, DEADLINE, period_end=None, now=now, precision=precision)
    assert shown == pytest.approx(pace, abs=1e-9)
    text = assess(90, target, now=now, start=START, deadline=DEADLINE, unit="leads", precision=0)
    assert "96 leads expected by now" in text.reason
