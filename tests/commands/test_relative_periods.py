from __future__ import annotations

from datetime import date

import pytest

from commands.values import relative_day, without_own_unit

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("this week", TODAY),
        ("yesterday", date(2026, 11, 25)),
        ("last week", date(2026, 11, 19)),
        ("previous  week", date(2026, 11, 19)),
        ("last month", date(2026, 10, 31)),
        ("last quarter", date(2026, 9, 30)),
        ("last year", date(2025, 11, 26)),
        ("2026-W47", None),
        ("last fortnight", None),
    ],
)
def test_relative_day(text: str, expected: date | None) -> None:
    assert relative_day(text, TODAY) == expected


def test_last_year_from_a_leap_day() -> None:
    assert relative_day("last year", date(2028, 2, 29)) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("42 deals", "deals", "42"),
        ("42 Deals", "deals", "42"),
        ("42", "deals", "42"),
        ("$42", "USD", "$42"),
        ("15%", "%", "15%"),
        ("deals", "deals", "deals"),
    ],
)
def test_own_unit_is_accepted_after_the_number(text: str, unit: str, expected: str) -> None:
    assert without_own_unit(text, unit) == expected
