"""Reporting periods: keys, labels, parsing, and how they meet the clock across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cadence import (
    Period,
    PeriodError,
    local_datetime,
    parse_period,
    period_containing,
    period_for,
    periods_between,
)
from core.kinds import Cadence

DAILY, WEEKLY, BIWEEKLY = Cadence.DAILY, Cadence.WEEKLY, Cadence.BIWEEKLY
MONTHLY, QUARTERLY = Cadence.MONTHLY, Cadence.QUARTERLY
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def exists(day: date, at: time, tz: ZoneInfo) -> bool:
    """Whether the wall clock in tz ever reads `at` on `day`, straight from zoneinfo's data."""
    for fold in (0, 1):
        wall = datetime.combine(day, at, tzinfo=tz).replace(fold=fold)
        back = wall.astimezone(UTC).astimezone(tz)
        if (back.date(), back.time()) == (day, at):
            return True
    return False


def in_utc(moment: datetime) -> datetime:
    """Aware datetimes sharing a tzinfo compare by wall clock; compare instants in UTC instead."""
    return moment.astimezone(UTC)


# --- keys and labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "day", "start", "end", "key", "label"),
    [
        (DAILY, date(2026, 11, 26), date(2026, 11, 26), date(2026, 11, 26), "2026-11-26",
         "Thu 26 Nov 2026"),
        (DAILY, date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 1), "2027-01-01",
         "Fri 1 Jan 2027"),
        (WEEKLY, date(2026, 11, 26), date(2026, 11, 23), date(2026, 11, 29), "2026-W48",
         "week 48 (23-29 Nov 2026)"),
        (WEEKLY, date(2026, 12, 1), date(2026, 11, 30), date(2026, 12, 6), "2026-W49",
         "week 49 (30 Nov-6 Dec 2026)"),
        (WEEKLY, date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3), "2026-W53",
         "week 53 (28 Dec 2026-3 Jan 2027)"),
        (WEEKLY, date(2027, 1, 3), date(2026, 12, 28), date(2027, 1, 3), "2026-W53",
         "week 53 (28 Dec 2026-3 Jan 2027)"),
        (WEEKLY, date(2027, 1, 4), date(2027, 1, 4), date(2027, 1, 10), "2027-W01",
         "week 1 (4-10 Jan 2027)"),
        (WEEKLY, date(2020, 12, 31), date(2020, 12, 28), date(2021, 1, 3), "2020-W53",
         "week 53 (28 Dec 2020-3 Jan 2021)"),
        (WEEKLY, date(2025, 12, 31), date(2025, 12, 29), date(2026, 1, 4), "2026-W01",
         "week 1 (29 Dec 2025-4 Jan 2026)"),
        (BIWEEKLY, date(2026, 11, 26), date(2026, 11, 16), date(2026, 11, 29), "2026-B47",
         "weeks 47-48 (16-29 Nov 2026)"),
        (BIWEEKLY, date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 14), "2024-B01",
         "weeks 1-2 (1-14 Jan 2024)"),
        (BIWEEKLY, date(2023, 12, 31), date(2023, 12, 18), date(2023, 12, 31), "2023-B51",
         "weeks 51-52 (18-31 Dec 2023)"),
        (BIWEEKLY, date(2023, 6, 15), date(2023, 6, 5), date(2023, 6, 18), "2023-B23",
         "weeks 23-24 (5-18 Jun 2023)"),
        (BIWEEKLY, date(2021, 1, 1), date(2020, 12, 21), date(2021, 1, 3), "2020-B52",
         "weeks 52-53 (21 Dec 2020-3 Jan 2021)"),
        (BIWEEKLY, date(2020, 1, 1), date(2019, 12, 23), date(2020, 1, 5), "2019-B52",
         "weeks 52 and 1 (23 Dec 2019-5 Jan 2020)"),
        (BIWEEKLY, date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 10), "2026-B53",
         "weeks 53 and 1 (28 Dec 2026-10 Jan 2027)"),
        (BIWEEKLY, date(2027, 1, 11), date(2027, 1, 11), date(2027, 1, 24), "2027-B02",
         "weeks 2-3 (11-24 Jan 2027)"),
        (MONTHLY, date(2026, 11, 26), date(2026, 11, 1), date(2026, 11, 30), "2026-11",
         "November 2026"),
        (MONTHLY, date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29), "2024-02",
         "February 2024"),
        (MONTHLY, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "2026-12",
         "December 2026"),
        (QUARTERLY, date(2026, 11, 26), date(2026, 10, 1), date(2026, 12, 31), "2026-Q4",
         "Q4 2026"),
        (QUARTERLY, date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "2026-Q1", "Q1 2026"),
        (QUARTERLY, date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30), "2026-Q2", "Q2 2026"),
        (QUARTERLY, date(2026, 7, 1), date(2026, 7, 1), date(2026, 9, 30), "2026-Q3", "Q3 2026"),
    ],
)  # fmt: skip
def test_period_of_a_day_has_its_bounds_key_and_label(cadence, day, start, end, key, label):
    period = period_containing(cadence, day)

    assert (period.start, period.end) == (start, end)
    assert period.key == key
    assert period.label == label


