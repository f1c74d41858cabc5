"""One rule for missing, due and late values: periods owed, and when each becomes late."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cadence import parse_period
from core.due import HORIZON, Owed, finished_periods, is_late, late_at, owed, summary
from core.kinds import Cadence
from core.schedule import ReminderRules, WorkingTime

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
RULES = ReminderRules()  # 10:00, one follow-up a day later, late the day after that
NY_WORK = WorkingTime(NEW_YORK)


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def wall(*parts: int) -> tuple[int, ...]:
    return parts


def keys(found: list[Owed]) -> list[tuple[str, str]]:
    return [(o.period.key, o.state) for o in found]


@pytest.mark.parametrize(
    ("now", "answered", "expected"),
    [
        # Monday 09:00, before the 10:00 reminder: last week is due, not late
        (ny(30, 9), {"2026-W47"}, [("2026-W48", "due")]),
        # the first reminder and the follow-up went out: still only due
        (ny(30, 10), {"2026-W47"}, [("2026-W48", "due")]),
        (ny(2, 9, 59, month=12), {"2026-W47"}, [("2026-W48", "due")]),
        # the reminders ran out unanswered at Wednesday 10:00 (the planner's late step)
        (ny(2, 10, month=12), {"2026-W47"}, [("2026-W48", "late")]),
        # two weeks without a value: the older is late, the newer due, oldest first
        (ny(7, 9, month=12), {"2026-W47"}, [("2026-W48", "late"), ("2026-W49", "due")]),
        # a value (or a skip) answers a period
        (ny(7, 9, month=12), {"2026-W47", "2026-W48"}, [("2026-W49", "due")]),
        # Sunday evening: week 48 is still running, nothing finished is missing
        (ny(29, 23, 59), {"2026-W47"}, []),
    ],
)
def test_weekly_periods_owed(
    now: datetime, answered: set[str], expected: list[tuple[str, str]]
) -> None:
    created = ny(10, 9)  # week 46: weeks 46 and 47 are owed too unless answered
    answered = answered | {"2026-W46"}
    assert keys(owed(Cadence.WEEKLY, NEW_YORK, created, answered, NY_WORK, RULES, now)) == expected


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (ny(25, 14), ["2026-W48"]),  # created mid-week: that week is owed (the planner agrees)
        (ny(29, 22), ["2026-W48"]),  # Sunday night New York is Monday in UTC: still week 48
        (ny(30, 8), []),  # created in week 49: nothing finished yet
        (ny(18, 9), ["2026-W47", "2026-W48"]),
    ],
)
def test_a_kpi_created_mid_period_owes_that_period(created: datetime, expected: list[str]) -> None:
    now = ny(30, 9)
    found = owed(Cadence.WEEKLY, NEW_YORK, created, set(), NY_WORK, RULES, now)
    assert [o.period.key for o in found] == expected


@pytest.mark.parametrize(
    ("week", "tz", "local_late", "utc_late"),
    [
        # US DST ended Sun 1 Nov 2026: week 44 closes in EDT-then-EST, late Wed 10:00 EST
        ("2026-W44", NEW_YORK, wall(2026, 11, 4, 10, 0), wall(2026, 11, 4, 15, 0)),
        ("2026-W43", NEW_YORK, wall(2026, 10, 28, 10, 0), wall(2026, 10, 28, 14, 0)),
        # Berlin's clocks went forward Sun 29 Mar 2026: week 13 closes at 22:00 UTC
        ("2026-W13", BERLIN, wall(2026, 4, 1, 10, 0), wall(2026, 4, 1, 8, 0)),
        ("2026-W12", BERLIN, wall(2026, 3, 25, 10, 0), wall(2026, 3, 25, 9, 0)),
    ],
)
def test_late_keeps_the_local_reminder_time_across_dst(
    week: str, tz: ZoneInfo, local_late: tuple[int, ...], utc_late: tuple[int, ...]
) -> None:
    moment = late_at(parse_period(Cadence.WEEKLY, week), tz, WorkingTime(tz), RULES)
    local, utc = moment.astimezone(tz), moment.astimezone(UTC)
    assert (local.year, local.month, local.day, local.hour, local.minute) == local_late
    assert (utc.year, utc.month, utc.day, utc.hour, utc.minute) == utc_late


def test_late_follows_the_team_rules_and_working_days() -> None:
    week = parse_period(Cadence.WEEKLY, "2026-W48")
    three = ReminderRules(reminder_time=time(9), max_reminders=3)
    assert late_at(week, NEW_YORK, NY_WORK, three) == ny(3, 9, month=12)  # Thursday 09:00
    friday_only = WorkingTime(NEW_YORK, days=frozenset({4}))  # reminders on Fridays only
    # follow-ups open at the start of the next working day: Friday 4 Dec, 11 Dec 09:00, 18 Dec
    assert late_at(week, NEW_YORK, friday_only, RULES) == ny(18, 9, month=12)
    hourly = ReminderRules(follow_up_after=timedelta(hours=2))
    assert late_at(week, NEW_YORK, NY_WORK, hourly) == ny(30, 14)


def test_an_owner_away_without_a_delegate_is_never_late() -> None:
    now = ny(14, 9, month=12)
    found = owed(Cadence.WEEKLY, NEW_YORK, LONG_AGO, set(), NY_WORK, RULES, now, away=True)
    assert found and all(o.state == "due" for o in found)
    week = parse_period(Cadence.WEEKLY, "2026-W48")
    assert not is_late(week, NEW_YORK, NY_WORK, RULES, now, away=True)
    assert is_late(week, NEW_YORK, NY_WORK, RULES, now)


def test_daily_periods_skip_days_off_and_the_horizon_caps_the_look_back() -> None:
    now = ny(7, 9, month=12)  # Monday
    found = owed(Cadence.DAILY, NEW_YORK, LONG_AGO, set(), NY_WORK, RULES, now)
    assert all(o.period.start.weekday() < 5 for o in found)
    assert found[-1].period.key == "2026-12-04"  # Friday; the weekend is not owed
    weekly = finished_periods(Cadence.WEEKLY, NEW_YORK, LONG_AGO, now)
    assert len(weekly) == HORIZON and weekly[-1].key == "2026-W49"


def test_monthly_november_is_due_on_the_first_morning() -> None:
    created = ny(15, 9, month=10)
    found = owed(Cadence.MONTHLY, NEW_YORK, created, set(), NY_WORK, RULES, ny(1, 9, month=12))
    assert keys(found) == [("2026-10", "late"), ("2026-11", "due")]


def test_naive_moments_are_refused() -> None:
    naive = ny(1, 9).replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        finished_periods(Cadence.WEEKLY, NEW_YORK, naive, ny(1, 9))


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], "up to date"),
        ([("2026-W48", False)], "week 48 (23-29 Nov 2026) is due"),
        (
            [("2026-W47", True), ("2026-W48", True), ("2026-W49", False)],
            "week 47 (16-22 Nov 2026), week 48 (23-29 Nov 2026) are late; "
            "week 49 (30 Nov-6 Dec 2026) is due",
        ),
        (
            [(f"2026-W{n}", True) for n in range(40, 45)],
            "week 40 (28 Sep-4 Oct 2026), week 41 (5-11 Oct 2026), week 42 (12-18 Oct 2026) "
            "and 2 more are late",
        ),
    ],
)
def test_summary_reads_oldest_first(states: list[Any], expected: str) -> None:
    periods = [Owed(parse_period(Cadence.WEEKLY, k), ny(1, 0), late) for k, late in states]
    assert summary(periods) == expected


@settings(max_examples=60, deadline=None)
@given(
    hours=st.integers(min_value=0, max_value=24 * 60),
    cadence=st.sampled_from(list(Cadence)),
    tz=st.sampled_from([NEW_YORK, BERLIN, ZoneInfo("Asia/Kolkata")]),
)
def test_late_exactly_when_the_schedule_ran_out(hours: int, cadence: Cadence, tz: ZoneInfo) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hours * 7)
    work = WorkingTime(tz)
    for found in owed(cadence, tz, LONG_AGO, set(), work, RULES, now):
        closed = found.period.due_at(tz)
        assert closed <= now and found.late_at > closed  # due once closed, late only later
        assert found.late == (now >= found.late_at)
