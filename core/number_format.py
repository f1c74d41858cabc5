"""Numbers for people: ``$1.2M``, ``-€1,200``, ``15.5%``, ``42 deals``, ``1 lead``.

Values a person typed are shown as typed (up to the compact rules below). Numbers kpibot works
out itself -- a pace, a mean -- are shown to the KPI's precision: ``decimals`` is the most
decimals any of the KPI's own numbers has (:func:`decimals_of`), so a count of leads never shows
"96.37 leads expected" and a percentage typed to one decimal shows its pace to one decimal.
Zero never carries a sign: nothing is shown as ``-0`` or ``-$0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

PERCENT = "%"
CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_SYMBOL_TO_CODE = {symbol: code for code, symbol in CURRENCY_SYMBOLS.items()}
_COMPACT_FROM = 10_000
_COMPACT_STEPS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
_MAX_SMALL_DECIMALS = 6
_MAX_PRECISION = 4  # nobody reads a KPI to more decimals; more is float noise or a typo
_NOISE_DECIMALS = 6  # 0.1 + 0.2 is 0.3 for counting decimals


def canonical_unit(unit: str | None) -> str | None:
    """``"usd"``/``"$"`` -> ``"USD"``, ``"%"`` stays, blank -> None, anything else as given."""
    if unit is None or not unit.strip():
        return None
    cleaned = unit.strip()
    if cleaned.upper() in CURRENCY_SYMBOLS:
        return cleaned.upper()
    return _SYMBOL_TO_CODE.get(cleaned, cleaned)


def decimals_of(numbers: Iterable[float | None]) -> int:
    """The precision of a KPI: the most decimals any of its numbers has (0 to 4)."""
    most = 0
    for number in numbers:
        if number is None or not math.isfinite(number):
            continue
        text = f"{round(number, _NOISE_DECIMALS):.{_NOISE_DECIMALS}f}".rstrip("0")
        most = max(most, len(text.partition(".")[2]))
    return min(most, _MAX_PRECISION)


def format_value(
    number: float, unit: str | None, *, compact: bool = True, decimals: int | None = None
) -> str:
    """Show a value to a person: ``$1.2M``, ``-€1,200``, ``15.5%``, ``42 deals``, ``1,234.5``.

    ``compact`` abbreviates magnitudes of 10,000 and more to k/M/B with at most three significant
    digits (``12.3k``, ``1.2M``; only beyond 999B do more digits show, as in ``1,230B``) and keeps
    three significant digits below 1 (``0.125``, ``0.00123``, down to six decimals). Otherwise
    numbers are grouped in full with at most two decimals, trailing zeros dropped. ``decimals``
    rounds first, for numbers kpibot derived (see the module docstring). A blank unit counts as
    no unit; a plural unit of four letters or more reads singular for exactly 1 (``1 lead``);
    non-finite numbers show as ``n/a``.
    """
    if not math.isfinite(number):
        return "n/a"
    places = 2
    if decimals is not None:
        number = round(number, decimals)
        places = max(places, decimals)
    magnitude = abs(number)
    body = _compact(magnitude, places) if compact else _grouped(magnitude, places)
    return with_unit(body, negative=number < 0, unit=unit)


def with_unit(body: str, *, negative: bool, unit: str | None) -> str:
    """A number already written as ``body`` (``1.2M``, ``12.5k``, ``1,200``) in ``unit``:
    ``-$1.2M``, ``12.5k%``, ``1 lead``. A body that reads as zero gets no sign."""
    sign = "-" if negative and body.strip("0.,") else ""  # no "-0"
    unit = canonical_unit(unit)
    if unit is None:
        return f"{sign}{body}"
    if unit == PERCENT:
        return f"{sign}{body}%"
    if unit in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[unit]}{body}"
    return f"{sign}{body} {_singular(unit) if body == '1' else unit}"


def _singular(unit: str) -> str:
    # "leads", "deals", "hours", "tickets": drop the s. Short units ("ms", "pts") and words
    # ending in "ss" or "us" ("status") are not plurals we can safely undo.
    if len(unit) >= 4 and unit.isalpha() and unit.endswith("s") and unit[-2:] not in {"ss", "us"}:
        return unit[:-1]
    return unit


def _grouped(magnitude: float, places: int = 2) -> str:
    text = f"{magnitude:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _compact(magnitude: float, places: int = 2) -> str:
    if 0 < magnitude < 1:  # small values keep three significant digits: 0.125, 0.00123
        decimals = min(_MAX_SMALL_DECIMALS, 2 - math.floor(math.log10(magnitude)))
        return f"{magnitude:.{decimals}f}".rstrip("0").rstrip(".")
    if magnitude < _COMPACT_FROM:
        return _grouped(magnitude, places)
    for index, (scale, suffix) in enumerate(_COMPACT_STEPS):
        if magnitude >= scale:
            scaled = _three_significant(magnitude / scale)
            if scaled >= 1000 and index > 0:  # 999.6k rounds to 1000k: say 1M instead
                scale, suffix = _COMPACT_STEPS[index - 1]
                scaled = _three_significant(magnitude / scale)
            return _grouped(scaled) + suffix
    raise AssertionError("unreachable: magnitude >= 10,000 always has a step")


def _three_significant(value: float) -> float:
    integer_digits = len(str(int(value)))
    return round(value, max(0, 3 - integer_digits))