@pytest.mark.parametrize(
    ("cadence", "key", "previous_key", "next_key"),
    [
        (DAILY, "2026-12-31", "2026-12-30", "2027-01-01"),
        (WEEKLY, "2026-W53", "2026-W52", "2027-W01"),
        (WEEKLY, "2027-W01", "2026-W53", "2027-W02"),
        (BIWEEKLY, "2026-B53", "2026-B51", "2027-B02"),
        (BIWEEKLY, "2024-B01", "2023-B51", "2024-B03"),
        (MONTHLY, "2026-12", "2026-11", "2027-01"),
        (QUARTERLY, "2027-Q1", "2026-Q4", "2027-Q2"),
    ],
)
def test_next_and_previous_cross_year_edges(cadence, key, previous_key, next_key):
    period = parse_period(cadence, key)

    assert period.previous().key == previous_key
    assert period.next().key == next_key


def test_a_period_must_match_its_cadence():
    with pytest.raises(PeriodError, match=r"weekly period holding 2026-11-24 runs 2026-11-23"):
        Period(WEEKLY, date(2026, 11, 24), date(2026, 11, 30))


def test_a_moment_is_refused_where_a_local_date_is_meant():
    moment = datetime(2026, 11, 26, 12, tzinfo=UTC)

    with pytest.raises(TypeError, match="period_for"):
        period_containing(WEEKLY, moment)
    with pytest.raises(TypeError, match="local date"):
        period_containing(WEEKLY, date(2026, 11, 26)).contains(moment)


# --- period_for and periods_between ------------------------------------------------------------


def test_period_for_reads_the_moment_in_the_given_zone():
    # Sunday 23:30 in New York is already Monday in UTC and in Berlin.
    moment = datetime(2026, 11, 29, 23, 30, tzinfo=NEW_YORK)

    assert period_for(WEEKLY, moment, NEW_YORK).key == "2026-W48"
    assert period_for(WEEKLY, moment, BERLIN).key == "2026-W49"
    assert period_for(WEEKLY, moment.astimezone(UTC), NEW_YORK).key == "2026-W48"


def test_period_for_refuses_a_naive_moment():
    naive = datetime(2026, 11, 26, 12)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="timezone-aware"):
        period_for(DAILY, naive, BERLIN)


@pytest.mark.parametrize(
    ("cadence", "first", "last", "keys"),
    [
        (WEEKLY, date(2026, 11, 26), date(2026, 12, 8), ["2026-W48", "2026-W49", "2026-W50"]),
        (MONTHLY, date(2026, 11, 30), date(2027, 1, 1), ["2026-11", "2026-12", "2027-01"]),
        (QUARTERLY, date(2026, 5, 5), date(2026, 5, 6), ["2026-Q2"]),
        (DAILY, date(2026, 11, 26), date(2026, 11, 26), ["2026-11-26"]),
        (BIWEEKLY, date(2026, 11, 29), date(2026, 11, 30), ["2026-B47", "2026-B49"]),
        (WEEKLY, date(2026, 12, 8), date(2026, 11, 26), []),
    ],
)
def test_periods_between_lists_every_period_touching_the_range(cadence, first, last, keys):
    assert [period.key for period in periods_between(cadence, first, last)] == keys


