"""Reporting periods: how each cadence cuts a team's local calendar into named periods.

A :class:`Period` is a run of whole *local dates*, first and last day inclusive. Because periods
are made of dates rather than hours, daylight saving time can move the instant a period starts
but never which days it holds: walking :meth:`Period.next` visits every date exactly once.

Keys are stable, sortable within a cadence, and what people type back to us:

* daily ``2026-11-26``: the date itself;
* weekly ``2026-W48``: the ISO week (Monday to Sunday) with its ISO week-year, so 2027-01-01
  is in ``2026-W53``;
* biweekly ``2026-B47``: two ISO weeks, named by the ISO week-year and week of the first Monday;
* monthly ``2026-11``: the calendar month;
* quarterly ``2026-Q4``: the calendar quarter.

Biweekly blocks are 14-day runs anchored on Monday 2024-01-01 (ISO week 1 of 2024) and every
14 days before and after it. They are counted in days, not week numbers, so 53-week years never
shift the rhythm; the price is that a block may start on an odd week one year and an even week
the next (``2026-B53`` is followed by ``2027-B02``).

DST rule (:func:`local_datetime`, and so :meth:`Period.starts_at` and :meth:`Period.due_at`):

* A wall time that does not exist, because the clock jumps over it, resolves to the same wall
  time shifted forward by the length of the jump: in New York 02:30 on 2026-03-08 is 03:30 EDT.
  Where the jump starts at midnight (America/Havana, America/Santiago) local midnight becomes
  the first instant after the gap, so the day still starts on its own date. (Since 1900 the one
  gap in tzdata that swallows midnight without starting there is Toronto's 23:30-00:30 in 1919;
  there the day starts at 01:00, half an hour after its first instant.)
* A wall time that occurs twice, because the clock falls back, resolves to its first
  occurrence (``fold=0``): in New York 01:30 on 2026-11-01 is 01:30 EDT, not EST.

Why: a reminder set for a wall time must fire exactly once on every day that has it, never be
lost in a gap nor fire twice in a fold, and land as close to the asked time as the clock allows.

Whole dates can be skipped too (Pacific/Apia had no 2011-12-30): that date's daily period starts
and ends at the same instant. It keeps its place in the sequence; it just lasts no time at all.

Note when comparing results: Python compares and subtracts aware datetimes that share a tzinfo
by wall clock alone, ignoring their offsets; convert to UTC before measuring durations.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import assert_never
from zoneinfo import ZoneInfo

from core.kinds import Cadence

BIWEEKLY_ANCHOR = date(2024, 1, 1)
"""A Monday on which a biweekly block starts (ISO week 1 of 2024); blocks repeat every 14 days."""

_ONE_DAY = timedelta(days=1)
_EXAMPLE_DAY = date(2026, 11, 26)
_SHOWN_INPUT_CHARS = 40
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_ABBREVIATIONS = tuple(name[:3] for name in _MONTHS)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PeriodError(ValueError):
    """A period that was typed or built wrongly; the message shows a valid one for the cadence."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: the local dates ``start`` to ``end``, both inclusive.

    Construction checks that the dates really are a period of the cadence, so every Period in
    the system has a key that parses back to it.
    """

    cadence: Cadence
    start: date
    end: date

    def __post_init__(self) -> None:
        expected_start, expected_end = _bounds(self.cadence, _require_date(self.start))
        if (self.start, self.end) != (expected_start, expected_end):
            raise PeriodError(
                f"{self.start}..{self.end} is not a {self.cadence} period; the {self.cadence} "
                f"period holding {self.start} runs {expected_start}..{expected_end}"
            )

    @property
    def key(self) -> str:
        """The stable identifier stored with values and typed by people, e.g. ``2026-W48``."""
        start = self.start
        match self.cadence:
            case Cadence.DAILY:
                return start.isoformat()
            case Cadence.WEEKLY:
                return _iso_week_key(start, "W")
            case Cadence.BIWEEKLY:
                return _iso_week_key(start, "B")
            case Cadence.MONTHLY:
                return f"{start.year:04d}-{start.month:02d}"
            case Cadence.QUARTERLY:
                return f"{start.year:04d}-Q{_quarter(start)}"
            case _:
                assert_never(self.cadence)

    @property
    def label(self) -> str:
        """How the period reads in a message, e.g. ``week 48 (23-29 Nov 2026)``."""
        start, end = self.start, self.end
        match self.cadence:
            case Cadence.DAILY:
                return f"{_WEEKDAYS[start.weekday()]} {_day_month(start)} {start.year}"
            case Cadence.WEEKLY:
                return f"week {start.isocalendar().week} ({_date_span(start, end)})"
            case Cadence.BIWEEKLY:
                return f"weeks {_week_pair(start, end)} ({_date_span(start, end)})"
            case Cadence.MONTHLY:
                return f"{_MONTHS[start.month - 1]} {start.year}"
            case Cadence.QUARTERLY:
                return f"Q{_quarter(start)} {start.year}"
            case _:
                assert_never(self.cadence)

    def next(self) -> Period:
        """The period right after this one; together they leave no date out."""
        return period_containing(self.cadence, self.end + _ONE_DAY)

    def previous(self) -> Period:
        """The period right before this one."""
        return period_containing(self.cadence, self.start - _ONE_DAY)

    def contains(self, day: date) -> bool:
        """Whether the local date falls in this period (a datetime is refused: see period_for)."""
        return self.start <= _require_date(day) <= self.end

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """The instant the period opens in ``tz``: local midnight of ``start``, per the DST rule."""
        return local_datetime(self.start, time(0), tz)

    def due_at(self, tz: ZoneInfo) -> datetime:
        """The instant the period closes in ``tz``, which is when the next one opens."""
        return self.next().starts_at(tz)


def period_containing(cadence: Cadence, day: date) -> Period:
    """The period of ``cadence`` that holds the local date ``day``."""
    return Period(cadence, *_bounds(cadence, _require_date(day)))


def period_for(cadence: Cadence, moment: datetime, tz: ZoneInfo) -> Period:
    """The period holding ``moment`` as the calendar in ``tz`` sees it.

    A naive datetime is refused: without its own offset we cannot know which local date it is.
    """
    if moment.utcoffset() is None:
        raise ValueError(
            f"period_for needs a timezone-aware datetime, got naive {moment.isoformat()}; "
            "attach the zone it was measured in, e.g. datetime.now(UTC)"
        )
    return period_containing(cadence, moment.astimezone(tz).date())


def periods_between(cadence: Cadence, first: date, last: date) -> list[Period]:
    """Every period touching the dates ``first`` to ``last`` inclusive, oldest first.

    An empty range (``first`` after ``last``) has no periods, like ``range`` with no steps.
    """
    last = _require_date(last)
    periods: list[Period] = []
    period = period_containing(cadence, first)
    while period.start <= last:
        periods.append(period)
        period = period.next()
    return periods


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the wall clock in ``tz`` reads ``at`` on ``day``, per the module's DST rule.

    Both readings of the wall time (``fold`` 0 and 1) are turned into UTC instants. Any that read
    back as the requested wall time are real occurrences, and the earliest wins. If none does,
    the time is in a gap: the later instant is the one computed with the offset from before the
    jump, which is the wall time moved forward by the gap. This does not rely on which offset
    zoneinfo happens to pick for a time in a gap.
    """
    if at.tzinfo is not None:
        raise ValueError(f"local_datetime needs a wall-clock time without a zone, got {at}")
    wall = datetime.combine(day, at, tzinfo=tz)
    instants = sorted({wall.replace(fold=fold).astimezone(UTC) for fold in (0, 1)})
    for instant in instants:
        local = instant.astimezone(tz)
        if local.date() == day and local.time() == at:
            return local
    return instants[-1].astimezone(tz)


