"""Digest rules: when digests go out, which periods they show, and what each row says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.digest import (
    Change,
    DigestRow,
    MissingValue,
    StatusCounts,
    change,
    count,
    group_by_goal,
    progress_text,
)
from core.digest_time import (
    DigestTime,
    digest_time_of,
    due_moment,
    history_periods,
    moment_in_week,
    next_moment,
    parse_digest_time,
    report_period,
    reviewed_week,
    week_moment,
)
from core.kinds import Cadence, Direction, Status

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


# --- schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 09:00", DigestTime(0, time(9))),
        ("Friday 16:30", DigestTime(4, time(16, 30))),
        ("tue 9am", DigestTime(1, time(9))),
        ("sun 12pm", DigestTime(6, time(12))),
        ("wed 12 am", DigestTime(2, time(0))),
        ("thurs 7", DigestTime(3, time(7))),
        ("  SAT   23:59 ", DigestTime(5, time(23, 59))),
    ],
)
def test_digest_times_read_like_people_write_them(text: str, expected: DigestTime) -> None:
    assert parse_digest_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("monday", "not a digest time"),
        ("mo 09:00", "is not a weekday"),
        ("funday 09:00", "is not a weekday"),
        ("mon 25:00", "out of range"),
        ("mon 13pm", "not a time of day"),
        ("mon nine", "not a time of day"),
        ("mon 09:00 extra", "not a digest time"),
    ],
)
def test_bad_digest_times_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_digest_time(text)
    assert "mon 09:00" in str(error.value)


def test_digest_time_labels_and_defaults() -> None:
    when = DigestTime(4, time(16, 30))
    assert (when.label, when.text) == ("Fridays at 16:30", "fri 16:30")
    assert digest_time_of(None, None) == DigestTime(0, time(9))
    assert digest_time_of(2, None) == DigestTime(2, time(9))
    with pytest.raises(ValueError, match="weekday"):
        DigestTime(7, time(9))


def test_the_moment_is_the_weekday_of_the_iso_week_in_the_teams_zone() -> None:
    monday = moment_in_week(date(2026, 11, 26), DigestTime(), NY)  # a Thursday
    assert monday == datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    assert monday.astimezone(UTC) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    friday = moment_in_week(date(2026, 11, 23), DigestTime(4, time(16)), BERLIN)
    assert friday.astimezone(UTC) == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_a_digest_time_inside_a_dst_gap_moves_forward_by_the_jump() -> None:
    # New York springs forward at 02:00 on Sunday 8 March 2026.
    moment = moment_in_week(date(2026, 3, 4), DigestTime(6, time(2, 30)), NY)
    assert (moment.hour, moment.minute) == (3, 30)
    assert moment.utcoffset() == timedelta(hours=-4)


def test_due_only_from_the_moment_until_the_catch_up_window_ends() -> None:
    when = DigestTime()
    moment = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
    assert due_moment(moment - timedelta(seconds=1), when, NY) is None
    assert due_moment(moment, when, NY) == moment
    assert due_moment(moment + timedelta(hours=23), when, NY) == moment
    assert due_moment(moment + timedelta(hours=25), when, NY) is None
    assert due_moment(moment + timedelta(hours=2), when, NY, catch_up=timedelta(hours=1)) is None


def test_next_moment_is_strictly_after_now() -> None:
    when = DigestTime()
    moment = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert next_moment(moment - timedelta(minutes=1), when, NY) == moment
    assert next_moment(moment, when, NY) == moment + timedelta(days=7)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_moment(datetime(2026, 11, 30, 9), when, NY)  # noqa: DTZ001


def test_a_digest_reviews_the_week_before_the_one_it_goes_out_in() -> None:
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    friday = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert reviewed_week(monday, NY).key == "2026-W48"
    assert reviewed_week(friday, NY).key == "2026-W48"
    # Sunday 23:30 in New York is already Monday in Berlin: each team's own calendar counts.
    sunday_night = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    assert reviewed_week(sunday_night, NY).key == "2026-W48"
    assert reviewed_week(sunday_night, BERLIN).key == "2026-W49"
    week = reviewed_week(monday, NY)
    assert week_moment(week, DigestTime(), NY) == monday


def test_report_period_is_the_last_closed_period_of_the_cadence() -> None:
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert report_period(Cadence.WEEKLY, monday, NY).key == "2026-W48"
    assert report_period(Cadence.MONTHLY, monday, NY).key == "2026-10"
    assert report_period(Cadence.DAILY, monday, NY).key == "2026-11-29"
    assert report_period(Cadence.QUARTERLY, monday, NY).key == "2026-Q3"
    periods = history_periods(report_period(Cadence.WEEKLY, monday, NY), 3)
    assert [p.key for p in periods] == ["2026-W46", "2026-W47", "2026-W48"]


# --- rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "direction", "unit", "expected"),
    [
        (1.2e6, 1.1e6, Direction.UP, "USD", Change("+$100k (+9%)", "better", "up")),
        (1.0e6, 1.1e6, Direction.UP, "USD", Change("−$100k (−9%)", "worse", "down")),
        (2.5, 3.0, Direction.DOWN, "%", Change("−0.5 pts", "better", "down")),
        (3.5, 3.0, Direction.DOWN, "%", Change("+0.5 pts", "worse", "up")),
        (10, 0, Direction.UP, "deals", Change("+10 deals", "better", "up")),
        (97, 96, Direction.UP, "leads", Change("+1 lead (+1%)", "better", "up")),  # not "+1 leads"
        (100, 100.2, Direction.UP, None, Change("no change", "flat", "flat")),
        (0, 0, Direction.UP, None, Change("no change", "flat", "flat")),
    ],
)
def test_change_since_the_period_before(
    current: float, previous: float, direction: Direction, unit: str | None, expected: Change
) -> None:
    assert change(current, previous, direction, unit) == expected


def test_change_of_a_band_kpi_is_better_towards_the_middle() -> None:
    band = (95.0, 99.0)
    assert change(97.5, 99.5, Direction.BAND, "%", band) == Change("−2 pts", "better", "down")
    assert change(99.5, 97.5, Direction.BAND, "%", band) == Change("+2 pts", "worse", "up")
    assert change(96.0, 98.0, Direction.BAND, "%", band) == Change("−2 pts", "flat", "down")
    assert change(5, None, Direction.UP, None) is None
    assert change(float("nan"), 3, Direction.UP, None) is None


@pytest.mark.parametrize(
    ("direction", "target", "band", "progress", "expected"),
    [
        (Direction.UP, 4e6, None, 0.456, "45% of the way to $4M"),
        (Direction.UP, 4e6, None, 1.2, "target $4M reached"),
        (Direction.UP, 4e6, None, None, "target ≥ $4M"),
        (Direction.DOWN, 2e6, None, None, "target ≤ $2M"),
        (Direction.UP, None, None, None, "no target"),
        (Direction.BAND, None, (95, 99), None, "range $95–$99"),
        (Direction.BAND, None, None, None, "no range set"),
    ],
)
def test_progress_to_target(
    direction: Direction,
    target: float | None,
    band: tuple[float, float] | None,
    progress: float | None,
    expected: str,
) -> None:
    assert progress_text(direction, target, band, progress, "USD") == expected


@pytest.mark.parametrize(
    ("current", "previous", "direction", "unit", "summary"),
    [
        # The reported case: a cost going down is good, and its arrow points down.
        (11_100, 12_000, Direction.DOWN, "USD", "↘ −$900 (−8%) vs Oct, better"),
        (12_900, 12_000, Direction.DOWN, "USD", "↗ +$900 (+8%) vs Oct, worse"),
        (11_100, 12_000, Direction.UP, "USD", "↘ −$900 (−8%) vs Oct, worse"),
        (12_900, 12_000, Direction.UP, "USD", "↗ +$900 (+8%) vs Oct, better"),
        (12_000, 12_001, Direction.UP, "USD", "→ no change vs Oct"),
        (97.5, 99.5, Direction.BAND, "%", "↘ −2 pts vs Oct, better"),
    ],
)
def test_the_arrow_shows_the_direction_and_the_word_whether_that_is_good(
    current: float, previous: float, direction: Direction, unit: str, summary: str
) -> None:
    moved = change(current, previous, direction, unit, (95.0, 99.0))
    assert moved is not None
    assert moved.summary("Oct") == summary


def _missing(**changes: object) -> MissingValue:
    base: dict[str, object] = {
        "kpi_key": "churn",
        "kpi_name": "Churn",
        "period_label": "October 2026",
        "owner": "U0BOB0001",
        "owner_name": "Bob",
        "late": True,
    }
    return MissingValue(**{**base, **changes})  # type: ignore[arg-type]


def test_only_late_values_mention_and_never_an_owner_who_is_away() -> None:
    assert _missing().mentions == ("U0BOB0001",)
    assert _missing(late=False).mentions == ()
    assert _missing(away_until=date(2026, 12, 3)).mentions == ()
    away_with_delegate = _missing(away_until=date(2026, 12, 3), delegate="U0EVE0001")
    assert away_with_delegate.mentions == ("U0EVE0001",)
    assert _missing(late=False, away_until=date(2026, 12, 3), delegate="U0EVE0001").mentions == ()
    assert _missing(skipped="no deals closed").mentions == ()


def _row(key: str, status: Status, value: str | None = "1") -> DigestRow:
    return DigestRow(
        key=key, name=key.title(), owner="U0ALICE01", owner_name=None, period_key="2026-W48",
        period_label="week 48", value=value, change=None, previous_label="W47",
        progress="no target", status=status, reason="",
    )  # fmt: skip


def test_counts_put_missing_values_in_their_own_bucket() -> None:
    rows = [
        _row("a", Status.ON_TRACK),
        _row("b", Status.AT_RISK),
        _row("c", Status.OFF_TRACK),
        _row("d", Status.NO_DATA, value=None),
        _row("e", Status.NO_DATA),
        _row("f", Status.ON_TRACK),
    ]
    counts = count(rows)
    assert counts == StatusCounts(on_track=2, at_risk=1, off_track=1, missing=1, no_target=1)
    assert counts.total == 6
    assert counts.parts()[0] == ("on track", 2)
    assert StatusCounts().parts() == []


def test_rows_group_under_their_goals_with_the_worst_status() -> None:
    rows = [
        _row("a", Status.ON_TRACK),
        _row("b", Status.OFF_TRACK),
        _row("c", Status.AT_RISK),
        _row("d", Status.NO_DATA, value=None),
    ]
    goals = group_by_goal(
        rows,
        {
            "a": ("pipe", "Pipeline", date(2027, 6, 30)),
            "b": ("pipe", "Pipeline", date(2027, 6, 30)),
            "c": None,
            "d": ("arr", "ARR", None),
        },
    )
    assert [(g.key, g.title, g.status, [r.key for r in g.rows]) for g in goals] == [
        ("pipe", "Pipeline", Status.OFF_TRACK, ["a", "b"]),
        ("arr", "ARR", Status.NO_DATA, ["d"]),
        (None, "Not tied to a goal", Status.AT_RISK, ["c"]),
    ]
    assert goals[0].deadline == date(2027, 6, 30)