# --- parse_period --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "text", "key"),
    [
        (DAILY, "2026-11-26", "2026-11-26"),
        (WEEKLY, "2026-W48", "2026-W48"),
        (WEEKLY, " 2026-w48 ", "2026-W48"),
        (WEEKLY, "2026-W5", "2026-W05"),
        (WEEKLY, "2026-11-26", "2026-W48"),
        (WEEKLY, "2027-01-03", "2026-W53"),
        (BIWEEKLY, "2026-b47", "2026-B47"),
        (BIWEEKLY, "2026-11-26", "2026-B47"),
        (BIWEEKLY, "2023-B51", "2023-B51"),
        (MONTHLY, "2026-11", "2026-11"),
        (MONTHLY, "2026-11-26", "2026-11"),
        (QUARTERLY, "2026-q4", "2026-Q4"),
        (QUARTERLY, "\t2027-01-03\n", "2027-Q1"),
    ],
)
def test_parse_period_accepts_keys_and_dates(cadence, text, key):
    period = parse_period(cadence, text)

    assert period.cadence is cadence
    assert period.key == key


@pytest.mark.parametrize(
    ("cadence", "text", "fragments"),
    [
        # a key of another cadence says which cadence it belongs to and what this one wants
        (WEEKLY, "2026-11", ["'2026-11' looks like a monthly period",
                             "weekly periods look like 2026-W48"]),
        (MONTHLY, "2026-W48", ["looks like a weekly period", "monthly periods look like 2026-11"]),
        (DAILY, "2026-q4", ["'2026-q4' looks like a quarterly period",
                            "daily periods look like 2026-11-26"]),
        (BIWEEKLY, "2026-W47", ["looks like a weekly period",
                                "biweekly periods look like 2026-B47"]),
        (WEEKLY, "2026-B47", ["looks like a biweekly period", "2026-W48"]),
        # garbage
        (WEEKLY, "next week", ["'next week' is not a weekly period", "2026-W48", "2026-11-26"]),
        (MONTHLY, "", ["'' is not a monthly period", "2026-11"]),
        (QUARTERLY, "2026 Q4", ["is not a quarterly period", "2026-Q4"]),
        (MONTHLY, "0000-01", ["is not a monthly period"]),
        (WEEKLY, "x" * 100, ["'" + "x" * 39 + "…' is not a weekly period"]),
        # out of range
        (WEEKLY, "2026-W54", ["2026 has 53 ISO weeks", "2026-W48"]),
        (WEEKLY, "2025-W53", ["2025 has 52 ISO weeks"]),
        (WEEKLY, "2026-W00", ["2026 has 53 ISO weeks"]),
        (MONTHLY, "2026-13", ["months run from 01 to 12", "monthly periods look like 2026-11"]),
        (QUARTERLY, "2026-Q5", ["quarters run from Q1 to Q4",
                                "quarterly periods look like 2026-Q4"]),
        (DAILY, "2026-02-30", ["'2026-02-30' is not a real date", "February 2026 has 28 days"]),
        (WEEKLY, "2026-13-01", ["months run from 01 to 12", "2026-W48"]),
        (WEEKLY, "9999-W52", ["outside the calendar", "2026-W48"]),
        # a week in the middle of a biweekly block names both neighbouring blocks
        (BIWEEKLY, "2026-B48", ["does not start a two-week block", "2026-B47 (16-29 Nov 2026)",
                                "2026-B49 (30 Nov-13 Dec 2026)"]),
        (BIWEEKLY, "2027-B01", ["2026-B53 (28 Dec 2026-10 Jan 2027)", "2027-B02"]),
    ],
)  # fmt: skip
def test_parse_period_explains_what_is_wrong(cadence, text, fragments):
    with pytest.raises(PeriodError) as raised:
        parse_period(cadence, text)

    for fragment in fragments:
        assert fragment in str(raised.value)


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


