from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.values import (
    EXAMPLES,
    MAX_ABS_VALUE,
    ParsedValue,
    ValueParseError,
    canonical_unit,
    decimals_of,
    format_value,
    parse_value,
    unit_conflict,
)


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("1200", 1200, None),
        ("1,200.5", 1200.5, None),
        ("1 200", 1200, None),
        ("1\u2009200", 1200, None),  # thin space
        ("1\u00a0200", 1200, None),  # no-break space
        ("1\u202f200\u202f300.25", 1_200_300.25, None),  # narrow no-break space
        ("12k", 12_000, None),
        ("12K", 12_000, None),
        ("12 k", 12_000, None),
        ("1.2M", 1_200_000, None),
        ("1.2m", 1_200_000, None),
        ("4.35M", 4_350_000, None),  # exact, not 4349999.999...
        ("3B", 3_000_000_000, None),
        ("2.5bn", 2_500_000_000, None),
        ("2.5BN", 2_500_000_000, None),
        ("15%", 15, "%"),
        ("15.5 %", 15.5, "%"),
        ("$1,200", 1200, "USD"),
        ("€3.4k", 3400, "EUR"),
        ("£2k", 2000, "GBP"),
        ("¥300", 300, "JPY"),
        ("1200€", 1200, "EUR"),
        ("USD 1200", 1200, "USD"),
        ("usd 1200", 1200, "USD"),
        ("1200 USD", 1200, "USD"),
        ("1200 eur", 1200, "EUR"),
        ("1.2M EUR", 1_200_000, "EUR"),
        ("$12 USD", 12, "USD"),  # the same unit twice is redundant, not ambiguous
        ("-7", -7, None),
        ("\u22127", -7, None),  # unicode minus
        ("+7", 7, None),
        ("-$1,200", -1200, "USD"),
        ("$-1,200", -1200, "USD"),
        ("(1,200)", -1200, None),
        ("($1,200)", -1200, "USD"),
        (".5", 0.5, None),
        ("-.5", -0.5, None),
        ("0", 0, None),
        ("-0", 0, None),
        ("1e3", 1000, None),
        ("1.5E3", 1500, None),
        ("2e-2", 0.02, None),
        ("1e-99999", 0, None),
        ("  12  ", 12, None),
        ("\t12\n", 12, None),
        ("1,000,000", 1_000_000, None),
        ("999,999,999,999,999", 999_999_999_999_999, None),
        ("1000000000000000", MAX_ABS_VALUE, None),
        ("-1e15", -MAX_ABS_VALUE, None),
    ],
)
def test_parse_value_accepts(text: str, number: float, unit: str | None) -> None:
    assert parse_value(text) == ParsedValue(number, unit)


def test_parse_value_never_returns_negative_zero() -> None:
    assert math.copysign(1, parse_value("-0").number) == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "No value given"),
        ("   ", "No value given"),
        ("abc", "'abc' has no number in it"),
        ("twelve", "'twelve' has no number in it"),
        ("NaN", "'NaN' is not a finite number"),
        ("inf", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
        ("1,20", "groups of 3 digits"),
        ("1,20", "like 1.20"),
        ("1,5", "like 1.5"),
        ("1,5", "ambiguous"),
        ("1 200,5", "like 1 200.5"),
        ("1,2,3", "thousands groups must be 3 digits"),
        ("1,2345", "thousands groups must be 3 digits"),
        ("1234,567", "thousands groups must be 3 digits"),
        ("1.2,3", "comma after the decimal point"),
        ("1.2.3", "more than one decimal point"),
        ("12 13", "more than one number"),
        ("1200 300", "more than one number"),
        ("$12%", "two units (USD and %)"),
        ("€12 USD", "two units (EUR and USD)"),
        ("12k USD EUR", "two units (USD and EUR)"),
        ("12kg", "unknown suffix 'kg'"),
        ("12 apples", "unknown suffix 'apples'"),
        ("12e", "unknown suffix 'e'"),
        ("abc 12", "'abc' (not a unit I know) before the number"),
        ("%15", "unexpected '%' before the number"),
        ("--5", "two signs"),
        ("-$-5", "two signs"),
        ("(-5)", "both parentheses and a sign"),
        ("12-", "unexpected '-' after the number"),
        ("12#", "contains '#'"),
        ("1e16", "too large"),
        ("1e16", "1,000,000,000,000,000"),
        ("-2e15", "too large"),
        ("1000001B", "too large"),
        ("1e" + "9" * 5000, "too large"),
        ("9" * 5000, "too large"),
    ],
)
def test_parse_value_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ValueParseError) as caught:
        parse_value(text)
    message = str(caught.value)
    assert fragment in message
    assert message.endswith(EXAMPLES)


