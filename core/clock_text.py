"""The small time formats operators write, read and written back the same way everywhere
(environment variables, config files): a time of day ``10:00``, working hours
``09:00-17:00``, weekdays ``mon-fri`` / ``sun-thu`` / ``mon,wed,fri`` and durations ``24h``,
``1d12h``, ``90m``. Parsers raise ValueError with a message that shows a valid example."""

from __future__ import annotations

import re
from datetime import time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"(\d+)\s*([dhms])")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_time_of_day(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"'{text}' is not a time of day; expected one like 10:00 or 09:30")
    return time(int(match[1]), int(match[2]))


def parse_working_hours(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    expected = "expected a range like 09:00-17:00"
    if not match:
        raise ValueError(f"'{text}' is not a time range; {expected}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"'{text}' has an hour or minute out of range; {expected}")
    start, end = time(h1, m1), time(23, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"'{text}' ends before it starts; {expected}")
    return start, end


def parse_workdays(text: str) -> tuple[int, ...]:
    """'mon-fri', 'mon,tue,thu' or 'sun-thu' -> weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        ends = [end.strip()[:3] for end in part.split("-")]
        if len(ends) > 2 or any(end not in WEEKDAYS for end in ends):
            raise ValueError(
                f"'{text}' is not a list of weekdays; expected days like mon-fri, sun-thu "
                "or mon,wed,fri"
            )
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not days:
        raise ValueError("no weekdays given; expected days like mon-fri")
    return tuple(sorted(days))


def parse_duration(text: str, *, at_least: timedelta = timedelta(0)) -> timedelta:
    """'24h', '1d', '90m', '1d12h', '30s' -> a timedelta of at least `at_least`."""
    cleaned = text.strip().lower().replace(" ", "")
    expected = "expected a duration like 24h, 1d, 90m or 1d12h"
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(f"'{text}' is not a duration; {expected}")
    seconds = sum(int(n) * dict(_UNITS)[unit] for n, unit in _DURATION.findall(cleaned))
    duration = timedelta(seconds=seconds)
    if duration < at_least:
        raise ValueError(f"'{text}' is too short; use at least {format_duration(at_least)}")
    return duration


def format_duration(duration: timedelta) -> str:
    """The shortest text parse_duration reads back: ``1d12h``, ``90m``..."""
    seconds = int(duration.total_seconds())
    if seconds == 0:
        return "0m"
    parts = []
    for unit, size in _UNITS:
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def format_workdays(days: tuple[int, ...] | frozenset[int]) -> str:
    """Weekday numbers as text parse_workdays reads back: ``mon-fri``, ``sun-thu``,
    ``mon,wed,fri``."""
    chosen = sorted(set(days))
    if not chosen:
        return ""
    if len(chosen) == 7:
        return "mon-sun"
    # a run that may wrap past Sunday: start after the first day that is not chosen
    start = next(d for d in range(7) if (d - 1) % 7 not in chosen and d in chosen)
    run = [(start + i) % 7 for i in range(len(chosen))]
    if sorted(run) == chosen and len(chosen) > 2:
        return f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}"
    return ",".join(WEEKDAYS[d] for d in chosen)


def format_working_hours(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"