# --- the DST rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "resolved"),
    [
        # spring forward: 02:00-03:00 does not exist, so times in it move forward by the hour
        ("America/New_York", date(2026, 3, 8), time(2, 30), "2026-03-08T03:30:00-04:00"),
        ("America/New_York", date(2026, 3, 8), time(2), "2026-03-08T03:00:00-04:00"),
        ("America/New_York", date(2026, 3, 8), time(1, 59), "2026-03-08T01:59:00-05:00"),
        ("America/New_York", date(2026, 3, 8), time(0), "2026-03-08T00:00:00-05:00"),
        # fall back: 01:00-02:00 happens twice, and the first (EDT) wins
        ("America/New_York", date(2026, 11, 1), time(1, 30), "2026-11-01T01:30:00-04:00"),
        ("America/New_York", date(2026, 11, 1), time(2), "2026-11-01T02:00:00-05:00"),
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), "2026-03-29T03:30:00+02:00"),
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), "2026-10-25T02:30:00+02:00"),
        # Lord Howe moves its clocks by half an hour: 02:00-02:30 is skipped, 01:30-02:00 doubled
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), "2026-10-04T02:45:00+11:00"),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), "2026-04-05T01:45:00+11:00"),
    ],
)
def test_local_datetime_moves_gaps_forward_and_takes_the_first_of_a_fold(zone, day, at, resolved):
    assert local_datetime(day, at, ZoneInfo(zone)).isoformat() == resolved


def test_local_datetime_refuses_a_time_with_a_zone():
    with pytest.raises(ValueError, match="without a zone"):
        local_datetime(date(2026, 3, 8), time(9, tzinfo=UTC), NEW_YORK)


@pytest.mark.parametrize(
    ("zone", "day"), [("America/Havana", date(2026, 3, 8)), ("America/Santiago", date(2026, 9, 6))]
)
def test_a_day_whose_midnight_is_skipped_starts_after_the_gap(zone, day):
    tz = ZoneInfo(zone)
    assert not exists(day, time(0), tz), f"tzdata no longer skips midnight in {zone} on {day}"
    period = period_containing(DAILY, day)

    starts = period.starts_at(tz)

    # the first instant after the gap is the transition itself, one second after 23:59:59
    just_before = in_utc(starts) - timedelta(seconds=1)
    assert (starts.date(), starts.time()) == (day, time(1))
    assert just_before.astimezone(tz).date() == day - timedelta(days=1)
    assert period.previous().due_at(tz) == starts
    assert in_utc(period.due_at(tz)) - in_utc(starts) == timedelta(hours=23)


def test_a_skipped_date_is_a_period_that_lasts_no_time():
    apia = ZoneInfo("Pacific/Apia")  # went from UTC-10 to UTC+14 and had no 30 December 2011
    assert not exists(date(2011, 12, 30), time(12), apia)
    skipped = period_containing(DAILY, date(2011, 12, 30))
    week = period_containing(WEEKLY, date(2011, 12, 30))

    assert in_utc(skipped.starts_at(apia)) == in_utc(skipped.due_at(apia))
    assert skipped.previous().next() == skipped
    assert in_utc(week.due_at(apia)) - in_utc(week.starts_at(apia)) == timedelta(days=6)


@pytest.mark.parametrize(
    ("zone", "day", "length"),
    [
        ("America/New_York", date(2026, 3, 8), timedelta(hours=167)),
        ("America/New_York", date(2026, 11, 1), timedelta(hours=169)),
        ("Europe/Berlin", date(2026, 3, 29), timedelta(hours=167)),
        ("Europe/Berlin", date(2026, 10, 25), timedelta(hours=169)),
        ("Australia/Lord_Howe", date(2026, 10, 4), timedelta(hours=167, minutes=30)),
        ("Australia/Lord_Howe", date(2026, 4, 5), timedelta(hours=168, minutes=30)),
        ("Europe/Berlin", date(2026, 11, 26), timedelta(hours=168)),
    ],
)
def test_a_week_with_a_clock_change_is_shorter_or_longer(zone, day, length):
    tz = ZoneInfo(zone)
    week = period_containing(WEEKLY, day)

    assert in_utc(week.due_at(tz)) - in_utc(week.starts_at(tz)) == length


