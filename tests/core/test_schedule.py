"""Reminder moments: in the recipient's timezone and working hours, once, across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cadence import local_datetime, period_containing
from core.kinds import Cadence
from core.schedule import (
    RUN_GRACE,
    Catch,
    ReminderRules,
    Snooze,
    WorkingTime,
    catch_up,
    first_reminder,
    next_step,
    schedule,
    snooze_until,
    wall_clock_add,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
HONOLULU = ZoneInfo("Pacific/Honolulu")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
EVERY_DAY = frozenset(range(7))
RULES = ReminderRules()


def at(tz: ZoneInfo, y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return local_datetime(date(y, mo, d), time(h, mi), tz)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def closes(cadence: Cadence, day: date, tz: ZoneInfo) -> datetime:
    return period_containing(cadence, day).due_at(tz)


# --- the schedule of one period ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "cadence", "day", "team_tz", "work", "expected"),
    [
        (
            "weekly, owner in the team's zone: Monday, Tuesday, then late Wednesday at 10:00",
            Cadence.WEEKLY, date(2026, 11, 26), NEW_YORK, WorkingTime(NEW_YORK),
            [at(NEW_YORK, 2026, 11, 30, 10), at(NEW_YORK, 2026, 12, 1, 10),
             at(NEW_YORK, 2026, 12, 2, 10)],
        ),
        (
            "owner far east: the period closes at 14:00 their time, so that is the reminder",
            Cadence.WEEKLY, date(2026, 11, 26), NEW_YORK, WorkingTime(TOKYO),
            [at(TOKYO, 2026, 11, 30, 14), at(TOKYO, 2026, 12, 1, 14), at(TOKYO, 2026, 12, 2, 14)],
        ),
        (
            "owner further east: closes at 17:00 their time, after hours, so Tuesday 10:00",
            Cadence.WEEKLY, date(2026, 11, 26), LOS_ANGELES, WorkingTime(TOKYO),
            [at(TOKYO, 2026, 12, 1, 10), at(TOKYO, 2026, 12, 2, 10), at(TOKYO, 2026, 12, 3, 10)],
        ),
        (
            "owner west: closes on their Sunday, so Monday at 10:00",
            Cadence.WEEKLY, date(2026, 11, 26), BERLIN, WorkingTime(HONOLULU),
            [at(HONOLULU, 2026, 11, 30, 10), at(HONOLULU, 2026, 12, 1, 10),
             at(HONOLULU, 2026, 12, 2, 10)],
        ),
        (
            "Friday's follow-up skips the weekend to Monday's opening",
            Cadence.DAILY, date(2026, 11, 26), NEW_YORK, WorkingTime(NEW_YORK),
            [at(NEW_YORK, 2026, 11, 27, 10), at(NEW_YORK, 2026, 11, 30, 9),
             at(NEW_YORK, 2026, 12, 1, 9)],
        ),
        (
            "monthly: October closes on Sunday 1 November, the day New York leaves DST",
            Cadence.MONTHLY, date(2026, 10, 15), NEW_YORK, WorkingTime(NEW_YORK),
            [at(NEW_YORK, 2026, 11, 2, 10), at(NEW_YORK, 2026, 11, 3, 10),
             at(NEW_YORK, 2026, 11, 4, 10)],
        ),
        (
            "a Sunday-to-Thursday team",
            Cadence.WEEKLY, date(2026, 11, 26), TOKYO,
            WorkingTime(TOKYO, days=frozenset({6, 0, 1, 2, 3})),
            [at(TOKYO, 2026, 11, 30, 10), at(TOKYO, 2026, 12, 1, 10), at(TOKYO, 2026, 12, 2, 10)],
        ),
    ],
)  # fmt: skip
def test_schedule_table(case, cadence, day, team_tz, work, expected):
    moments = schedule(closes(cadence, day, team_tz), work, RULES)

    assert [utc(m) for m in moments] == [utc(e) for e in expected], case
    assert all(m.tzinfo is work.tz for m in moments)


@pytest.mark.parametrize(
    ("case", "tz", "first", "expected_next"),
    [
        ("spring forward: 24 wall-clock hours are 23 real ones",
         NEW_YORK, at(NEW_YORK, 2026, 3, 7, 10), at(NEW_YORK, 2026, 3, 8, 10)),
        ("fall back: 24 wall-clock hours are 25 real ones",
         NEW_YORK, at(NEW_YORK, 2026, 10, 31, 10), at(NEW_YORK, 2026, 11, 1, 10)),
        ("Berlin spring forward",
         BERLIN, at(BERLIN, 2026, 3, 28, 10), at(BERLIN, 2026, 3, 29, 10)),
        ("Lord Howe moves by half an hour",
         LORD_HOWE, at(LORD_HOWE, 2026, 4, 4, 10), at(LORD_HOWE, 2026, 4, 5, 10)),
    ],
)  # fmt: skip
def test_follow_ups_keep_the_local_time_across_dst(case, tz, first, expected_next):
    work = WorkingTime(tz, days=EVERY_DAY)
    following = next_step(first, work, RULES)

    assert utc(following) == utc(expected_next), case
    assert following.astimezone(tz).time() == time(10)


def test_a_reminder_time_in_a_dst_gap_moves_forward_by_the_jump() -> None:
    work = WorkingTime(NEW_YORK, start=time(0), end=time(23, 59), days=EVERY_DAY)
    rules = ReminderRules(reminder_time=time(2, 30))
    # the daily period of Saturday 7 March closes at midnight; 02:30 on the 8th does not exist
    moment = first_reminder(closes(Cadence.DAILY, date(2026, 3, 7), NEW_YORK), work, rules)

    assert moment.astimezone(NEW_YORK).time() == time(3, 30)
    assert utc(moment) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_a_reminder_time_in_a_repeated_hour_is_its_first_occurrence() -> None:
    work = WorkingTime(NEW_YORK, start=time(0), end=time(23, 59), days=EVERY_DAY)
    rules = ReminderRules(reminder_time=time(1, 30))
    moment = first_reminder(closes(Cadence.DAILY, date(2026, 10, 31), NEW_YORK), work, rules)

    assert utc(moment) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


def test_a_reminder_time_outside_working_hours_is_the_start_of_them() -> None:
    rules = ReminderRules(reminder_time=time(7))
    moment = first_reminder(at(NEW_YORK, 2026, 11, 30, 0), WorkingTime(NEW_YORK), rules)

    assert utc(moment) == utc(at(NEW_YORK, 2026, 11, 30, 9))


def test_more_reminders_mean_more_steps() -> None:
    rules = ReminderRules(max_reminders=4, follow_up_after=timedelta(hours=3))
    moments = schedule(at(NEW_YORK, 2026, 11, 30, 0), WorkingTime(NEW_YORK), rules)

    assert [m.astimezone(NEW_YORK).strftime("%a %H:%M") for m in moments] == [
        "Mon 10:00", "Mon 13:00", "Mon 16:00", "Tue 09:00", "Tue 12:00",
    ]  # fmt: skip
    assert rules.is_late_step(5) and not rules.is_late_step(4)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="end after they start"):
        WorkingTime(NEW_YORK, start=time(17), end=time(9))
    with pytest.raises(ValueError, match="weekday numbers"):
        WorkingTime(NEW_YORK, days=frozenset())
    with pytest.raises(ValueError, match="positive delay"):
        ReminderRules(follow_up_after=timedelta(0))
    with pytest.raises(ValueError, match="at least one reminder"):
        ReminderRules(max_reminders=0)
    with pytest.raises(ValueError, match="naive"):
        first_reminder(datetime(2026, 11, 30), WorkingTime(NEW_YORK), RULES)  # noqa: DTZ001


# --- catching up and snoozing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "late_by", "now_local", "expected"),
    [
        ("not yet", timedelta(minutes=-1), (2026, 11, 30, 9, 59), Catch.WAIT),
        ("on time", timedelta(0), (2026, 11, 30, 10, 0), Catch.SEND),
        ("a slow tick, even after hours", RUN_GRACE, (2026, 11, 30, 17, 10), Catch.SEND),
        ("back after a short outage, in hours", timedelta(hours=5), (2026, 11, 30, 15), Catch.SEND),
        ("back in the evening: not at night", timedelta(hours=9), (2026, 11, 30, 19), Catch.SKIP),
        ("back the next day: too stale", timedelta(hours=25), (2026, 12, 1, 11), Catch.SKIP),
    ],
)  # fmt: skip
def test_catch_up_table(case, late_by, now_local, expected):
    now = at(NEW_YORK, *now_local)
    moment = now - late_by
    assert catch_up(moment, now, WorkingTime(NEW_YORK), RULES) is expected, case


@pytest.mark.parametrize(
    ("case", "choice", "now_local", "expected_local"),
    [
        ("later today", Snooze.LATER, (2026, 11, 30, 11, 0), (2026, 11, 30, 14, 0)),
        ("later today, but the day ends first", Snooze.LATER, (2026, 11, 30, 15), (2026, 12, 1, 9)),
        ("tomorrow morning", Snooze.TOMORROW, (2026, 11, 30, 11), (2026, 12, 1, 9)),
        ("tomorrow morning, on a Friday", Snooze.TOMORROW, (2026, 12, 4, 16), (2026, 12, 7, 9)),
    ],
)  # fmt: skip
def test_snooze_table(case, choice, now_local, expected_local):
    moment = snooze_until(choice, at(NEW_YORK, *now_local), WorkingTime(NEW_YORK), RULES)
    assert utc(moment) == utc(at(NEW_YORK, *expected_local)), case


# --- properties, across many zones and DST changes -------------------------------------------

ZONES = [
    "UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Lord_Howe",
    "America/Santiago", "America/Havana", "Pacific/Chatham", "Asia/Kolkata", "Pacific/Apia",
]  # fmt: skip
zones = st.sampled_from(ZONES).map(ZoneInfo)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
hours = st.tuples(st.integers(0, 22), st.integers(1, 12)).map(
    lambda pair: (
        time(pair[0]),
        time(min(23, pair[0] + pair[1]), 59 if pair[0] + pair[1] > 23 else 0),
    )
)
workdays = st.sets(st.integers(0, 6), min_size=1).map(frozenset)
rules = st.builds(
    ReminderRules,
    reminder_time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    follow_up_after=st.integers(30, 72 * 60).map(lambda m: timedelta(minutes=m)),
    max_reminders=st.integers(1, 4),
)
fast = settings(max_examples=300, deadline=None)
instants = st.integers(0, 40 * 365 * 86400).map(
    lambda seconds: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
)


@fast
@given(
    cadence=st.sampled_from(list(Cadence)),
    day=days,
    team_tz=zones,
    owner_tz=zones,
    span=hours,
    days_on=workdays,
    chosen=rules,
)
def test_every_step_is_in_working_time_after_the_close_and_in_order(
    cadence, day, team_tz, owner_tz, span, days_on, chosen
):
    work = WorkingTime(owner_tz, start=span[0], end=span[1], days=days_on)
    closing = closes(cadence, day, team_tz)
    moments = schedule(closing, work, chosen)

    assert len(moments) == chosen.steps
    assert utc(moments[0]) >= utc(closing)
    for moment in moments:
        assert work.contains(moment)
        assert work.next_open(moment) == moment
    for before, after in itertools.pairwise(moments):
        assert utc(after) > utc(before)
        # never sooner than the delay, give or take a DST jump (at most two hours)
        assert utc(after) - utc(before) >= chosen.follow_up_after - timedelta(hours=2)


@fast
@given(day=days, tz=zones, span=hours, days_on=workdays, chosen=rules)
def test_the_first_reminder_is_at_the_reminder_time_whenever_it_can_be(
    day, tz, span, days_on, chosen
):
    work = WorkingTime(tz, start=span[0], end=span[1], days=days_on)
    closing = local_datetime(day, time(0), tz)
    first = first_reminder(closing, work, chosen)
    wanted = chosen.reminder_time if span[0] <= chosen.reminder_time < span[1] else span[0]
    local = first.astimezone(tz)

    # Either the wall clock reads the reminder time, or that time did not exist that day (a
    # DST gap moved it), or the period closed later that day than the reminder time.
    intended = local_datetime(local.date(), wanted, tz)
    assert (
        local.time() == wanted
        or (intended.date(), intended.time()) != (local.date(), wanted)
        or utc(first) == utc(closing)
        or utc(first) == utc(work.window(local.date())[0])
    )
    # and no working day between the close and the reminder was passed over
    for offset in range((local.date() - closing.astimezone(tz).date()).days):
        skipped = closing.astimezone(tz).date() + timedelta(days=offset)
        if skipped.weekday() in days_on:
            opens, ends = work.window(skipped)
            candidate = max(local_datetime(skipped, wanted, tz), opens, closing, key=utc)
            assert utc(candidate) >= utc(ends)


@fast
@given(moment=instants,
       tz=zones, minutes=st.integers(1, 5000))  # fmt: skip
def test_wall_clock_add_moves_the_wall_clock(moment, tz, minutes):
    start = moment.astimezone(tz)
    later = wall_clock_add(start, timedelta(minutes=minutes), tz)

    assert utc(later) > utc(start) or minutes < 180  # a DST jump back can eat a short delay
    expected_wall = start.replace(tzinfo=None) + timedelta(minutes=minutes)
    resolved = local_datetime(expected_wall.date(), expected_wall.time(), tz)
    assert utc(later) == utc(resolved)


@fast
@given(moment=instants,
       late_by=st.integers(-3000, 3000), tz=zones, chosen=rules)  # fmt: skip
def test_catch_up_sends_recent_steps_and_never_ones_older_than_the_window(
    moment, late_by, tz, chosen
):
    work = WorkingTime(tz)
    step = moment
    now = step + timedelta(minutes=late_by)
    decision = catch_up(step, now, work, chosen)

    if late_by < 0:
        assert decision is Catch.WAIT
    elif timedelta(minutes=late_by) <= RUN_GRACE:
        assert decision is Catch.SEND
    elif timedelta(minutes=late_by) > chosen.catch_up:
        assert decision is Catch.SKIP
    else:
        assert (decision is Catch.SEND) == work.contains(now)