def parse_period(cadence: Cadence, text: str) -> Period:
    """Read a period typed by a person: its key in any case, or a date inside it.

    Raises PeriodError saying what was wrong (a key of another cadence, a week, month, quarter
    or date that does not exist, a biweekly week that does not start a block) and showing a
    valid example for the cadence.
    """
    shown = _shorten(text.strip())
    cleaned = text.strip().upper()
    try:
        return _parse(cadence, cleaned, shown)
    except OverflowError as exc:
        raise PeriodError(
            f"'{shown}' is outside the calendar we can count in; {_hint(cadence)}"
        ) from exc


# --- period arithmetic ------------------------------------------------------------------------


def _bounds(cadence: Cadence, day: date) -> tuple[date, date]:
    """First and last date of the period of ``cadence`` holding ``day``."""
    match cadence:
        case Cadence.DAILY:
            return day, day
        case Cadence.WEEKLY:
            monday = day - timedelta(days=day.weekday())
            return monday, monday + timedelta(days=6)
        case Cadence.BIWEEKLY:
            block_start = day - timedelta(days=(day - BIWEEKLY_ANCHOR).days % 14)
            return block_start, block_start + timedelta(days=13)
        case Cadence.MONTHLY:
            return _months(day.year, day.month, 1)
        case Cadence.QUARTERLY:
            return _months(day.year, 3 * _quarter(day) - 2, 3)
        case _:
            assert_never(cadence)


