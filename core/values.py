"""Reading KPI values the way people type them, and writing them back for people to read.

Parsing (:func:`parse_value`) accepts, with surrounding whitespace ignored:

* plain numbers: ``1200``, ``.5``, ``1e3`` (scientific notation is accepted);
* thousands separators: commas in groups of three (``1,200.5``) or spaces in groups of three
  (``1 200``; no-break and thin spaces count as spaces);
* multipliers after the number: ``k``, ``M``/``m`` (million), ``B``/``bn`` (billion),
  case-insensitive (``12k``, ``1.2M``, ``2.5bn``);
* a unit, either ``%`` after the number or a currency before or after it, as a symbol
  (``$``, ``€``, ``£``, ``¥``) or an ISO code in any case (``USD 1200``, ``1.2M EUR``);
* signs: ``-7``, ``−7`` (Unicode minus), ``+7``, ``-$1,200``, ``$-1,200`` and accounting
  parentheses ``(1,200)`` for -1200.

It refuses, with a message that quotes the input and shows what works: empty input, words,
``NaN``/``inf``, a decimal comma (``1,5`` is ambiguous: is it 1.5 or 15?), comma groups that
are not three digits, more than one decimal point, two numbers, two units, unknown suffixes,
and values whose magnitude exceeds :data:`MAX_ABS_VALUE`.

Parsing is a small tokenizer followed by a fixed grammar::

    [sign] [currency] [sign] NUMBER [multiplier] [unit]

Formatting (:func:`core.number_format.format_value`, re-exported here) is the inverse for
display: ``$1.2M``, ``15.5%``, ``42 deals``. ``-0`` (or ``(0)``, ``-$0``) is read as 0: zero has no
sign, and no value is ever shown as ``-0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Display lives in core.number_format; its names are re-exported here for existing callers.
from core.number_format import (
    CURRENCY_SYMBOLS,
    PERCENT,
    canonical_unit,
    decimals_of,
    format_value,
)

__all__ = [
    "CURRENCY_SYMBOLS",
    "EXAMPLES",
    "MAX_ABS_VALUE",
    "PERCENT",
    "ParsedValue",
    "ValueParseError",
    "canonical_unit",
    "decimals_of",
    "format_value",
    "parse_value",
    "unit_conflict",
]

MAX_ABS_VALUE = 1e15
"""Largest magnitude a KPI value may have (a quadrillion); anything larger is a typo, not a KPI."""

EXAMPLES = "Try 1200, 1.2k, 15% or $1,200."

_SYMBOL_TO_CODE = {symbol: code for code, symbol in CURRENCY_SYMBOLS.items()}
_MULTIPLIERS: dict[str, Decimal] = {
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}
_MAX_DECIMAL = Decimal(MAX_ABS_VALUE)
_MAX_EXPONENT_DIGITS = 4
_NOT_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
_SPACES = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " "})
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"})
_SHOWN_INPUT_CHARS = 40

# A number is digits with commas and dots in them (checked afterwards), or digits grouped by
# spaces in threes ("1 200 300", never "12 13"), or a bare fraction (".5"); then an exponent.
_NUMBER = r"""
    (?: \d{1,3} (?: [ ]\d{3}(?!\d) )+ (?: [.,]\d+ )?
      | \d[\d,.]*
      | \.\d+
    )
    (?: [eE][+-]?\d+ )?