def test_due_at_is_when_the_next_period_starts():
    week = parse_period(WEEKLY, "2026-W10")  # holds New York's spring-forward Sunday

    assert week.due_at(NEW_YORK) == week.next().starts_at(NEW_YORK)
    assert week.starts_at(NEW_YORK) == datetime(2026, 3, 2, tzinfo=NEW_YORK)
    assert in_utc(week.due_at(NEW_YORK)) == datetime(2026, 3, 9, 4, tzinfo=UTC)


# --- properties over many zones and years ---------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",  # negative DST in tzdata: winter is the "summer" time
    "Europe/Moscow",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30
    "America/Havana",  # DST at midnight
    "America/Santiago",  # DST at midnight, southern hemisphere
    "America/Sao_Paulo",  # DST at midnight until 2019
    "America/Asuncion",
    "Atlantic/Azores",  # midnight happens twice in autumn
    "Africa/Casablanca",  # DST suspended every Ramadan
    "Asia/Tehran",  # +03:30, DST at midnight until 2022
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Asia/Amman",
    "Australia/Adelaide",  # +09:30 with DST
    "Australia/Eucla",  # +08:45
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Chatham",  # +12:45/+13:45
    "Pacific/Auckland",
    "Pacific/Apia",  # skipped 2011-12-30
    "Pacific/Kiritimati",  # +14, skipped 1994-12-31
    "Pacific/Marquesas",  # -09:30
    "Antarctica/Troll",  # two-hour DST
]
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2060, 12, 31)
_EPOCH = datetime(1990, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2061, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds())

zones = st.sampled_from(ZONES).map(ZoneInfo)
cadences = st.sampled_from(list(Cadence))
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
moments = st.integers(0, _SPAN_SECONDS).map(lambda seconds: _EPOCH + timedelta(seconds=seconds))
fast = settings(max_examples=200, deadline=None)


@fast
@given(cadence=cadences, moment=moments, tz=zones)
def test_period_for_holds_the_local_date_of_the_moment(cadence, moment, tz):
    period = period_for(cadence, moment, tz)

    assert period.contains(moment.astimezone(tz).date())
    assert period_for(cadence, moment.astimezone(tz), tz) == period


@fast
@given(cadence=cadences, day=days)
def test_next_periods_are_contiguous_and_never_overlap(cadence, day):
    period = period_containing(cadence, day)
    assert period.start <= day <= period.end

    for _ in range(3):
        following = period.next()
        assert following.start == period.end + timedelta(days=1)
        assert following.start <= following.end
        assert following.previous() == period
        assert period < following
        period = following


@fast
@given(cadence=cadences, day=days)
def test_keys_and_dates_parse_back_to_the_period(cadence, day):
    period = period_containing(cadence, day)

    assert parse_period(cadence, period.key) == period
    assert parse_period(cadence, f" {period.key.lower()} ") == period
    assert parse_period(cadence, day.isoformat()) == period


@fast
@given(cadence=cadences, day=days, tz=zones)
def test_a_period_starts_inside_itself_and_before_the_next(cadence, day, tz):
    period = period_containing(cadence, day)
    starts = period.starts_at(tz)
    # A date a zone skipped entirely (Apia 2011-12-30) has no instant to start at.
    start_day_exists = starts.date() == period.start

    assert in_utc(period.due_at(tz)) == in_utc(period.next().starts_at(tz))
    assert in_utc(period.due_at(tz)) >= in_utc(starts)
    if start_day_exists:
        assert period_for(cadence, starts, tz) == period
        assert in_utc(starts) < in_utc(period.next().starts_at(tz))


@fast
@given(day=days, at=st.times(), tz=zones)
def test_local_datetime_keeps_the_wall_clock_whenever_it_exists(day: date, at: time, tz: ZoneInfo):
    resolved = local_datetime(day, at, tz)

    assert resolved.tzinfo is tz
    assert resolved.utcoffset() is not None
    if exists(day, at, tz):
        assert (resolved.date(), resolved.time()) == (day, at)
        assert resolved.fold == 0
    else:
        # moved forward by the jump, which in tzdata is never more than a day
        jump = resolved.replace(tzinfo=UTC) - datetime.combine(day, at, tzinfo=UTC)
        assert timedelta(0) < jump <= timedelta(days=1)