def test_error_messages_quote_at_most_forty_characters_of_the_input() -> None:
    with pytest.raises(ValueParseError) as caught:
        parse_value("x" * 100)
    assert "'" + "x" * 39 + "…'" in str(caught.value)


def test_value_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no number"):
        parse_value("abc")


@pytest.mark.parametrize(
    ("number", "unit", "compact", "expected"),
    [
        (15, "%", True, "15%"),
        (15.5, "%", True, "15.5%"),
        (-2.25, "%", True, "-2.25%"),
        (1_200_000, "USD", True, "$1.2M"),
        (1_200_000, "usd", True, "$1.2M"),
        (1_200_000, "$", True, "$1.2M"),
        (3400, "EUR", True, "€3,400"),
        (34_000, "EUR", True, "€34k"),
        (2000, "GBP", True, "£2,000"),
        (300, "JPY", True, "¥300"),
        (-1200, "USD", True, "-$1,200"),
        (-1_500_000, "EUR", True, "-€1.5M"),
        (42, "deals", True, "42 deals"),
        (120, "ms", True, "120 ms"),
        (50, "NPS", True, "50 NPS"),
        (7, "", True, "7"),
        (7, None, True, "7"),
        (9999, None, True, "9,999"),
        (10_000, None, True, "10k"),
        (12_345, None, True, "12.3k"),
        (123_456, None, True, "123k"),
        (99_960, None, True, "100k"),
        (999_499, None, True, "999k"),
        (999_999, None, True, "1M"),
        (1_234_567.5, None, True, "1.23M"),
        (4_000_000, None, True, "4M"),
        (1_250_000_000, None, True, "1.25B"),
        (MAX_ABS_VALUE, None, True, "1,000,000B"),
        (0.5, None, True, "0.5"),
        (1 / 3, None, True, "0.333"),
        (-0.001, "USD", True, "-$0.001"),
        (1_234_567.5, None, False, "1,234,567.5"),
        (1_200_000, "USD", False, "$1,200,000"),
        (12_345, "deals", False, "12,345 deals"),
        (2.999, None, False, "3"),
        (1.10, None, False, "1.1"),
        (float("nan"), None, True, "n/a"),
        (float("inf"), "USD", False, "n/a"),
    ],
)
def test_format_value(number: float, unit: str | None, compact: bool, expected: str) -> None:
    assert format_value(number, unit, compact=compact) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("usd", "USD"),
        ("$", "USD"),
        ("€", "EUR"),
        ("%", "%"),
        ("deals", "deals"),
    ],
)
def test_canonical_unit(unit: str | None, expected: str | None) -> None:
    assert canonical_unit(unit) == expected


_units = st.sampled_from([None, "%", "USD", "EUR"])
_in_range = st.floats(min_value=-MAX_ABS_VALUE, max_value=MAX_ABS_VALUE, allow_nan=False)


@given(number=_in_range, unit=_units)
def test_full_format_reads_back_to_the_cent(number: float, unit: str | None) -> None:
    parsed = parse_value(format_value(number, unit, compact=False))
    assert parsed.unit == unit
    assert math.isclose(parsed.number, round(number, 2), rel_tol=1e-15, abs_tol=1e-9)


