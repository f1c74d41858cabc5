"""Field parsers: one YAML node of a config file to one checked value.

Each parser takes the node of one field and returns its value (``None`` for an empty one) or
raises :class:`~commands.configfile.errors.Bad` saying what is wrong and what is expected.
Only plain YAML values are accepted: explicit tags such as ``!!python/object`` are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core import clock_text
from core.digest_time import parse_digest_time
from core.kinds import parse_enum
from core.review_cadence import parse_review_cadence, review_lead_hours
from core.values import MAX_ABS_VALUE, ValueParseError, parse_value

from .errors import Bad, did_you_mean, shown

SLUG_RULE = "^[a-z0-9][a-z0-9-_]{0,63}$"
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,31}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
MERGE = "tag:yaml.org,2002:merge"

_CONSTRUCTOR = SafeConstructor()
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)

Parser = Callable[[Node], Any]


def check_tag(node: Node) -> None:
    """Refuse explicit tags such as !!python/object: config files hold plain data only."""
    if node.tag not in _PLAIN_TAGS:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise Bad(f"the YAML tag {tag} is not allowed; config files hold plain values only")


def _scalar(node: Node) -> str | None:
    check_tag(node)
    if isinstance(node, ScalarNode):
        return None if node.tag == NULL else str(node.value)
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    raise Bad(f"expected a single value, not {kind}")


def _nonblank(node: Node) -> str | None:
    """The text of a single value, or None when it is empty or only white space."""
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    return value


def text_parser(max_length: int | None = None) -> Parser:
    """A parser for free text of at most `max_length` characters."""

    def parse(node: Node) -> str | None:
        value = _nonblank(node)
        if value is not None and max_length is not None and len(value) > max_length:
            raise Bad(f"is {len(value)} characters long; at most {max_length} are allowed")
        return value

    return parse


def _matching(pattern: re.Pattern[str], problem: str) -> Parser:
    """A parser for text matching all of `pattern`; `problem` follows the quoted value."""

    def parse(node: Node) -> str | None:
        value = _nonblank(node)
        if value is not None and not pattern.fullmatch(value):
            raise Bad(f"'{shown(value)}' {problem}")
        return value

    return parse


parse_slug = _matching(
    _SLUG,
    f"is not a valid key: keys must match {SLUG_RULE} "
    "(lowercase letters, digits, - and _, starting with a letter or digit, "
    "at most 64 characters), like 'grow-arr'",
)
parse_user = _matching(
    _USER_ID,
    "is not a Slack user ID: expected U or W followed by capital "
    "letters and digits, like U0ALICE01 (in Slack: profile, ⋮, Copy member ID)",
)
parse_channel = _matching(
    _CHANNEL_ID,
    "is not a Slack channel ID: expected C or G followed by capital "
    "letters and digits, like C0SALES01 (the channel name will not do; in Slack: "
    "channel details, bottom of the About tab)",
)


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_timezone(node: Node) -> str | None:
    value = _nonblank(node)
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = did_you_mean(value, _timezone_names()) or " (use an IANA name like Europe/Berlin)"
        raise Bad(f"'{shown(value)}' is not a known timezone{hint}") from None
    if len(value) > 64:
        raise Bad("is longer than 64 characters")
    return value


def parse_date(node: Node) -> date | None:
    value = _nonblank(node)
    if value is None:
        return None
    if not _ISO_DATE.fullmatch(value):
        raise Bad(f"'{shown(value)}' is not a date; write dates as YYYY-MM-DD, like 2027-06-30")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Bad(f"'{value}' is not a valid date ({exc}); write dates as YYYY-MM-DD") from None


def parse_bool(node: Node) -> bool | None:
    value = _scalar(node)
    if value is None:
        return None
    assert isinstance(node, ScalarNode)
    if node.tag == BOOL:
        return bool(_CONSTRUCTOR.construct_yaml_bool(node))
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Bad(f"'{shown(value)}' is not true or false")


@dataclass(frozen=True)
class Number:
    """A number as written in the file, before it is checked against the KPI's unit."""

    value: float
    unit: str | None  # the unit written with it ("$4M" -> "USD"), checked against the KPI's
    text: str


def parse_number(node: Node) -> Number | None:
    value = _scalar(node)
    if value is None:
        return None
    assert isinstance(node, ScalarNode)
    if node.tag in (INT, FLOAT):
        try:
            if node.tag == INT:
                number = float(_CONSTRUCTOR.construct_yaml_int(node))
            else:
                number = float(_CONSTRUCTOR.construct_yaml_float(node))
        except (ValueError, OverflowError):
            raise Bad(f"'{shown(value)}' is not a number") from None
        if not math.isfinite(number):
            raise Bad(f"'{shown(value)}' is not a finite number")
        if abs(number) > MAX_ABS_VALUE:
            raise Bad(f"'{shown(value)}' is too large (at most {MAX_ABS_VALUE:,.0f})")
        return Number(number + 0.0, None, value)
    if node.tag == BOOL:
        raise Bad(f"'{value}' is not a number")
    try:
        parsed = parse_value(value)
    except ValueParseError as exc:
        raise Bad(str(exc)) from None
    return Number(parsed.number, parsed.unit, value)


