"""When to nudge a KPI's owner: reminder moments in the recipient's own time and working hours.

Everything here is pure: moments are timezone-aware instants, and ``now`` is passed in.

Working time (:class:`WorkingTime`). A person works ``start`` to ``end`` (local wall clock,
start included, end excluded) on ``days`` (Monday is 0) in their own timezone. Wall times are
turned into instants with :func:`core.cadence.local_datetime`, so a DST gap moves a time
forward by the jump and a repeated hour counts once (its first occurrence).
:meth:`WorkingTime.next_open` is the earliest instant at or after a moment inside working time.

The schedule of one KPI period (:func:`schedule`) is a chain of steps:

1. **First reminder.** A period is due when it closes (``Period.due_at`` in the timezone the
   team's periods are cut in). The first reminder is at ``reminder_time`` on the recipient's
   first working day on or after the local date the period closed, but never before it closed:
   if it closes later that day (a recipient far east of the team) the reminder goes at the
   closing instant when that is inside working hours, else on the next working day. A
   ``reminder_time`` outside working hours counts as the start of working hours.
2. **Follow-ups.** Each further step comes ``follow_up_after`` after the previous one, counted
   on the recipient's local wall clock (a one-day delay keeps the time of day across a DST
   change), then moved to :meth:`WorkingTime.next_open`.
3. **Late.** After ``max_reminders`` reminders, the next step (computed like a follow-up) is
   the moment the period counts as late and the team lead is told.

A snooze replaces the next step's moment with the snooze moment (:func:`snooze_until`); the
chain continues from there.

Catch-up (:func:`catch_up`): a run finds a step whose moment has passed and decides

* ``SEND`` if it passed at most :data:`RUN_GRACE` ago (the normal case: the scheduler ticks
  every minute), or at most ``catch_up`` ago while the recipient is inside working time;
* ``SKIP`` otherwise: the step is too stale to matter. It is not sent, and the chain moves on
  to the next step, so after downtime a recipient gets at most one message per KPI period and
  nothing older than the catch-up window, never a burst of missed reminders at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.cadence import local_datetime

RUN_GRACE = timedelta(minutes=15)
"""A step is sent whatever the hour if the run finds it this soon after its moment."""

_ONE_DAY = timedelta(days=1)
_MAX_DAYS_SEARCHED = 15  # a week, plus room for dates a timezone skipped entirely


class Catch(StrEnum):
    WAIT = "wait"  # the moment has not come yet
    SEND = "send"
    SKIP = "skip"  # missed by more than the catch-up window: too stale to matter


@dataclass(frozen=True)
class WorkingTime:
    """When a person may be nudged: ``start``-``end`` on ``days``, in their timezone ``tz``."""

    tz: ZoneInfo
    start: time = time(9)
    end: time = time(17)
    days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(
                f"working hours must end after they start, got {self.start}-{self.end}"
            )
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"working days must be weekday numbers 0-6, got {sorted(self.days)}")

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The instants working hours open and close on ``day``."""
        return local_datetime(day, self.start, self.tz), local_datetime(day, self.end, self.tz)

    def contains(self, moment: datetime) -> bool:
        _require_aware(moment)
        day = moment.astimezone(self.tz).date()
        if day.weekday() not in self.days:
            return False
        opens, closes = self.window(day)
        return _utc(opens) <= _utc(moment) < _utc(closes)

    def next_open(self, moment: datetime) -> datetime:
        """The earliest instant at or after ``moment`` inside working time."""
        return self._first_fit(moment, self.start)

    def _first_fit(self, not_before: datetime, at: time) -> datetime:
        """The earliest ``at`` (or later, never before ``not_before``) in working time."""
        _require_aware(not_before)
        at = at if self.start <= at < self.end else self.start
        day = not_before.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS_SEARCHED):
            if day.weekday() in self.days:
                opens, closes = self.window(day)
                candidate = max(local_datetime(day, at, self.tz), opens, not_before, key=_utc)
                if _utc(candidate) < _utc(closes):
                    return candidate.astimezone(self.tz)
            day += _ONE_DAY
        raise AssertionError(f"no working time within {_MAX_DAYS_SEARCHED} days of {not_before}")


@dataclass(frozen=True)
class ReminderRules:
    """How a team nudges: the local reminder time, follow-ups, and when a period is late."""

    reminder_time: time = time(10)
    follow_up_after: timedelta = timedelta(days=1)
    max_reminders: int = 2
    catch_up: timedelta = timedelta(hours=12)
    snooze_later: timedelta = timedelta(hours=3)

    def __post_init__(self) -> None:
        if self.follow_up_after <= timedelta(0):
            raise ValueError(f"follow-ups need a positive delay, got {self.follow_up_after}")
        if self.max_reminders < 1:
            raise ValueError(f"at least one reminder is sent, got max {self.max_reminders}")
        if self.catch_up < timedelta(0) or self.snooze_later <= timedelta(0):
            raise ValueError("catch_up must be 0 or more and snooze_later positive")

    @property
    def steps(self) -> int:
        """Reminders plus the late step."""
        return self.max_reminders + 1

    def is_late_step(self, step: int) -> bool:
        return step > self.max_reminders


def first_reminder(closes_at: datetime, work: WorkingTime, rules: ReminderRules) -> datetime:
    """Step 1: ``reminder_time`` on the first working day on or after the period closed."""
    return work._first_fit(closes_at, rules.reminder_time)


def next_step(previous: datetime, work: WorkingTime, rules: ReminderRules) -> datetime:
    """The step after one at ``previous``: the delay on the local wall clock, in working time."""
    return work.next_open(wall_clock_add(previous, rules.follow_up_after, work.tz))


def schedule(closes_at: datetime, work: WorkingTime, rules: ReminderRules) -> list[datetime]:
    """Every step of a period without snoozes: ``max_reminders`` reminders, then late."""
    moments = [first_reminder(closes_at, work, rules)]
    while len(moments) < rules.steps:
        moments.append(next_step(moments[-1], work, rules))
    return moments


def catch_up(moment: datetime, now: datetime, work: WorkingTime, rules: ReminderRules) -> Catch:
    """What a run at ``now`` does with a step due at ``moment`` (see the module docstring)."""
    _require_aware(moment, now)
    late_by = _utc(now) - _utc(moment)
    if late_by < timedelta(0):
        return Catch.WAIT
    if late_by <= RUN_GRACE or (late_by <= rules.catch_up and work.contains(now)):
        return Catch.SEND
    return Catch.SKIP


class Snooze(StrEnum):
    LATER = "later"  # later today
    TOMORROW = "tomorrow"  # tomorrow morning


def snooze_until(
    choice: Snooze, now: datetime, work: WorkingTime, rules: ReminderRules
) -> datetime:
    """When a snoozed reminder comes back.

    "Later today" is ``snooze_later`` from now, moved into working time (so late in the day it
    becomes the next working morning); "tomorrow morning" is the start of working hours on the
    first working day after today.
    """
    _require_aware(now)
    if choice is Snooze.LATER:
        return work.next_open(wall_clock_add(now, rules.snooze_later, work.tz))
    tomorrow = now.astimezone(work.tz).date() + _ONE_DAY
    return work.next_open(local_datetime(tomorrow, time(0), work.tz))


def wall_clock_add(moment: datetime, delay: timedelta, tz: ZoneInfo) -> datetime:
    """``moment`` plus ``delay`` as a wall clock in ``tz`` reads it (DST rule of local_datetime)."""
    _require_aware(moment)
    local = moment.astimezone(tz).replace(tzinfo=None) + delay
    return local_datetime(local.date(), local.time(), tz)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