"""
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<sign>[+-])
  | (?P<symbol>[$€£¥%])
  | (?P<number>{_NUMBER})
  | (?P<word>[^\W\d_]+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


class ValueParseError(ValueError):
    """A value could not be read; ``str(error)`` is a message for the person who typed it."""


@dataclass(frozen=True)
class ParsedValue:
    number: float
    unit: str | None  # "%", "USD", "EUR", "GBP", "JPY", or None when the user typed no unit


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def parse_value(text: str) -> ParsedValue:
    """Read a number with an optional unit from what a person typed (see the module docstring)."""
    shown = _shown(text)
    cleaned = text.translate(_SPACES).translate(_MINUS_SIGNS).strip()
    if not cleaned:
        raise ValueParseError(f"No value given. {EXAMPLES}")

    negate = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = cleaned[1:-1].strip()
        negate = True

    tokens = _tokenize(cleaned, shown)
    if not any(token.kind == "number" for token in tokens):
        words = [token.text for token in tokens if token.kind == "word"]
        if any(word.lower() in _NOT_FINITE_WORDS for word in words):
            raise _error(shown, "is not a finite number; a value must be an actual amount")
        raise _error(shown, "has no number in it")

    parser = _Grammar(tokens, shown)
    sign, unit, magnitude = parser.parse()
    if negate:
        if sign is not None:
            raise _error(shown, "uses both parentheses and a sign; use one or the other")
        sign = "-"

    number = float(-magnitude if sign == "-" else magnitude)
    return ParsedValue(number=number + 0.0, unit=unit)  # + 0.0 turns -0.0 into 0.0


class _Grammar:
    """``[sign] [currency] [sign] NUMBER [multiplier] [unit]`` over a token list."""

    def __init__(self, tokens: list[_Token], shown: str) -> None:
        self._tokens = tokens
        self._shown = shown
        self._at = 0

    def parse(self) -> tuple[str | None, str | None, Decimal]:
        sign = self._take("sign")
        prefix_unit = self._take_currency()
        second_sign = self._take("sign")
        if sign is not None and second_sign is not None:
            raise _error(self._shown, "has two signs; use a single - or +")
        sign = sign or second_sign

        number_text = self._take("number")
        if number_text is None:
            raise _error(self._shown, f"has {self._describe_next()} before the number")
        magnitude = _check_range(_read_number(number_text, self._shown), self._shown)

        multiplier = self._take_multiplier()
        if multiplier is not None:
            magnitude = _check_range(magnitude * multiplier, self._shown)
        suffix_unit = self._take_unit()

        if self._at < len(self._tokens):
            raise self._leftover_error(prefix_unit or suffix_unit)
        if prefix_unit and suffix_unit and prefix_unit != suffix_unit:
            raise _error(
                self._shown, f"has two units ({prefix_unit} and {suffix_unit}); use just one"
            )
        return sign, prefix_unit or suffix_unit, magnitude

    def _peek(self) -> _Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _take(self, kind: str) -> str | None:
        token = self._peek()
        if token is None or token.kind != kind:
            return None
        self._at += 1
        return token.text

    def _take_currency(self) -> str | None:
        token = self._peek()
        unit = _unit_of(token) if token is not None else None
        if unit is None or unit == PERCENT:
            return None
        self._at += 1
        return unit

    def _take_multiplier(self) -> Decimal | None:
        token = self._peek()
        if token is None or token.kind != "word" or token.text.lower() not in _MULTIPLIERS:
            return None
        self._at += 1
        return _MULTIPLIERS[token.text.lower()]

    def _take_unit(self) -> str | None:
        token = self._peek()
        unit = _unit_of(token) if token is not None else None
        if unit is not None:
            self._at += 1
        return unit

    def _describe_next(self) -> str:
        token = self._peek()
        if token is None:
            return "nothing"
        if token.kind == "word":
            return f"'{token.text}' (not a unit I know)"
        return f"an unexpected '{token.text}'"

    def _leftover_error(self, unit: str | None) -> ValueParseError:
        token = self._tokens[self._at]
        if token.kind == "number":
            return _error(self._shown, "has more than one number; send one value at a time")
        if _unit_of(token) is not None:
            return _error(self._shown, f"has two units ({unit} and {token.text}); use just one")
        if token.kind == "word":
            rest = "".join(t.text for t in self._tokens[self._at :] if t.kind == "word")
            return _error(
                self._shown,
                f"has an unknown suffix '{_shown(rest)}' (suffixes I know: k, M, B, %, "
                "USD, EUR, GBP, JPY)",
            )
        return _error(self._shown, f"has an unexpected '{token.text}' after the number")


def _check_range(magnitude: Decimal, shown: str) -> Decimal:
    if magnitude > _MAX_DECIMAL:
        limit = format_value(MAX_ABS_VALUE, None, compact=False)
        raise _error(shown, f"is too large: values must be between -{limit} and {limit}")
    return magnitude


def _tokenize(cleaned: str, shown: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(cleaned):
        kind = match.lastgroup
        assert kind is not None
        if kind == "space":
            continue
        if kind == "other":
            raise _error(shown, f"contains '{match.group()}', which is not part of a number")
        tokens.append(_Token(kind, match.group()))
    return tokens


def _unit_of(token: _Token) -> str | None:
    """The canonical unit a token names, or None if it names none."""
    if token.kind == "symbol":
        return PERCENT if token.text == PERCENT else _SYMBOL_TO_CODE[token.text]
    if token.kind == "word" and token.text.upper() in CURRENCY_SYMBOLS:
        return token.text.upper()
    return None


def _read_number(raw: str, shown: str) -> Decimal:
    """Check the separators of a number token and return its value."""
    mantissa, _, exponent = raw.lower().partition("e")
    digits = mantissa.replace(" ", "")
    if digits.count(".") > 1:
        raise _error(shown, "has more than one decimal point")
    whole, _, fraction = digits.partition(".")
    if "," in fraction:
        raise _error(shown, "has a comma after the decimal point")
    if "," in whole:
        groups = whole.split(",")
        if len(groups) == 2 and not fraction and len(groups[1]) in (1, 2):
            with_dot = mantissa.replace(",", ".")
            raise _error(
                shown,
                "is ambiguous: a comma separates thousands in groups of 3 digits (1,200); "
                f"for a decimal use a dot, like {with_dot}",
            )
        if not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:]):
            raise _error(
                shown, "has misplaced commas: thousands groups must be 3 digits, like 1,200,000"
            )
    base = Decimal(f"{whole.replace(',', '')}.{fraction}")
    if len(exponent.lstrip("+-")) > _MAX_EXPONENT_DIGITS:  # keep Decimal within its limits
        if base == 0 or exponent.startswith("-"):
            return Decimal(0)
        return _MAX_DECIMAL * 10  # far beyond the limit whatever the mantissa
    return base.scaleb(int(exponent or 0))


def _shown(text: str) -> str:
    text = text.strip()
    if len(text) <= _SHOWN_INPUT_CHARS:
        return text
    return text[: _SHOWN_INPUT_CHARS - 1] + "…"


def _error(shown: str, problem: str) -> ValueParseError:
    return ValueParseError(f"'{shown}' {problem}. {EXAMPLES}")


def unit_conflict(parsed: ParsedValue, kpi_unit: str | None) -> str | None:
    """A message when the unit typed contradicts the KPI's unit, else None.

    Typing no unit is always fine. A currency typed for a KPI in another currency, a percentage
    for a KPI that is not one, or a currency for a KPI that is not money are conflicts.
    """
    typed = parsed.unit
    expected = canonical_unit(kpi_unit)
    if typed is None or typed == expected:
        return None
    typed_text = format_value(parsed.number, typed)
    if expected is None:
        example = format_value(parsed.number, None)
        what = "a plain number"
    elif expected == PERCENT:
        example = format_value(parsed.number, PERCENT)
        what = "a percentage"
    elif expected in CURRENCY_SYMBOLS:
        example = format_value(1200, expected)
        what = f"measured in {expected}"
    else:
        example = format_value(parsed.number, None)
        what = f"counted in {expected}"
    typed_what = "a percentage" if typed == PERCENT else f"an amount in {typed}"
    if expected in CURRENCY_SYMBOLS and typed in CURRENCY_SYMBOLS:
        advice = f"Convert it to {expected} and send it like {example}."
    elif expected in CURRENCY_SYMBOLS:
        advice = f"Send the amount in {expected}, like {example}."
    else:
        advice = f"Send it like {example}."
    return f"You sent {typed_text}, {typed_what}, but this KPI is {what}. {advice}"