_BAND_EXPECTED = "expected two numbers [low, high], like band: [40, 60]"


def parse_band(node: Node) -> tuple[Number, Number] | None:
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return None
    check_tag(node)
    if not isinstance(node, SequenceNode) or len(node.value) != 2:
        raise Bad(_BAND_EXPECTED)
    low, high = (parse_number(item) for item in node.value)
    if low is None or high is None:
        raise Bad(_BAND_EXPECTED)
    return low, high


_TARGETS_EXPECTED = (
    "expected a mapping of periods to targets, like targets: {2026-12: 90, 2027-01: 60}, "
    "or a ramp, like targets: {ramp: {from: 2026-01, start: 10, to: 2026-12, end: 50}}"
)


def parse_targets_field(node: Node) -> dict[str, Any] | None:
    """``targets:`` as plain text keys and values; which periods they are depends on the KPI's
    cadence, so core.targets reads them in validate.check_kpi."""
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return None
    check_tag(node)
    if not isinstance(node, MappingNode):
        raise Bad(_TARGETS_EXPECTED)
    return _plain_mapping(node) or None


def _plain_mapping(node: MappingNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        check_tag(key_node)
        check_tag(value_node)
        if not isinstance(key_node, ScalarNode) or key_node.tag == MERGE:
            raise Bad(_TARGETS_EXPECTED)
        if isinstance(value_node, MappingNode):
            out[str(key_node.value)] = _plain_mapping(value_node)
        elif isinstance(value_node, ScalarNode):
            out[str(key_node.value)] = None if value_node.tag == NULL else str(value_node.value)
        else:
            raise Bad(f"targets: {key_node.value}: {_TARGETS_EXPECTED}")
    return out


def parse_formula_field(node: Node) -> str | None:
    """A formula's text; it is read (and checked against the other KPIs) in validate."""
    value = _nonblank(node)
    if value is None:
        return None
    if len(value.strip()) > 500:
        raise Bad("the formula is longer than 500 characters; simplify it")
    return " ".join(value.split())


def enum_parser(kind: type[Any], aliases: dict[str, Any] | None = None) -> Parser:
    """A parser for one member of the enum `kind`, by value or by one of its `aliases`."""

    def parse(node: Node) -> Any:
        value = _nonblank(node)
        if value is None:
            return None
        try:
            return parse_enum(kind, value, aliases)
        except ValueError as exc:
            raise Bad(str(exc)) from None

    return parse


# --- reminder settings of a team, kept as their canonical text (as exported) ---------------------


def _canonical(read: Callable[[str], Any], show: Callable[[Any], str]) -> Parser:
    """A parser that checks text with `read` and keeps it as `show` writes it back."""

    def parse(node: Node) -> str | None:
        value = _nonblank(node)
        if value is None:
            return None
        try:
            return show(read(value))
        except ValueError as exc:
            raise Bad(str(exc)) from None

    return parse


parse_time_of_day = _canonical(clock_text.parse_time_of_day, lambda t: f"{t:%H:%M}")
parse_working_hours = _canonical(
    clock_text.parse_working_hours, lambda hours: clock_text.format_working_hours(*hours)
)
parse_workdays = _canonical(clock_text.parse_workdays, clock_text.format_workdays)
parse_digest = _canonical(parse_digest_time, lambda when: when.text)  # "mon 09:00"
parse_review = _canonical(  # "every 2 weeks tue 10:00 from 2026-12-01"
    lambda text: parse_review_cadence(text, today=None), lambda cadence: cadence.text
)
parse_review_before = _canonical(lambda text: f"{review_lead_hours(text)}h", str)  # "24h"
parse_follow_up = _canonical(
    lambda text: clock_text.parse_duration(text, at_least=timedelta(minutes=10)),
    clock_text.format_duration,
)


def parse_count(low: int, high: int) -> Parser:
    """A parser for a whole number from `low` to `high`."""

    def parse(node: Node) -> int | None:
        value = _nonblank(node)
        if value is None:
            return None
        if not value.strip().isdigit() or not low <= int(value) <= high:
            raise Bad(f"'{shown(value)}' is not a whole number from {low} to {high}")
        return int(value)

    return parse
