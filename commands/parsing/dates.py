"""Dates as people type them (``2026-12-24``, ``24 Dec``, ``Dec 24 2026``), never ambiguous."""

from __future__ import annotations

import re
from datetime import date

from commands.parsing.text import collapse, fail, shown

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?(?: (\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?")
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?")
_DATE_FORMS = "Use 2026-12-24, 24 Dec 2026, Dec 24 2026 or Dec 24"


def read_date(text: str, today: date, topic: str) -> date:
    cleaned = collapse(text.lower().replace(",", " "))
    quoted = shown(text)
    year: int | None
    if match := _ISO_DATE.fullmatch(cleaned):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif (match := _DAY_MONTH.fullmatch(cleaned)) and match[2] in _MONTHS:
        day, month, year = int(match[1]), _MONTHS[match[2]], int(match[3]) if match[3] else None
    elif (match := _MONTH_DAY.fullmatch(cleaned)) and match[1] in _MONTHS:
        month, day, year = _MONTHS[match[1]], int(match[2]), int(match[3]) if match[3] else None
    elif _NUMERIC_DATE.fullmatch(cleaned):
        raise fail(f"`{quoted}` is ambiguous (day or month first?). {_DATE_FORMS}.", topic)
    else:
        raise fail(f"I can't read `{quoted}` as a date. {_DATE_FORMS}.", topic)

    if year is None:  # the next such date, today included
        for candidate_year in range(today.year, today.year + 9):  # 9 years reach a 29 February
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise fail(f"`{quoted}` is not a real date. {_DATE_FORMS}.", topic)
    try:
        result = date(year, month, day)
    except ValueError:
        raise fail(f"`{quoted}` is not a real date. {_DATE_FORMS}.", topic) from None
    if result < today:
        raise fail(f"{result.isoformat()} is in the past; pick today or a later date.", topic)
    return result