def _months(year: int, first_month: int, count: int) -> tuple[date, date]:
    """First and last date of ``count`` calendar months starting at ``first_month``."""
    last_month = first_month + count - 1
    return date(year, first_month, 1), date(year, last_month, _days_in(year, last_month))


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _require_date(day: date) -> date:
    """Refuse datetimes where a local date is meant: which date a moment is depends on a zone."""
    if isinstance(day, datetime):
        raise TypeError(
            f"expected a local date, got the datetime {day.isoformat()}; "
            "use period_for(cadence, moment, tz) to place a moment in a period"
        )
    return day


# --- keys and labels --------------------------------------------------------------------------


def _iso_week_key(monday: date, letter: str) -> str:
    iso = monday.isocalendar()
    return f"{iso.year:04d}-{letter}{iso.week:02d}"


def _day_month(day: date) -> str:
    return f"{day.day} {_MONTH_ABBREVIATIONS[day.month - 1]}"


def _date_span(start: date, end: date) -> str:
    """``23-29 Nov 2026``, ``30 Nov-6 Dec 2026`` or ``28 Dec 2026-3 Jan 2027``: no repeats."""
    if start.year != end.year:
        return f"{_day_month(start)} {start.year}-{_day_month(end)} {end.year}"
    if start.month != end.month:
        return f"{_day_month(start)}-{_day_month(end)} {end.year}"
    return f"{start.day}-{_day_month(end)} {end.year}"


def _week_pair(start: date, end: date) -> str:
    """``47-48``; across an ISO year ``53 and 1``, because ``53-1`` reads like a backward range."""
    first, last = start.isocalendar().week, end.isocalendar().week
    return f"{first}-{last}" if first < last else f"{first} and {last}"


# --- parsing ----------------------------------------------------------------------------------

_YEAR = "(?!0000)([0-9]{4})"
_DATE_FORM = re.compile(_YEAR + "-([0-9]{1,2})-([0-9]{1,2})")


def _parse(cadence: Cadence, cleaned: str, shown: str) -> Period:
    if found := _DATE_FORM.fullmatch(cleaned):
        year, month, day = (int(group) for group in found.groups())
        return period_containing(cadence, _real_date(cadence, year, month, day, shown))
    if cadence in _KEY_FORMS:
        pattern, from_key = _KEY_FORMS[cadence]
        if found := pattern.fullmatch(cleaned):
            return from_key(int(found[1]), int(found[2]), shown)
    raise PeriodError(_misfit_message(cadence, cleaned, shown))


def _real_date(cadence: Cadence, year: int, month: int, day: int, shown: str) -> date:
    _check_month(cadence, month, shown)
    days = _days_in(year, month)
    if not 1 <= day <= days:
        raise PeriodError(
            f"'{shown}' is not a real date: {_MONTHS[month - 1]} {year} has {days} days; "
            f"{_hint(cadence)}"
        )
    return date(year, month, day)


