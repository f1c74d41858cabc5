"""The time formats operators write: read, checked, and written back the same way."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock_text import (
    format_duration,
    format_workdays,
    format_working_hours,
    parse_duration,
    parse_time_of_day,
    parse_workdays,
    parse_working_hours,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10:00", time(10)), (" 9:30 ", time(9, 30)), ("00:00", time(0)), ("23:59", time(23, 59))],
)
def test_times_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "10:60", "ten", "10:00 am"])
def test_bad_times_of_day_show_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="expected one like 10:00"):
        parse_time_of_day(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("1d", timedelta(days=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "24", "1w", "h", "-1h"])
def test_bad_durations_show_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="like 24h, 1d, 90m"):
        parse_duration(text)


def test_too_short_durations_say_the_minimum() -> None:
    with pytest.raises(ValueError, match="at least 10m"):
        parse_duration("5m", at_least=timedelta(minutes=10))


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4), "mon-fri"),
        ((0, 1, 2, 3, 6), "sun-thu"),
        ((0, 2, 4), "mon,wed,fri"),
        ((5, 6), "sat,sun"),
        (tuple(range(7)), "mon-sun"),
        ((3,), "thu"),
    ],
)
def test_workdays_are_written_back_compactly(days: tuple[int, ...], text: str) -> None:
    assert format_workdays(days) == text
    assert parse_workdays(text) == days


def test_working_hours_round_trip() -> None:
    assert format_working_hours(*parse_working_hours("8:30 - 16:00")) == "08:30-16:00"


@given(st.sets(st.integers(0, 6), min_size=1))
def test_any_set_of_days_reads_back(days: set[int]) -> None:
    assert parse_workdays(format_workdays(frozenset(days))) == tuple(sorted(days))


@given(st.integers(0, 90 * 86400))
def test_any_duration_reads_back(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration)) == duration
