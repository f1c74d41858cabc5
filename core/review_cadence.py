"""When a team's review meetings are, and when kpibot posts each review thread.

A team's rhythm (:class:`ReviewCadence`) is one of

* every week, or every N weeks, on a weekday at a local time: ``weekly tue 10:00``,
  ``every 2 weeks tue 10:00 from 2026-12-01``. Meetings fall in the weeks N apart counted from
  the week of the ``from`` date (a date typed without one means the first such weekday from
  the day it was set);
* once a month on the first, second, third, fourth or last weekday of the month:
  ``monthly first mon 10:00``, ``monthly last fri 16:00``.

People type it loosely (:func:`parse_review_cadence` reads "every other Tuesday at 10am" and
"the first Monday of the month 9:30"); :attr:`ReviewCadence.text` is the canonical form that is
stored and reads back to the same rhythm.

Meetings are wall times in the team's timezone, resolved with
:func:`core.cadence.local_datetime`: a time in a DST gap moves forward by the jump, a repeated
time means its first occurrence, so each meeting day has exactly one meeting instant.

Posting (:func:`post_moment`, :func:`due_meeting`): the thread is posted ``lead`` before the
meeting, counted on the team's wall clock (24 h before Tuesday 10:00 is Monday 10:00, even
across a DST change). A run posts the meeting whose post moment has come, until
:data:`MEETING_GRACE` after the meeting started; a run that finds no such meeting posts nothing
(after a long outage a review of a meeting long past is of no use). ``lead`` is at most
:data:`MAX_LEAD`, so no two meetings are ever due at once.

Everything is pure: ``now`` and dates are passed in; datetimes must be timezone-aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.cadence import local_datetime

T = TypeVar("T")

MEETING_GRACE = timedelta(hours=1)
MAX_LEAD = timedelta(days=6)
DEFAULT_LEAD = timedelta(hours=24)
MAX_EVERY = 8

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_ORDINAL_WORDS = {
    **{word: n for n, word in ORDINALS.items()},
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "final": -1,
}
_WEEKDAY_WORDS = {
    **{form: n for n, name in enumerate(WEEKDAYS) for form in (name, name + "s", name[:3])},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_FILLER = frozenset(
    {"every", "each", "on", "at", "of", "the", "month", "a", "in", "and", "meeting", "review"}
)
_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
EXAMPLES = "`weekly tue 10:00`, `every other tue 10:00`, `first mon 10:00` or `last fri 16:00`"
_ONE_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


class CadenceError(ValueError):
    """A rhythm that cannot be read; the message says why and shows what works."""


@dataclass(frozen=True)
class ReviewCadence:
    weekday: int  # Monday 0
    at: time  # local wall time
    every: int = 1  # weeks between meetings (weekly rhythms)
    anchor: date | None = None  # the first meeting day of an every-N-weeks rhythm
    nth: int | None = None  # monthly: 1-4, or -1 for the last; None for weekly rhythms

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CadenceError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.at.tzinfo is not None:
            raise CadenceError("a meeting time is a wall-clock time, without a zone")
        if not 1 <= self.every <= MAX_EVERY:
            raise CadenceError(f"meetings can be 1 to {MAX_EVERY} weeks apart, not {self.every}")
        if self.nth is not None:
            if self.nth not in ORDINALS:
                raise CadenceError(f"the weekday of the month must be 1-4 or -1, not {self.nth}")
            if self.every != 1 or self.anchor is not None:
                raise CadenceError("a monthly rhythm has no week interval or start date")
        elif self.every > 1:
            if self.anchor is None:
                raise CadenceError("a rhythm of several weeks needs the date of a first meeting")
            if self.anchor.weekday() != self.weekday:
                day = WEEKDAYS[self.weekday].capitalize()
                raise CadenceError(f"{self.anchor.isoformat()} is not a {day}")
        elif self.anchor is not None:
            raise CadenceError("a weekly rhythm needs no start date")

    @property
    def monthly(self) -> bool:
        return self.nth is not None

    @property
    def text(self) -> str:
        """The canonical form, e.g. ``every 2 weeks tue 10:00 from 2026-12-01``."""
        day, clock = WEEKDAYS[self.weekday][:3], f"{self.at:%H:%M}"
        if self.nth is not None:
            return f"monthly {ORDINALS[self.nth]} {day} {clock}"
        if self.every == 1:
            return f"weekly {day} {clock}"
        assert self.anchor is not None
        return f"every {self.every} weeks {day} {clock} from {self.anchor.isoformat()}"

    @property
    def label(self) -> str:
        """How the rhythm reads in a message, e.g. ``every other Tuesday at 10:00``."""
        day, clock = WEEKDAYS[self.weekday].capitalize(), f"{self.at:%H:%M}"
        if self.nth is not None:
            return f"the {ORDINALS[self.nth]} {day} of every month at {clock}"
        if self.every == 1:
            return f"every {day} at {clock}"
        assert self.anchor is not None
        every = "every other" if self.every == 2 else f"every {self.every} weeks on"
        return f"{every} {day} at {clock} (from {self.anchor.isoformat()})"

    # --- meeting days ---------------------------------------------------------------------------

    def is_meeting_day(self, day: date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.nth is not None:
            return _nth_weekday(day.year, day.month, self.weekday, self.nth) == day
        if self.every == 1:
            return True
        assert self.anchor is not None
        return ((day - self.anchor).days // 7) % self.every == 0

    def day_on_or_after(self, day: date) -> date:
        """The first meeting day on or after ``day``."""
        if self.nth is not None:
            month_start = day.replace(day=1)
            for _ in range(3):
                found = _nth_weekday(month_start.year, month_start.month, self.weekday, self.nth)
                if found >= day:
                    return found
                month_start = (month_start + timedelta(days=32)).replace(day=1)
            raise AssertionError("a month always has the weekday asked for")
        candidate = day + timedelta(days=(self.weekday - day.weekday()) % 7)
        while not self.is_meeting_day(candidate):
            candidate += _WEEK
        return candidate

    def day_on_or_before(self, day: date) -> date:
        """The last meeting day on or before ``day``."""
        if self.nth is not None:
            month_start = day.replace(day=1)
            for _ in range(3):
                found = _nth_weekday(month_start.year, month_start.month, self.weekday, self.nth)
                if found <= day:
                    return found
                month_start = (month_start - _ONE_DAY).replace(day=1)
            raise AssertionError("a month always has the weekday asked for")
        candidate = day - timedelta(days=(day.weekday() - self.weekday) % 7)
        while not self.is_meeting_day(candidate):
            candidate -= _WEEK
        return candidate

    # --- meeting instants ----------------------------------------------------------------------

    def meeting_on(self, day: date, tz: ZoneInfo) -> datetime:
        """The instant of the meeting on ``day`` (which must be a meeting day)."""
        return local_datetime(day, self.at, tz)

    def meeting_day(self, meeting: datetime, tz: ZoneInfo) -> date:
        """The meeting day a meeting instant belongs to: its local date, except where a whole
        day was skipped (Pacific/Apia's 2011-12-30) and the meeting moved to the next one."""
        return self.day_on_or_before(meeting.astimezone(tz).date())

    def next_meeting(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The first meeting at or after ``now``."""
        _require_aware(now)
        day = self.day_on_or_after(now.astimezone(tz).date())
        moment = self.meeting_on(day, tz)
        if _utc(moment) < _utc(now):
            moment = self.meeting_on(self.day_on_or_after(day + _ONE_DAY), tz)
        return moment

    def previous_meeting(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The last meeting before ``now``."""
        _require_aware(now)
        day = self.day_on_or_before(now.astimezone(tz).date())
        moment = self.meeting_on(day, tz)
        if _utc(moment) >= _utc(now):
            moment = self.meeting_on(self.day_on_or_before(day - _ONE_DAY), tz)
        return moment


def post_moment(meeting: datetime, lead: timedelta, tz: ZoneInfo) -> datetime:
    """When the thread for ``meeting`` is posted: ``lead`` earlier on the team's wall clock."""
    _require_aware(meeting)
    local = meeting.astimezone(tz).replace(tzinfo=None) - lead
    return local_datetime(local.date(), local.time(), tz)


def due_meeting(
    cadence: ReviewCadence,
    now: datetime,
    tz: ZoneInfo,
    lead: timedelta = DEFAULT_LEAD,
    grace: timedelta = MEETING_GRACE,
) -> datetime | None:
    """The meeting whose thread a run at ``now`` posts, if any (see the module docstring)."""
    check_lead(lead)
    meeting = cadence.next_meeting(_utc(now) - grace, tz)
    if _utc(meeting) + grace <= _utc(now):  # exactly at the end of the grace
        meeting = cadence.next_meeting(_utc(meeting) + timedelta(seconds=1), tz)
    return meeting if _utc(post_moment(meeting, lead, tz)) <= _utc(now) else None


def review_lead_hours(text: str) -> int:
    """``24h``, ``2d``, ``36`` (hours) as whole hours before a meeting, within MAX_LEAD."""
    found = re.fullmatch(r"(\d{1,3})\s*(h|hours?|d|days?)?", text.strip().lower())
    if found is None:
        raise CadenceError(f"'{text.strip()}' is not a lead time; like 24h or 2d")
    hours = int(found[1]) * (24 if (found[2] or "h").startswith("d") else 1)
    check_lead(timedelta(hours=hours))
    return hours


def check_lead(lead: timedelta) -> None:
    if not timedelta(0) <= lead <= MAX_LEAD:
        raise CadenceError(
            f"a review is posted between 0 and {MAX_LEAD.days * 24} hours before the meeting"
        )


# --- reading what people type --------------------------------------------------------------------


def parse_review_cadence(text: str, *, today: date | None) -> ReviewCadence:
    """Read a rhythm as people type it; ``today`` starts an every-N-weeks rhythm without a date
    (None: such a rhythm must say ``from DATE``, as in a config file read again later).

    Raises CadenceError with what was wrong and examples of what works.
    """
    words = text.lower().replace(",", " ").split()
    weekday: int | None = None
    at: time | None = None
    every: int | None = None
    nth: int | None = None
    monthly = False
    anchor: date | None = None
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in ("from", "starting", "start") and _ISO.fullmatch(following):
            anchor = _date(following)
            i += 2
            continue
        if _ISO.fullmatch(word):
            anchor = _date(word)
        elif (found := _weekday(word)) is not None:
            weekday = _once("weekday", weekday, found)
        elif word in _ORDINAL_WORDS:
            nth = _once("which weekday of the month", nth, _ORDINAL_WORDS[word])
        elif word in ("other", "biweekly", "fortnightly", "fortnight"):
            every = _once("interval", every, 2)
        elif word == "weekly":
            every = _once("interval", every, 1)
        elif word in ("monthly", "month's", "months"):
            monthly = True
        elif word in _NUMBER_WORDS and following in ("weeks", "week"):
            every = _once("interval", every, _NUMBER_WORDS[word])
            i += 1
        elif word in ("week", "weeks"):
            every = _once("interval", every, 1) if every is None else every
        elif following in ("am", "pm") and _TIME.fullmatch(word + following):
            at = _once("time", at, _time(word + following))
            i += 1
        elif _TIME.fullmatch(word) and (":" in word or "." in word or "m" in word or "h" in word):
            at = _once("time", at, _time(word))
        elif word not in _FILLER:
            raise CadenceError(f"I can't read '{word}' in a meeting rhythm; try {EXAMPLES}.")
        i += 1
    if weekday is None:
        raise CadenceError(f"Which weekday do you meet? Try {EXAMPLES}.")
    if at is None:
        raise CadenceError(f"At what time do you meet (like 10:00 or 9:30am)? Try {EXAMPLES}.")
    if nth is not None or monthly:
        if nth is None:
            raise CadenceError(
                "Which one in the month: first, second, third, fourth or last? "
                "Like `first mon 10:00`."
            )
        if every not in (None, 1) or anchor is not None:
            raise CadenceError(
                "A monthly rhythm is a weekday of the month (like `first mon 10:00`) and takes "
                "no week interval or start date."
            )
        return ReviewCadence(weekday=weekday, at=at, nth=nth)
    every = every or 1
    if every == 1:
        if anchor is not None:
            raise CadenceError("A weekly rhythm needs no start date; drop `from`.")
        return ReviewCadence(weekday=weekday, at=at)
    if not 2 <= every <= MAX_EVERY:
        raise CadenceError(f"Meetings can be 1 to {MAX_EVERY} weeks apart.")
    if anchor is None and today is None:
        raise CadenceError(
            f"Say which week the rhythm starts in: `{' '.join(words)} from YYYY-MM-DD`."
        )
    start = anchor or today
    assert start is not None
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    if anchor is not None and first != anchor:
        day = WEEKDAYS[weekday].capitalize()
        raise CadenceError(f"{anchor.isoformat()} is not a {day}; start on a {day}.")
    return ReviewCadence(weekday=weekday, at=at, every=every, anchor=first)


def _once(what: str, current: T | None, value: T) -> T:
    if current is not None and current != value:
        raise CadenceError(f"The {what} is given twice; give it once. Try {EXAMPLES}.")
    return value


def _weekday(word: str) -> int | None:
    return _WEEKDAY_WORDS.get(word.rstrip("."))


def _time(text: str) -> time:
    match = _TIME.fullmatch(text)
    assert match is not None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise CadenceError(f"'{text}' is not a time of day; like 10:00 or 9:30am.")
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise CadenceError(f"'{text}' is not a time of day; like 10:00 or 9:30am.")
    return time(hour, minute)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CadenceError(f"'{text}' is not a real date.") from None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    next_month = (date(year, month, 28) + timedelta(days=4)).replace(day=1)
    last = next_month - _ONE_DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