@given(number=_in_range, unit=_units)
def test_compact_format_reads_back_within_three_significant_digits(
    number: float, unit: str | None
) -> None:
    parsed = parse_value(format_value(number, unit))
    assert parsed.unit == unit
    assert math.isclose(parsed.number, number, rel_tol=5e-3, abs_tol=5e-3)


@pytest.mark.parametrize(
    ("typed", "kpi_unit", "fragment"),
    [
        ("1200", "USD", None),
        ("1200", "%", None),
        ("1200", None, None),
        ("$1200", "USD", None),
        ("$1200", "usd", None),
        ("$1200", "$", None),
        ("15%", "%", None),
        ("€3.4k", "USD", "You sent €3,400, an amount in EUR, but this KPI is measured in USD"),
        ("€3.4k", "USD", "Convert it to USD"),
        ("15%", "USD", "a percentage, but this KPI is measured in USD"),
        ("15%", None, "this KPI is a plain number. Send it like 15."),
        ("15%", "deals", "this KPI is counted in deals. Send it like 15."),
        ("$15", "%", "this KPI is a percentage. Send it like 15%."),
        ("$15", None, "an amount in USD, but this KPI is a plain number"),
    ],
)
def test_unit_conflict(typed: str, kpi_unit: str | None, fragment: str | None) -> None:
    message = unit_conflict(parse_value(typed), kpi_unit)
    if fragment is None:
        assert message is None
    else:
        assert message is not None
        assert fragment in message


# --- precision: derived numbers (a pace, an average) shown as precisely as the KPI's own -------


@pytest.mark.parametrize(
    ("numbers", "decimals"),
    [
        ([96, 120, 70], 0),  # counts: whole numbers
        ([30.6, 40, 22], 1),  # a percentage typed to one decimal
        ([0.25, 1.5], 2),
        ([1_500_000, 4e6], 0),
        ([0.1 + 0.2], 1),  # float noise does not make a value look precise
        ([1.23456789], 4),  # capped: nobody reads a KPI to eight decimals
        ([], 0),
        ([float("nan"), 2.5], 1),
    ],
)
def test_decimals_of(numbers: list[float], decimals: int) -> None:
    assert decimals_of(numbers) == decimals


@pytest.mark.parametrize(
    ("number", "unit", "decimals", "expected"),
    [
        (96.37, "leads", 0, "96 leads"),
        (25.49, "%", 1, "25.5%"),
        (25.49, "%", 0, "25%"),
        (2_435_123.7, "USD", 0, "$2.44M"),  # compact still applies
        (8.1234, "h", 1, "8.1 h"),
        (0.004, "USD", 2, "$0"),
        (-0.4, "leads", 0, "0 leads"),  # rounds to zero: never "-0"
        (1, "leads", 0, "1 lead"),  # one of a plural unit reads singular
        (-1, "deals", 0, "-1 deal"),
        (1, "ms", 0, "1 ms"),  # short units are left alone
        (1.5, "leads", 1, "1.5 leads"),
        (96.37, "leads", None, "96.37 leads"),  # without a precision, as before
    ],
)
def test_format_value_to_a_precision(
    number: float, unit: str | None, decimals: int | None, expected: str
) -> None:
    assert format_value(number, unit, decimals=decimals) == expected


@pytest.mark.parametrize("text", ["-0", "−0", "-$0", "$-0.00", "(0)", "-0%", "-0k"])
def test_minus_zero_is_zero_and_never_shown_with_a_sign(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.number == 0 and math.copysign(1, parsed.number) == 1
    for unit in (None, "USD", "%", "leads"):
        for compact in (True, False):
            shown = format_value(parsed.number, unit, compact=compact)
            assert "-" not in shown and "−" not in shown
    assert format_value(-0.0, "USD") == "$0"
    assert format_value(-0.0001, "USD", compact=False) == "$0"
