"""Review meetings: the rhythm people type, meeting instants across DST, and when to post."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cadence import local_datetime
from core.review_cadence import (
    MAX_LEAD,
    MEETING_GRACE,
    CadenceError,
    ReviewCadence,
    due_meeting,
    parse_review_cadence,
    post_moment,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TODAY = date(2026, 11, 26)  # a Thursday


def at(tz: ZoneInfo, y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return local_datetime(date(y, mo, d), time(h, mi), tz)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def meetings(cadence: ReviewCadence, start: datetime, count: int, tz: ZoneInfo) -> list[datetime]:
    found = [cadence.next_meeting(start, tz)]
    while len(found) < count:
        found.append(cadence.next_meeting(utc(found[-1]) + timedelta(seconds=1), tz))
    return found


# --- reading rhythms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("weekly tue 10:00", "weekly tue 10:00"),
        ("every Tuesday at 10am", "weekly tue 10:00"),
        ("every other Tuesday 10:00", "every 2 weeks tue 10:00 from 2026-12-01"),
        ("biweekly thu 9:30", "every 2 weeks thu 09:30 from 2026-11-26"),  # today is a Thursday
        ("every 3 weeks on wednesdays at 2pm from 2026-12-09", "every 3 weeks wed 14:00 from 2026-12-09"),
        ("first monday of the month at 10:00", "monthly first mon 10:00"),
        ("the 2nd Wed of each month 9.30", "monthly second wed 09:30"),
        ("monthly last fri 16:00", "monthly last fri 16:00"),
        ("last Friday, 4 pm", "monthly last fri 16:00"),
    ],
)  # fmt: skip
def test_rhythms_read_as_people_type_them(typed: str, canonical: str) -> None:
    cadence = parse_review_cadence(typed, today=TODAY)
    assert cadence.text == canonical
    assert parse_review_cadence(cadence.text, today=date(2031, 1, 1)) == cadence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10:00", "Which weekday"),
        ("every tuesday", "At what time"),
        ("monthly tue 10:00", "first, second, third, fourth or last"),
        ("tue wed 10:00", "given twice"),
        ("every 2 weeks tue 10:00 from 2026-12-02", "not a Tuesday"),
        ("first mon 10:00 every 2 weeks", "takes no week interval"),
        ("weekly tue 10:00 from 2026-12-01", "needs no start date"),
        ("tue 25:00", "not a time of day"),
        ("tue 13pm", "not a time of day"),
        ("fortnightly-ish tue 10:00", "can't read"),
        ("every 2 weeks tue 10:00 from 2026-02-30", "not a real date"),
    ],
)
def test_bad_rhythms_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(CadenceError, match=message):
        parse_review_cadence(typed, today=TODAY)


def test_labels_read_like_a_sentence() -> None:
    assert parse_review_cadence("every other tue 10:00", today=TODAY).label == (
        "every other Tuesday at 10:00 (from 2026-12-01)"
    )
    assert parse_review_cadence("first mon 9:00", today=TODAY).label == (
        "the first Monday of every month at 09:00"
    )


# --- meetings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "tz", "expected"),
    [
        ("every other tue 10:00", NEW_YORK,
         [at(NEW_YORK, 2026, 12, 1, 10), at(NEW_YORK, 2026, 12, 15, 10),
          at(NEW_YORK, 2026, 12, 29, 10), at(NEW_YORK, 2027, 1, 12, 10)]),
        ("first mon 10:00", BERLIN,
         [at(BERLIN, 2026, 12, 7, 10), at(BERLIN, 2027, 1, 4, 10), at(BERLIN, 2027, 2, 1, 10)]),
        ("last fri 16:00", NEW_YORK,
         [at(NEW_YORK, 2026, 11, 27, 16), at(NEW_YORK, 2026, 12, 25, 16),
          at(NEW_YORK, 2027, 1, 29, 16)]),
        ("weekly thu 09:00", NEW_YORK,  # today's meeting has passed (now is 10:00)
         [at(NEW_YORK, 2026, 12, 3, 9), at(NEW_YORK, 2026, 12, 10, 9)]),
    ],
)  # fmt: skip
def test_meetings_follow_the_rhythm(typed: str, tz: ZoneInfo, expected: list[datetime]) -> None:
    cadence = parse_review_cadence(typed, today=TODAY)
    now = at(NEW_YORK, 2026, 11, 26, 10)
    assert [utc(m) for m in meetings(cadence, now, len(expected), tz)] == [utc(m) for m in expected]


def test_a_meeting_in_the_spring_gap_moves_forward_and_happens_once() -> None:
    cadence = parse_review_cadence("weekly sun 02:30", today=TODAY)
    found = meetings(cadence, at(NEW_YORK, 2026, 3, 1, 12), 3, NEW_YORK)
    assert [(m.date(), m.time()) for m in found] == [
        (date(2026, 3, 8), time(3, 30)),  # 02:30 does not exist that night
        (date(2026, 3, 15), time(2, 30)),
        (date(2026, 3, 22), time(2, 30)),
    ]


def test_a_meeting_in_the_autumn_fold_is_its_first_occurrence() -> None:
    cadence = parse_review_cadence("weekly sun 01:30", today=TODAY)
    meeting = cadence.next_meeting(at(NEW_YORK, 2026, 11, 1, 0), NEW_YORK)
    assert meeting.utcoffset() == timedelta(hours=-4)  # EDT, not EST
    assert cadence.previous_meeting(utc(meeting) + timedelta(hours=1), NEW_YORK) == meeting


def test_a_meeting_on_a_day_the_zone_skipped_keeps_its_day() -> None:
    apia = ZoneInfo("Pacific/Apia")  # went from 29 to 31 December 2011
    cadence = ReviewCadence(4, time(10))  # Fridays
    meeting = cadence.next_meeting(datetime(2011, 12, 28, tzinfo=UTC), apia)
    assert meeting.astimezone(apia).date() == date(2011, 12, 31)
    assert cadence.meeting_day(meeting, apia) == date(2011, 12, 30)


# --- posting ----------------------------------------------------------------------------------------


def test_posting_is_a_day_before_on_the_wall_clock_even_across_dst() -> None:
    meeting = at(NEW_YORK, 2026, 3, 8, 10)  # the Sunday the clocks spring forward
    posted = post_moment(meeting, timedelta(hours=24), NEW_YORK)
    assert (posted.date(), posted.time()) == (date(2026, 3, 7), time(10))
    assert utc(meeting) - utc(posted) == timedelta(hours=23)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(NEW_YORK, 2026, 11, 30, 9, 59), None),  # the day before, a minute early
        (at(NEW_YORK, 2026, 11, 30, 10), at(NEW_YORK, 2026, 12, 1, 10)),
        (at(NEW_YORK, 2026, 12, 1, 10, 59), at(NEW_YORK, 2026, 12, 1, 10)),  # within the grace
        (at(NEW_YORK, 2026, 12, 1, 11), None),  # the meeting is over: too late
        (at(NEW_YORK, 2026, 12, 8, 10), None),  # the off week
    ],
)
def test_due_meeting_window(now: datetime, expected: datetime | None) -> None:
    cadence = parse_review_cadence("every other tue 10:00", today=TODAY)
    found = due_meeting(cadence, now, NEW_YORK, timedelta(hours=24))
    assert (utc(found) if found else None) == (utc(expected) if expected else None)


def test_lead_is_bounded() -> None:
    cadence = parse_review_cadence("weekly tue 10:00", today=TODAY)
    with pytest.raises(CadenceError):
        due_meeting(cadence, at(NEW_YORK, 2026, 12, 1, 10), NEW_YORK, MAX_LEAD + timedelta(hours=1))


# --- properties ---------------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Asia/Kolkata",
        "Pacific/Apia",
    )
]
zones = st.sampled_from(ZONES)
wall_times = st.sampled_from(
    [time(0), time(0, 30), time(1, 30), time(2, 30), time(10), time(23, 45)]
)
instants = st.integers(0, 25 * 365 * 86400).map(
    lambda seconds: datetime(2010, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
)


@st.composite
def cadences(draw: st.DrawFn) -> ReviewCadence:
    weekday = draw(st.integers(0, 6))
    at_time = draw(wall_times)
    if draw(st.booleans()):
        return ReviewCadence(weekday, at_time, nth=draw(st.sampled_from([1, 2, 3, 4, -1])))
    every = draw(st.integers(1, 4))
    if every == 1:
        return ReviewCadence(weekday, at_time)
    start = draw(st.dates(min_value=date(2009, 1, 1), max_value=date(2036, 1, 1)))
    anchor = start + timedelta(days=(weekday - start.weekday()) % 7)
    return ReviewCadence(weekday, at_time, every=every, anchor=anchor)


fast = settings(max_examples=300, deadline=None)


@fast
@given(cadence=cadences(), tz=zones, now=instants)
def test_next_and_previous_meetings_bracket_now_with_nothing_between(
    cadence: ReviewCadence, tz: ZoneInfo, now: datetime
) -> None:
    following = cadence.next_meeting(now, tz)
    before = cadence.previous_meeting(now, tz)
    assert utc(before) < utc(now) <= utc(following)
    for meeting in (before, following):
        day = cadence.meeting_day(meeting, tz)
        assert cadence.is_meeting_day(day)
        assert utc(meeting) == utc(local_datetime(day, cadence.at, tz))
    first, last = cadence.meeting_day(before, tz), cadence.meeting_day(following, tz)
    assert cadence.day_on_or_after(first + timedelta(days=1)) == last
    gap = (last - first).days
    assert gap in ({7 * cadence.every} if cadence.nth is None else set(range(28, 36)))


@fast
@given(cadence=cadences())
def test_the_canonical_text_reads_back(cadence: ReviewCadence) -> None:
    assert parse_review_cadence(cadence.text, today=date(2040, 1, 1)) == cadence


@fast
@given(
    cadence=cadences(),
    tz=zones,
    now=instants,
    lead=st.timedeltas(min_value=timedelta(0), max_value=MAX_LEAD),
)
def test_due_meeting_is_the_one_whose_window_holds_now(
    cadence: ReviewCadence, tz: ZoneInfo, now: datetime, lead: timedelta
) -> None:
    found = due_meeting(cadence, now, tz, lead)
    upcoming = cadence.next_meeting(utc(now) - MEETING_GRACE + timedelta(seconds=1), tz)
    if found is None:
        assert utc(post_moment(upcoming, lead, tz)) > utc(now)
    else:
        assert utc(found) == utc(upcoming)
        assert utc(post_moment(found, lead, tz)) <= utc(now) < utc(found) + MEETING_GRACE
