"""``log``: a KPI (key or name, several words), a value as people write it, a period, a note."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from commands.parsing.text import collapse, fail, plain, ref, shown
from commands.parsing.tokens import Scanner, Token, free_text, try_scan
from core.values import CURRENCY_SYMBOLS


@dataclass(frozen=True)
class Log:
    kpi: str  # a key or a name, lowercased
    # The value as typed (parse it with core.values.parse_value). None when no word after the
    # KPI looks like a number: then `kpi` is every word typed, and the handler, which knows the
    # KPIs, tells the name from the mistyped value ("pipeline abc": 'abc' is not a number).
    value: str | None
    period: str | None = None  # as typed after "for": "2026-W47", "2026-11", "last week", ...
    note: str | None = None


# The currencies core.values reads: one list, so a new one is a value everywhere.
_CURRENCY_CODES = tuple(CURRENCY_SYMBOLS)
_SYMBOLS = re.escape("".join(CURRENCY_SYMBOLS.values()))
# A value starts with a digit, or with signs, currency symbols, "(" or "." then a digit.
_VALUE = re.compile(rf"[+\-−±{_SYMBOLS}(.]*\d")
_SMALL_NUMBER = re.compile(rf"[+\-−(]?[{_SYMBOLS}]?\d{{1,3}}")
_THOUSANDS_GROUP = re.compile(r"\d{3}(?:\.\d+)?")
_FOR = re.compile(r"\s*for(?=\s|$)", re.IGNORECASE)
_RELATIVE_PERIODS = ("today", "yesterday")
_PERIOD_WORDS = ("this", "last", "previous")
_PERIOD_UNITS = ("day", "week", "month", "quarter", "year")
_LOG_EXAMPLE = "/kpi log pipeline 1.2M"


def _is_value(token: Token | None) -> bool:
    return token is not None and token.key is None and bool(_VALUE.match(token.text))


def _is_currency_code(token: Token | None) -> bool:
    return token is not None and not token.quoted and token.source.upper() in _CURRENCY_CODES


def _value_starts(scanner: Scanner) -> bool:
    token = scanner.peek()
    if _is_value(token):
        return True
    return (
        token is not None
        and _is_currency_code(token)
        and _is_value(try_scan(scanner.text, token.end))
    )


def _take_value(scanner: Scanner) -> str:
    text = scanner.text
    first = scanner.take()
    assert first is not None
    if first.quoted:
        return first.text
    number: Token | None = first
    if _is_currency_code(first):
        number = try_scan(text, first.end)
    assert number is not None
    end = number.end
    if _SMALL_NUMBER.fullmatch(number.source):  # "1 200 000": thousands grouped by spaces
        while (group := try_scan(text, end)) and group.key is None and not group.quoted:
            if not _THOUSANDS_GROUP.fullmatch(group.source):
                break
            end = group.end
    unit = try_scan(text, end)
    if number is first and unit is not None and (unit.source == "%" or _is_currency_code(unit)):
        end = unit.end
    scanner.at = end
    return collapse(plain(text[first.start : end]))


def _take_period(scanner: Scanner) -> str | None:
    """`for PERIOD` right after the value; None if there is none (a "for" may start a note)."""
    text = scanner.text
    keyword = _FOR.match(text, scanner.at)
    if keyword is None:
        return None
    period = try_scan(text, keyword.end())
    if period is None and text[keyword.end() :].strip():
        return None  # "for 'twas …": an unbalanced quote, so a note
    if period is None:
        raise fail(f"`for` needs a period, like `{_LOG_EXAMPLE} for 2026-W47`.", "log")
    if period.key is not None:
        return None
    has_digit = any(ch.isdigit() for ch in period.source)
    if period.quoted or has_digit or period.word in _RELATIVE_PERIODS:
        scanner.at = period.end
        return period.text
    unit = try_scan(text, period.end)
    if period.word in _PERIOD_WORDS and unit is not None and unit.word in _PERIOD_UNITS:
        scanner.at = unit.end
        return f"{period.word} {unit.word}"
    return None


def _take_word(scanner: Scanner) -> str:
    """The word where the value belongs after a quoted name, for the handler to refuse."""
    token = scanner.take()
    assert token is not None
    return token.text


def parse_log(scanner: Scanner, today: date) -> Log:
    first = scanner.take()
    if first is None:
        raise fail(f"`log` needs a KPI and a value, like `{_LOG_EXAMPLE}`.", "log")
    words = [first.text]
    if not first.quoted:  # as many words as come before the value
        while not _value_starts(scanner) and (token := scanner.take()) is not None:
            words.append(token.text)
    kpi = ref(" ".join(words)).rstrip(":").strip()
    if not kpi:
        raise fail(f"`log` needs a KPI key or name, like `{_LOG_EXAMPLE}`.", "log")
    if not _value_starts(scanner):
        if len(words) == 1 and _is_value(first):
            raise fail(f"`log` needs the KPI before the value, like `{_LOG_EXAMPLE}`.", "log")
        after = scanner.peek()
        if len(words) > 1:  # the words as typed: the last ones may be a mistyped value
            return Log(collapse(" ".join(words)), None)
        if after is None:
            named = f'"{kpi}"' if first.quoted else kpi
            raise fail(f"log needs a value: /kpi log {shown(named)} 1.2M [note]", "log")
    value = _take_value(scanner) if _value_starts(scanner) else _take_word(scanner)
    period = _take_period(scanner)
    note = free_text(scanner.raw_rest(), "note", "log")
    return Log(kpi, value, period, note)
