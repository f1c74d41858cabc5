"""When a team's weekly digest goes out, and which periods it reviews.

A team picks a weekday and a local time (default Monday 09:00) in its own timezone. Every ISO
week (Monday to Sunday, on the team's calendar) has exactly one digest moment: that weekday at
that wall time, resolved with :func:`core.cadence.local_datetime` (a time in a DST gap moves
forward by the jump, a repeated time means its first occurrence).

A digest reviews what has finished: for each KPI the *report period* is the last period of the
KPI's cadence that closed before the digest moment (last week for weekly KPIs, last month for
monthly ones), and the digest is named after the *reviewed week*, the ISO week before the one
the moment falls in. So a Monday digest and a Friday digest of the same week both review the
week before, and a team that moves its day mid-week never gets two digests for one week.

Catch-up: a run that finds this week's moment passed less than :data:`CATCH_UP` ago sends the
digest; later than that the week is skipped (after a long outage nobody needs last Monday's
digest on Thursday).

Whether a missing value is *late* is not decided here: :mod:`core.due` holds the one rule that
Home, reminders and digests share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.cadence import Period, local_datetime, period_for
from core.kinds import Cadence

CATCH_UP = timedelta(hours=24)

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_WORDS = {name[:3].lower(): index for index, name in enumerate(WEEKDAY_NAMES)}
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?")
_EXAMPLE = "mon 09:00"


@dataclass(frozen=True)
class DigestTime:
    """A weekday (Monday is 0) and a local wall time."""

    weekday: int = 0
    at: time = time(9)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.at.tzinfo is not None:
            raise ValueError("a digest time is a wall-clock time, without a zone")

    @property
    def label(self) -> str:
        """``Mondays at 09:00``."""
        return f"{WEEKDAY_NAMES[self.weekday]}s at {self.at:%H:%M}"

    @property
    def text(self) -> str:
        """``mon 09:00``, the form people type and config files hold."""
        return f"{WEEKDAY_NAMES[self.weekday][:3].lower()} {self.at:%H:%M}"


DEFAULT_DIGEST_TIME = DigestTime()


def parse_digest_time(text: str) -> DigestTime:
    """Read ``mon 09:00``, ``Friday 16:30``, ``tue 9am``; ValueError says what is expected."""
    words = text.strip().lower().replace(",", " ").split()
    expected = f"expected a weekday and a time, like `{_EXAMPLE}` or `fri 16:30`"
    if len(words) == 3 and words[2] in ("am", "pm"):
        words = [words[0], words[1] + words[2]]
    if len(words) != 2:
        raise ValueError(f"'{text.strip()}' is not a digest time; {expected}")
    day, clock = words
    weekday = _WEEKDAY_WORDS.get(day[:3]) if len(day) >= 3 else None
    if weekday is None or not WEEKDAY_NAMES[weekday].lower().startswith(day):
        raise ValueError(f"'{day}' is not a weekday; {expected}")
    match = _TIME.fullmatch(clock)
    if match is None:
        raise ValueError(f"'{clock}' is not a time of day; {expected}")
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise ValueError(f"'{clock}' is not a time of day; {expected}")
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"'{clock}' has an hour or minute out of range; {expected}")
    return DigestTime(weekday, time(hour, minute))


def digest_time_of(weekday: int | None, at: time | None) -> DigestTime:
    """A team's digest time from its stored columns; None means the default."""
    return DigestTime(
        DEFAULT_DIGEST_TIME.weekday if weekday is None else weekday,
        DEFAULT_DIGEST_TIME.at if at is None else at,
    )


def moment_in_week(day: date, when: DigestTime, tz: ZoneInfo) -> datetime:
    """The digest instant of the ISO week holding the local date ``day``."""
    monday = day - timedelta(days=day.weekday())
    return local_datetime(monday + timedelta(days=when.weekday), when.at, tz)


def due_moment(
    now: datetime, when: DigestTime, tz: ZoneInfo, catch_up: timedelta = CATCH_UP
) -> datetime | None:
    """This week's digest moment if a run at ``now`` should send it (see the module doc)."""
    _require_aware(now)
    moment = moment_in_week(now.astimezone(tz).date(), when, tz)
    late_by = now.astimezone(UTC) - moment.astimezone(UTC)
    return moment if timedelta(0) <= late_by <= catch_up else None


def next_moment(now: datetime, when: DigestTime, tz: ZoneInfo) -> datetime:
    """The first digest moment after ``now``."""
    _require_aware(now)
    day = now.astimezone(tz).date()
    moment = moment_in_week(day, when, tz)
    if moment.astimezone(UTC) <= now.astimezone(UTC):
        moment = moment_in_week(day + timedelta(days=7), when, tz)
    return moment


def reviewed_week(moment: datetime, tz: ZoneInfo) -> Period:
    """The ISO week a digest at ``moment`` reviews: the one before the week it goes out in."""
    return period_for(Cadence.WEEKLY, moment, tz).previous()


def report_period(cadence: Cadence, moment: datetime, tz: ZoneInfo) -> Period:
    """The last period of ``cadence`` that closed before ``moment``: the one a digest shows."""
    return period_for(cadence, moment, tz).previous()


def week_moment(week: Period, when: DigestTime, tz: ZoneInfo) -> datetime:
    """The digest moment that reviews ``week`` (in the week after it)."""
    return moment_in_week(week.next().start, when, tz)


def history_periods(last: Period, count: int) -> list[Period]:
    """``count`` periods ending with ``last``, oldest first."""
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