def _check_month(cadence: Cadence, month: int, shown: str) -> None:
    if not 1 <= month <= 12:
        raise PeriodError(f"'{shown}' does not exist: months run from 01 to 12; {_hint(cadence)}")


def _week_from_key(year: int, week: int, shown: str) -> Period:
    return period_containing(Cadence.WEEKLY, _iso_monday(Cadence.WEEKLY, year, week, shown))


def _biweek_from_key(year: int, week: int, shown: str) -> Period:
    monday = _iso_monday(Cadence.BIWEEKLY, year, week, shown)
    block = period_containing(Cadence.BIWEEKLY, monday)
    if block.start != monday:
        after = block.next()
        raise PeriodError(
            f"'{shown}' does not start a two-week block: blocks start every other Monday, and "
            f"the neighbouring ones are {block.key} ({_date_span(block.start, block.end)}) and "
            f"{after.key} ({_date_span(after.start, after.end)}); {_hint(Cadence.BIWEEKLY)}"
        )
    return block


def _month_from_key(year: int, month: int, shown: str) -> Period:
    _check_month(Cadence.MONTHLY, month, shown)
    return period_containing(Cadence.MONTHLY, date(year, month, 1))


def _quarter_from_key(year: int, quarter: int, shown: str) -> Period:
    if not 1 <= quarter <= 4:
        raise PeriodError(
            f"'{shown}' does not exist: quarters run from Q1 to Q4; {_hint(Cadence.QUARTERLY)}"
        )
    return period_containing(Cadence.QUARTERLY, date(year, 3 * quarter - 2, 1))


def _iso_monday(cadence: Cadence, year: int, week: int, shown: str) -> date:
    """Monday of ISO week ``week`` of ISO year ``year``, refusing weeks the year lacks."""
    weeks = date(year, 12, 28).isocalendar().week  # 28 December is always in the last week
    if not 1 <= week <= weeks:
        raise PeriodError(
            f"'{shown}' does not exist: {year} has {weeks} ISO weeks; {_hint(cadence)}"
        )
    return date.fromisocalendar(year, week, 1)


_KEY_FORMS: dict[Cadence, tuple[re.Pattern[str], Callable[[int, int, str], Period]]] = {
    Cadence.WEEKLY: (re.compile(_YEAR + "-W([0-9]{1,2})"), _week_from_key),
    Cadence.BIWEEKLY: (re.compile(_YEAR + "-B([0-9]{1,2})"), _biweek_from_key),
    Cadence.MONTHLY: (re.compile(_YEAR + "-([0-9]{1,2})"), _month_from_key),
    Cadence.QUARTERLY: (re.compile(_YEAR + "-Q([0-9])"), _quarter_from_key),
}
"""Key shapes besides the date (which every cadence accepts), and how to read each."""


def _misfit_message(cadence: Cadence, cleaned: str, shown: str) -> str:
    """Say which cadence the text belongs to, if any: the likeliest mistake is the wrong KPI."""
    for other, (pattern, _) in _KEY_FORMS.items():
        if other is not cadence and pattern.fullmatch(cleaned):
            return (
                f"'{shown}' looks like a {other} period, but this KPI is reported {cadence}; "
                f"{_hint(cadence)}"
            )
    return f"'{shown}' is not a {cadence} period; {_hint(cadence)}"


def _hint(cadence: Cadence) -> str:
    example = period_containing(cadence, _EXAMPLE_DAY).key
    if cadence is Cadence.DAILY:
        return f"daily periods look like {example}"
    return f"{cadence} periods look like {example} (a date such as {_EXAMPLE_DAY} works too)"


def _shorten(text: str) -> str:
    """Keep quoted input readable in a message when someone pastes a paragraph."""
    if len(text) <= _SHOWN_INPUT_CHARS:
        return text
    return text[: _SHOWN_INPUT_CHARS - 1] + "…"
