"""Config as code: `kpibot import FILE.yml` and `kpibot export`.

One YAML file describes teams, goals, KPIs, optional V2MOMs and optional people::

    teams:
      - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
    goals:
      - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
      - {key: pipeline-h1, title: Build a $4M pipeline in H1, parent: grow-arr, team: sales}
    kpis:
      - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1,
         owner: U0ALICE01, unit: USD, direction: up, target: 4M, baseline: 1500000,
         cadence: weekly, indicator: leading}
    v2mom:
      - {team: sales, vision: ..., values: ..., methods: ..., obstacles: ...}
    people:
      - {id: U0ALICE01, name: Alice, timezone: Europe/Berlin}

How an import behaves:

* Entities are matched by their key (teams, goals, KPIs), by their team (V2MOMs) or by their
  Slack user ID (people). A key not in the database is created; a known one is updated.
* Each team, goal, KPI and V2MOM entry describes its entity completely: an optional field left
  out is cleared (a KPI's direction falls back to ``up``, its indicator to ``lagging``, ``active``
  to true). People are the exception: only the fields given are set, because kpibot also
  learns names and timezones from Slack.
* Import never deletes. Teams, goals and KPIs missing from the file are left as they are; retire
  a KPI with ``active: false`` and archive a goal with ``archived: true``.
* Importing the same file twice changes nothing the second time: no writes, no audit events.
* The whole file is checked before anything is written (:func:`load_config` / :func:`parse_config`
  check the file on its own, :func:`apply_config` checks references against the database), and
  every problem is reported at once with its file and line. :func:`apply_config` writes inside
  the caller's transaction, so a failure leaves nothing half-written.
* Owners and leads get a person row if they have none yet.

:func:`export_config` writes the same format back, so export, import into an empty database and
export again gives identical text. Files are read with PyYAML's safe loader only, and files over
5 MB are refused.
"""

from __future__ import annotations

import difflib
import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from sqlmodel import Session, select
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.kinds import DIRECTION_ALIASES, Cadence, Direction, Indicator, parse_enum
from core.values import (
    MAX_ABS_VALUE,
    ParsedValue,
    ValueParseError,
    canonical_unit,
    parse_value,
    unit_conflict,
)
from storage import repo
from storage.models import Goal, Kpi, Person, Team, V2Mom

MAX_CONFIG_BYTES = 5 * 1024 * 1024
SLUG_RULE = "^[a-z0-9][a-z0-9-_]{0,63}$"
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,31}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"

_CONSTRUCTOR = SafeConstructor()
# The safe loader only; the LibYAML one when PyYAML has it (about four times faster).
_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)
_ACTION_CREATE = "config.create"
_ACTION_UPDATE = "config.update"


class ConfigError(ValueError):
    """A config file that cannot be imported; ``str()`` lists every problem, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- the parsed file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of a section, its fields checked and normalised (only the fields given)."""

    entity: str  # "team", "goal", "kpi", "v2mom" or "person"
    key: str  # the key, the team key of a V2MOM, or the Slack user ID of a person
    line: int
    fields: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)


@dataclass(frozen=True)
class ConfigSpec:
    """A checked config file, ready for :func:`apply_config`."""

    source: str
    teams: tuple[Entry, ...] = ()
    goals: tuple[Entry, ...] = ()
    kpis: tuple[Entry, ...] = ()
    v2mom: tuple[Entry, ...] = ()
    people: tuple[Entry, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.teams + self.goals + self.kpis + self.v2mom + self.people


_PLURALS = {
    "team": ("team", "teams"),
    "goal": ("goal", "goals"),
    "kpi": ("KPI", "KPIs"),
    "v2mom": ("V2MOM", "V2MOMs"),
    "person": ("person", "people"),
}
_ENTITY_ORDER = ("person", "team", "goal", "v2mom", "kpi")


@dataclass(frozen=True)
class ImportSummary:
    created: dict[str, list[str]]  # entity -> keys created, e.g. {"kpi": ["pipeline"]}
    updated: dict[str, list[str]]  # entity -> keys changed
    unchanged: int  # entries of the file that already matched the database

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        """A short human summary, one line per entity and kind of change."""
        out: list[str] = []
        for verb, groups in (("Created", self.created), ("Updated", self.updated)):
            for entity in sorted(groups, key=_entity_rank):
                keys = groups[entity]
                singular, plural = _PLURALS.get(entity, (entity, entity + "s"))
                noun = singular if len(keys) == 1 else plural
                out.append(f"{verb} {len(keys)} {noun}: {', '.join(keys)}")
        if not out:
            out.append(f"Nothing to change: all {self.unchanged} entries already match.")
        elif self.unchanged:
            noun = "entry" if self.unchanged == 1 else "entries"
            out.append(f"{self.unchanged} {noun} unchanged.")
        return out


def _entity_rank(entity: str) -> int:
    return _ENTITY_ORDER.index(entity) if entity in _ENTITY_ORDER else len(_ENTITY_ORDER)


# --- reading scalars -------------------------------------------------------------------------


class _Bad(Exception):
    """One problem with one field; the message says what is wrong and what is expected."""


Parser = Callable[[Node], Any]


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


def _check_tag(node: Node) -> None:
    """Refuse explicit tags such as !!python/object: config files hold plain data only."""
    if node.tag not in _PLAIN_TAGS:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise _Bad(f"the YAML tag {tag} is not allowed; config files hold plain values only")


def _scalar(node: Node) -> str | None:
    _check_tag(node)
    if isinstance(node, ScalarNode):
        return None if node.tag == _NULL else str(node.value)
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    raise _Bad(f"expected a single value, not {kind}")


def _text(max_length: int | None = None) -> Parser:
    def parse(node: Node) -> str | None:
        value = _scalar(node)
        if value is None or not value.strip():
            return None
        if max_length is not None and len(value) > max_length:
            raise _Bad(f"is {len(value)} characters long; at most {max_length} are allowed")
        return value

    return parse


def _slug(node: Node) -> str | None:
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    if not _SLUG.fullmatch(value):
        raise _Bad(
            f"'{_shown(value)}' is not a valid key: keys must match {SLUG_RULE} "
            "(lowercase letters, digits, - and _, starting with a letter or digit, "
            "at most 64 characters), like 'grow-arr'"
        )
    return value


def _user(node: Node) -> str | None:
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    if not _USER_ID.fullmatch(value):
        raise _Bad(
            f"'{_shown(value)}' is not a Slack user ID: expected U or W followed by capital "
            "letters and digits, like U0ALICE01 (in Slack: profile, ⋮, Copy member ID)"
        )
    return value


def _channel(node: Node) -> str | None:
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    if not _CHANNEL_ID.fullmatch(value):
        raise _Bad(
            f"'{_shown(value)}' is not a Slack channel ID: expected C or G followed by capital "
            "letters and digits, like C0SALES01 (the channel name will not do; in Slack: "
            "channel details, bottom of the About tab)"
        )
    return value


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(node: Node) -> str | None:
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = _did_you_mean(value, _timezone_names()) or " (use an IANA name like Europe/Berlin)"
        raise _Bad(f"'{_shown(value)}' is not a known timezone{hint}") from None
    if len(value) > 64:
        raise _Bad("is longer than 64 characters")
    return value


def _date(node: Node) -> date | None:
    value = _scalar(node)
    if value is None or not value.strip():
        return None
    if not _ISO_DATE.fullmatch(value):
        raise _Bad(f"'{_shown(value)}' is not a date; write dates as YYYY-MM-DD, like 2027-06-30")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _Bad(f"'{value}' is not a valid date ({exc}); write dates as YYYY-MM-DD") from None


def _bool(node: Node) -> bool | None:
    value = _scalar(node)
    if value is None:
        return None
    assert isinstance(node, ScalarNode)
    if node.tag == _BOOL:
        return bool(_CONSTRUCTOR.construct_yaml_bool(node))
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Bad(f"'{_shown(value)}' is not true or false")


@dataclass(frozen=True)
class _Number:
    value: float
    unit: str | None  # the unit written with it ("$4M" -> "USD"), checked against the KPI's
    text: str


def _number(node: Node) -> _Number | None:
    value = _scalar(node)
    if value is None:
        return None
    assert isinstance(node, ScalarNode)
    if node.tag in (_INT, _FLOAT):
        try:
            if node.tag == _INT:
                number = float(_CONSTRUCTOR.construct_yaml_int(node))
            else:
                number = float(_CONSTRUCTOR.construct_yaml_float(node))
        except (ValueError, OverflowError):
            raise _Bad(f"'{_shown(value)}' is not a number") from None
        if not math.isfinite(number):
            raise _Bad(f"'{_shown(value)}' is not a finite number")
        if abs(number) > MAX_ABS_VALUE:
            raise _Bad(f"'{_shown(value)}' is too large (at most {MAX_ABS_VALUE:,.0f})")
        return _Number(number + 0.0, None, value)
    if node.tag == _BOOL:
        raise _Bad(f"'{value}' is not a number")
    try:
        parsed = parse_value(value)
    except ValueParseError as exc:
        raise _Bad(str(exc)) from None
    return _Number(parsed.number, parsed.unit, value)


def _band(node: Node) -> tuple[_Number, _Number] | None:
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return None
    _check_tag(node)
    if not isinstance(node, SequenceNode) or len(node.value) != 2:
        raise _Bad("expected two numbers [low, high], like band: [40, 60]")
    low, high = (_number(item) for item in node.value)
    if low is None or high is None:
        raise _Bad("expected two numbers [low, high], like band: [40, 60]")
    return low, high


def _enum_parser(kind: type[Any], aliases: dict[str, Any] | None = None) -> Parser:
    def parse(node: Node) -> Any:
        value = _scalar(node)
        if value is None or not value.strip():
            return None
        try:
            return parse_enum(kind, value, aliases)
        except ValueError as exc:
            raise _Bad(str(exc)) from None

    return parse


def _shown(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    candidates = list(known)
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- the sections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    name: str  # as written in the file
    entity: str
    label: str  # how messages name one entry
    key_field: str
    parsers: dict[str, Parser]  # in export order
    required: tuple[str, ...]
    defaults: dict[str, Any] | None  # None: partial entries (only given fields are set)

    def desired(self, entry: Entry) -> dict[str, Any]:
        """All fields of the entity as the entry wants them (defaults for fields left out)."""
        if self.defaults is None:
            return {k: v for k, v in entry.fields.items() if k != self.key_field}
        return {
            name: entry.fields.get(name, self.defaults.get(name))
            for name in self.parsers
            if name != self.key_field
        }


_TEXT = _text()
_SECTIONS: dict[str, _Section] = {
    s.name: s
    for s in (
        _Section(
            "teams",
            "team",
            "team",
            "key",
            {
                "key": _slug,
                "name": _text(200),
                "channel": _channel,
                "timezone": _timezone,
                "lead": _user,
            },
            ("key", "name"),
            {},
        ),
        _Section(
            "goals",
            "goal",
            "goal",
            "key",
            {
                "key": _slug,
                "title": _text(300),
                "parent": _slug,
                "team": _slug,
                "deadline": _date,
                "description": _TEXT,
                "archived": _bool,
            },
            ("key", "title"),
            {"archived": False},
        ),
        _Section(
            "kpis",
            "kpi",
            "KPI",
            "key",
            {
                "key": _slug,
                "name": _text(200),
                "team": _slug,
                "goal": _slug,
                "owner": _user,
                "unit": _text(32),
                "direction": _enum_parser(Direction, DIRECTION_ALIASES),
                "target": _number,
                "baseline": _number,
                "band": _band,
                "cadence": _enum_parser(Cadence),
                "indicator": _enum_parser(Indicator),
                "definition": _TEXT,
                "decision": _TEXT,
                "active": _bool,
            },
            ("key", "name", "owner", "cadence"),
            {"direction": Direction.UP, "indicator": Indicator.LAGGING, "active": True},
        ),
        _Section(
            "v2mom",
            "v2mom",
            "V2MOM of team",
            "team",
            {
                "team": _slug,
                "vision": _TEXT,
                "values": _TEXT,
                "methods": _TEXT,
                "obstacles": _TEXT,
            },
            ("team",),
            {},
        ),
        _Section(
            "people",
            "person",
            "person",
            "id",
            {"id": _user, "name": _text(200), "timezone": _timezone},
            ("id",),
            None,
        ),
    )
}


# --- parsing ---------------------------------------------------------------------------------


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, f"{self.source}:{line}: {message}"))

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError([message for _, message in sorted(self.items, key=lambda i: i[0])])


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def load_config(path: Path) -> ConfigSpec:
    """Read and check a config file; raises ConfigError listing every problem."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError([_too_large(source, size)])
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{source}: is not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from None
    return parse_config(text, source)


def _too_large(source: str, size: int) -> str:
    return (
        f"{source}: the file is {size / 1024 / 1024:.1f} MB; config files may be at most "
        f"{MAX_CONFIG_BYTES // 1024 // 1024} MB"
    )


def parse_config(text: str, source: str = "<config>") -> ConfigSpec:
    """Parse and check config text on its own (references to the database are checked by
    :func:`apply_config`); raises ConfigError listing every problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError([_too_large(source, size)])
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None and "\t" in _line_text(text, mark.line):
            problem += " (YAML is indented with spaces; this line has a tab)"
        raise ConfigError([f"{where}: not valid YAML: {problem}"]) from None

    problems = _Problems(source)
    if root is None:
        raise ConfigError([f"{source}: the file is empty; expected sections {_section_list()}"])
    if not isinstance(root, MappingNode):
        problems.add(
            _line(root),
            f"the top level must be a mapping of sections ({_section_list()}), "
            f"not {_describe(root)}",
        )
        problems.raise_if_any()
    assert isinstance(root, MappingNode)

    parsed: dict[str, list[Entry]] = {name: [] for name in _SECTIONS}
    seen_sections: dict[str, int] = {}
    for key_node, value_node in root.value:
        name = _scalar_key(key_node)
        line = _line(key_node)
        if name is None:
            problems.add(line, "section names must be plain words")
            continue
        if name not in _SECTIONS:
            problems.add(
                line,
                f"unknown section '{_shown(name)}'{_did_you_mean(name, _SECTIONS)}; "
                f"the sections are {_section_list()}",
            )
            continue
        if name in seen_sections:
            problems.add(
                line, f"section '{name}' appears twice (first at line {seen_sections[name]})"
            )
            continue
        seen_sections[name] = line
        section = _SECTIONS[name]
        if isinstance(value_node, ScalarNode) and value_node.tag == _NULL:
            continue
        if not isinstance(value_node, SequenceNode):
            problems.add(
                _line(value_node),
                f"section '{name}' must be a list of entries (each starting with '- '), "
                f"not {_describe(value_node)}",
            )
            continue
        for index, item in enumerate(value_node.value, start=1):
            entry = _parse_entry(section, index, item, problems)
            if entry is not None:
                parsed[name].append(entry)

    for name, entries in parsed.items():
        _check_duplicates(_SECTIONS[name], entries, problems)
    _check_cycles(
        {e.key: (e.fields.get("parent"), e.line_of("parent")) for e in parsed["goals"]},
        set(),
        problems,
    )
    problems.raise_if_any()
    return ConfigSpec(
        source=source,
        teams=tuple(parsed["teams"]),
        goals=tuple(parsed["goals"]),
        kpis=tuple(parsed["kpis"]),
        v2mom=tuple(parsed["v2mom"]),
        people=tuple(parsed["people"]),
    )


def _line_text(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


def _section_list() -> str:
    return ", ".join(_SECTIONS)


def _describe(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return f"the value '{_shown(str(node.value))}'"


def _scalar_key(node: Node) -> str | None:
    if isinstance(node, ScalarNode) and node.tag != _NULL:
        return str(node.value)
    return None


def _parse_entry(section: _Section, index: int, node: Node, problems: _Problems) -> Entry | None:
    line = _line(node)
    if not isinstance(node, MappingNode):
        problems.add(
            line,
            f"{section.name} entry {index}: each entry must be a mapping like "
            f"{{{section.key_field}: ..., ...}}, not {_describe(node)}",
        )
        return None

    label = f"{section.name} entry {index}"
    try:
        _check_tag(node)
    except _Bad as exc:
        problems.add(line, f"{label}: {exc}")
        return None
    # Find the key first so every later message can name the entry.
    for key_node, value_node in node.value:
        if _scalar_key(key_node) == section.key_field:
            try:
                key = section.parsers[section.key_field](value_node)
            except _Bad:
                break
            if key is not None:
                label = f"{section.label} '{key}'"
            break

    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    failed: set[str] = set()
    ok = True
    for key_node, value_node in node.value:
        name = _scalar_key(key_node)
        field_line = _line(key_node)
        if key_node.tag == _MERGE:
            problems.add(
                field_line, f"{label}: merge keys (<<) are not supported; write the fields out"
            )
            ok = False
            continue
        if name is None:
            problems.add(field_line, f"{label}: field names must be plain words")
            ok = False
            continue
        if name in lines:
            problems.add(
                field_line, f"{label}: field '{name}' appears twice (first at line {lines[name]})"
            )
            ok = False
            continue
        lines[name] = field_line
        parser = section.parsers.get(name)
        if parser is None:
            known = ", ".join(section.parsers)
            problems.add(
                field_line,
                f"{label}: unknown field '{_shown(name)}'"
                f"{_did_you_mean(name, section.parsers)}; the fields of {section.name} are "
                f"{known}",
            )
            ok = False
            continue
        try:
            value = parser(value_node)
        except _Bad as exc:
            problems.add(field_line, f"{label}: {name}: {exc}")
            failed.add(name)
            ok = False
            continue
        if value is not None:
            fields[name] = value

    for name in section.required:
        ok = _require(label, name, fields, lines, failed, line, problems) and ok
    if section.entity == "kpi":
        ok = _check_kpi(label, fields, lines, failed, line, problems) and ok
    if section.entity == "goal" and "parent" in fields and fields["parent"] == fields.get("key"):
        problems.add(lines["parent"], f"{label}: a goal cannot be its own parent")
        ok = False
    if not ok:
        return None
    return Entry(section.entity, fields[section.key_field], line, fields, lines)


def _require(
    label: str,
    name: str,
    fields: Mapping[str, Any],
    lines: Mapping[str, int],
    failed: set[str],
    line: int,
    problems: _Problems,
    why: str = "",
) -> bool:
    """Report a required field that is missing or empty (not one already reported as bad)."""
    if name in fields or name in failed:
        return True
    if name in lines:
        problems.add(lines[name], f"{label}: required field '{name}' is empty{why}")
    else:
        problems.add(line, f"{label}: missing required field '{name}'{why}")
    return False


def _check_kpi(
    label: str,
    fields: dict[str, Any],
    lines: dict[str, int],
    failed: set[str],
    line: int,
    problems: _Problems,
) -> bool:
    ok = True
    direction = fields.get("direction", Direction.UP)
    if "unit" in fields:
        fields["unit"] = canonical_unit(fields["unit"])
    unit = fields.get("unit")

    def number(name: str, raw: _Number) -> float | None:
        conflict = unit_conflict(ParsedValue(raw.value, raw.unit), unit) if raw.unit else None
        if conflict is not None:
            what = "no unit" if unit is None else f"unit {unit}"
            problems.add(
                lines.get(name, line),
                f"{label}: {name}: '{raw.text}' is in {raw.unit} but the KPI has {what}; "
                "write the number in the KPI's unit (or change the unit)",
            )
            return None
        return raw.value

    for name in ("target", "baseline"):
        if name in fields:
            value = number(name, fields[name])
            if value is None:
                ok = False
                failed.add(name)
                del fields[name]
            else:
                fields[name] = value
    if "band" in fields:
        low_raw, high_raw = fields["band"]
        low, high = number("band", low_raw), number("band", high_raw)
        if low is None or high is None:
            failed.add("band")
            del fields["band"]
            ok = False
        elif low > high:
            problems.add(
                lines["band"],
                f"{label}: band: the low end ({low_raw.text}) is above the high end "
                f"({high_raw.text}); write it as [low, high]",
            )
            failed.add("band")
            del fields["band"]
            ok = False
        else:
            fields["band"] = (low, high)

    if "direction" in failed:
        pass  # which of target and band is needed depends on the direction
    elif direction == Direction.BAND:
        why = " (direction band needs band: [low, high])"
        ok = _require(label, "band", fields, lines, failed, line, problems, why) and ok
    else:
        if "band" in fields:
            problems.add(
                lines["band"],
                f"{label}: band is only for direction: band (this KPI's direction is "
                f"{direction}); use target instead, or set direction: band",
            )
            ok = False
        ok = _require(label, "target", fields, lines, failed, line, problems) and ok
    target, baseline = fields.get("target"), fields.get("baseline")
    if isinstance(target, float) and isinstance(baseline, float) and target == baseline:
        problems.add(
            lines["baseline"],
            f"{label}: target and baseline are both {_plain(target)}; the target must differ "
            "from where you start",
        )
        ok = False
    return ok


def _plain(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _check_duplicates(section: _Section, entries: list[Entry], problems: _Problems) -> None:
    first: dict[str, int] = {}
    for entry in entries:
        if entry.key in first:
            problems.add(
                entry.line_of(section.key_field),
                f"{section.label} '{entry.key}' is defined twice (first at line "
                f"{first[entry.key]}); keys must be unique",
            )
        else:
            first[entry.key] = entry.line


def _check_cycles(
    parents: Mapping[str, tuple[str | None, int]], in_file_only: set[str], problems: _Problems
) -> None:
    """Report each cycle of goal parents once, at the line of one of its goals in the file.

    `parents` maps a goal key to (its parent key, the line to report); goals in
    `in_file_only` are from the database and have no line of their own.
    """
    reported: set[frozenset[str]] = set()
    for start in parents:
        if start in in_file_only:
            continue
        chain: list[str] = []
        at: str | None = start
        while at is not None and at not in chain:
            chain.append(at)
            at = parents.get(at, (None, 0))[0]
        if at is None:
            continue
        cycle = chain[chain.index(at) :]
        if frozenset(cycle) in reported or start not in cycle:
            continue
        reported.add(frozenset(cycle))
        text = " -> ".join([*cycle, cycle[0]])
        problems.add(
            parents[start][1],
            f"goal '{start}': parent: the parents form a cycle ({text}); a goal cannot be "
            "its own ancestor",
        )


# --- applying --------------------------------------------------------------------------------


@dataclass
class _State:
    """Everything an import compares against, read before anything is written."""

    teams: dict[str, Team]
    goals: dict[str, Goal]
    kpis: dict[str, Kpi]
    v2moms: dict[int, V2Mom]
    people: dict[str, Person]
    team_keys: dict[int, str] = field(default_factory=dict)
    goal_keys: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, user_ids: Iterable[str]) -> _State:
        state = cls(
            teams={t.key: t for t in session.exec(select(Team))},
            goals={g.key: g for g in session.exec(select(Goal))},
            kpis={k.key: k for k in session.exec(select(Kpi))},
            v2moms={v.team_id: v for v in session.exec(select(V2Mom))},
            people=repo.people_by_id(session, user_ids),
        )
        for team in state.teams.values():
            state.remember_team(team)
        for goal in state.goals.values():
            state.remember_goal(goal)
        return state

    def remember_team(self, team: Team) -> None:
        assert team.id is not None
        self.teams[team.key] = team
        self.team_keys[team.id] = team.key

    def remember_goal(self, goal: Goal) -> None:
        assert goal.id is not None
        self.goals[goal.key] = goal
        self.goal_keys[goal.id] = goal.key

    def team_key(self, team_id: int | None) -> str | None:
        return None if team_id is None else self.team_keys.get(team_id)

    def goal_key(self, goal_id: int | None) -> str | None:
        return None if goal_id is None else self.goal_keys.get(goal_id)


def _user_ids(spec: ConfigSpec) -> list[str]:
    ids: set[str] = set()
    for entry in spec.teams:
        if entry.fields.get("lead"):
            ids.add(entry.fields["lead"])
    for entry in spec.kpis:
        ids.add(entry.fields["owner"])
    ids.update(entry.key for entry in spec.people)
    return sorted(ids)


def _check_references(spec: ConfigSpec, state: _State) -> None:
    problems = _Problems(spec.source)
    teams = {e.key for e in spec.teams} | set(state.teams)
    goals = {e.key for e in spec.goals} | set(state.goals)

    def check(entry: Entry, label: str, name: str, known: set[str], what: str) -> None:
        key = entry.fields.get(name)
        if key is not None and key not in known:
            problems.add(
                entry.line_of(name),
                f"{label} '{entry.key}': {name}: '{key}' is not a {what} in this file or the "
                f"database{_did_you_mean(key, known)}",
            )

    for entry in spec.goals:
        check(entry, "goal", "parent", goals, "goal")
        check(entry, "goal", "team", teams, "team")
    for entry in spec.kpis:
        check(entry, "KPI", "team", teams, "team")
        check(entry, "KPI", "goal", goals, "goal")
    for entry in spec.v2mom:
        if entry.key not in teams:
            problems.add(
                entry.line,
                f"V2MOM of team '{entry.key}': '{entry.key}' is not a team in this file or the "
                f"database{_did_you_mean(entry.key, teams)}",
            )

    parents: dict[str, tuple[str | None, int]] = {
        g.key: (state.goal_key(g.parent_id), 0) for g in state.goals.values()
    }
    in_db_only = set(parents)
    for entry in spec.goals:
        parents[entry.key] = (entry.fields.get("parent"), entry.line_of("parent"))
        in_db_only.discard(entry.key)
    _check_cycles(parents, in_db_only, problems)
    problems.raise_if_any()


def apply_config(session: Session, spec: ConfigSpec, *, actor: str, now: datetime) -> ImportSummary:
    """Create or update what `spec` describes, within the caller's transaction.

    References (teams, goals, parents) are checked against the database before anything is
    written; a ConfigError then lists every problem. Each created or changed entity gets an
    audit event with the fields set or changed. Nothing is deleted.
    """
    state = _State.load(session, _user_ids(spec))
    _check_references(spec, state)
    writer = _Writer(session, state, spec.source, actor, now)
    writer.people(spec)
    for entry in spec.teams:
        writer.team(entry)
    for entry in _parents_first(spec.goals):
        writer.goal(entry)
    for entry in spec.v2mom:
        writer.v2mom(entry)
    for entry in spec.kpis:
        writer.kpi(entry)
    session.flush()
    return ImportSummary(
        created={k: v for k, v in writer.created.items() if v},
        updated={k: v for k, v in writer.updated.items() if v},
        unchanged=writer.unchanged,
    )


def _parents_first(goals: Sequence[Entry]) -> list[Entry]:
    by_key = {e.key: e for e in goals}
    done: set[str] = set()
    ordered: list[Entry] = []

    def visit(entry: Entry) -> None:
        if entry.key in done:
            return
        done.add(entry.key)
        parent = by_key.get(entry.fields.get("parent") or "")
        if parent is not None:
            visit(parent)
        ordered.append(entry)

    for entry in goals:
        visit(entry)
    return ordered


def _changes(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"from": _jsonable(current.get(name)), "to": _jsonable(value)}
        for name, value in desired.items()
        if current.get(name) != value
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


class _Writer:
    def __init__(
        self, session: Session, state: _State, source: str, actor: str, now: datetime
    ) -> None:
        self.session, self.state, self.source = session, state, source
        self.actor, self.now = actor, now
        self.created: dict[str, list[str]] = {}
        self.updated: dict[str, list[str]] = {}
        self.unchanged = 0

    def _created(self, entity: str, key: str, fields: Mapping[str, Any]) -> None:
        self.created.setdefault(entity, []).append(key)
        details = {
            "source": self.source,
            "fields": {k: _jsonable(v) for k, v in fields.items() if v is not None},
        }
        repo.audit(
            self.session,
            actor=self.actor,
            action=_ACTION_CREATE,
            entity=entity,
            key=key,
            now=self.now,
            details=details,
        )

    def _updated(self, entity: str, key: str, changes: dict[str, Any]) -> None:
        self.updated.setdefault(entity, []).append(key)
        repo.audit(
            self.session,
            actor=self.actor,
            action=_ACTION_UPDATE,
            entity=entity,
            key=key,
            now=self.now,
            details={"source": self.source, "changed": changes},
        )

    def people(self, spec: ConfigSpec) -> None:
        section = _SECTIONS["people"]
        entries = {e.key: e for e in spec.people}
        for user_id in _user_ids(spec):
            person = self.state.people.get(user_id)
            entry = entries.get(user_id)
            desired = section.desired(entry) if entry is not None else {}
            if person is None:
                person = repo.ensure_person(self.session, user_id, self.now)
                self.state.people[user_id] = person
                _set_person(person, desired)
                self._created("person", user_id, desired)
                continue
            if entry is None:
                continue
            changes = _changes(_person_fields(person), desired)
            if not changes:
                self.unchanged += 1
                continue
            _set_person(person, desired)
            person.updated_at = self.now
            self.session.add(person)
            self._updated("person", user_id, changes)

    def team(self, entry: Entry) -> None:
        desired = _SECTIONS["teams"].desired(entry)
        team = self.state.teams.get(entry.key)
        if team is None:
            team = Team(
                key=entry.key, name=desired["name"], created_at=self.now, updated_at=self.now
            )
            _set_team(team, desired)
            self.session.add(team)
            self.session.flush()
            self.state.remember_team(team)
            self._created("team", entry.key, desired)
            return
        changes = _changes(_team_fields(team), desired)
        if not changes:
            self.unchanged += 1
            return
        _set_team(team, desired)
        team.updated_at = self.now
        self.session.add(team)
        self._updated("team", entry.key, changes)

    def _team_id(self, key: str | None) -> int | None:
        return None if key is None else self.state.teams[key].id

    def _goal_id(self, key: str | None) -> int | None:
        return None if key is None else self.state.goals[key].id

    def goal(self, entry: Entry) -> None:
        desired = _SECTIONS["goals"].desired(entry)
        goal = self.state.goals.get(entry.key)
        if goal is None:
            goal = Goal(
                key=entry.key, title=desired["title"], created_at=self.now, updated_at=self.now
            )
            self._set_goal(goal, desired)
            self.session.add(goal)
            self.session.flush()
            self.state.remember_goal(goal)
            self._created("goal", entry.key, desired)
            return
        changes = _changes(_goal_fields(goal, self.state), desired)
        if not changes:
            self.unchanged += 1
            return
        self._set_goal(goal, desired)
        goal.updated_at = self.now
        self.session.add(goal)
        self._updated("goal", entry.key, changes)

    def _set_goal(self, goal: Goal, desired: Mapping[str, Any]) -> None:
        goal.title = desired["title"]
        goal.parent_id = self._goal_id(desired["parent"])
        goal.team_id = self._team_id(desired["team"])
        goal.deadline = desired["deadline"]
        goal.description = desired["description"]
        goal.archived = desired["archived"]

    def v2mom(self, entry: Entry) -> None:
        desired = _SECTIONS["v2mom"].desired(entry)
        team_id = self._team_id(entry.key)
        assert team_id is not None
        row = self.state.v2moms.get(team_id)
        if row is None:
            row = V2Mom(team_id=team_id, updated_by=self.actor[:32], updated_at=self.now)
            _set_v2mom(row, desired)
            self.session.add(row)
            self.state.v2moms[team_id] = row
            self._created("v2mom", entry.key, desired)
            return
        changes = _changes(_v2mom_fields(row, entry.key), desired)
        if not changes:
            self.unchanged += 1
            return
        _set_v2mom(row, desired)
        row.updated_by, row.updated_at = self.actor[:32], self.now
        self.session.add(row)
        self._updated("v2mom", entry.key, changes)

    def kpi(self, entry: Entry) -> None:
        desired = _SECTIONS["kpis"].desired(entry)
        kpi = self.state.kpis.get(entry.key)
        if kpi is None:
            kpi = Kpi(
                key=entry.key,
                name=desired["name"],
                owner_user_id=desired["owner"],
                created_at=self.now,
                updated_at=self.now,
            )
            self._set_kpi(kpi, desired)
            self.session.add(kpi)
            self.state.kpis[entry.key] = kpi
            self._created("kpi", entry.key, desired)
            return
        changes = _changes(_kpi_fields(kpi, self.state), desired)
        if not changes:
            self.unchanged += 1
            return
        self._set_kpi(kpi, desired)
        kpi.updated_at = self.now
        self.session.add(kpi)
        self._updated("kpi", entry.key, changes)

    def _set_kpi(self, kpi: Kpi, desired: Mapping[str, Any]) -> None:
        kpi.name = desired["name"]
        kpi.team_id = self._team_id(desired["team"])
        kpi.goal_id = self._goal_id(desired["goal"])
        kpi.owner_user_id = desired["owner"]
        kpi.unit = desired["unit"]
        kpi.direction = desired["direction"]
        kpi.target = desired["target"]
        kpi.baseline = desired["baseline"]
        kpi.band_low, kpi.band_high = desired["band"] or (None, None)
        kpi.cadence = desired["cadence"]
        kpi.indicator = desired["indicator"]
        kpi.definition = desired["definition"]
        kpi.decision = desired["decision"]
        if kpi.active and not desired["active"]:
            kpi.retired_at = self.now
        elif desired["active"]:
            kpi.retired_at = None
        kpi.active = desired["active"]


def _set_person(person: Person, desired: Mapping[str, Any]) -> None:
    if "name" in desired:
        person.display_name = desired["name"]
    if "timezone" in desired:
        person.timezone = desired["timezone"]


def _set_team(team: Team, desired: Mapping[str, Any]) -> None:
    team.name = desired["name"]
    team.channel_id = desired["channel"]
    team.timezone = desired["timezone"]
    team.lead_user_id = desired["lead"]


def _set_v2mom(row: V2Mom, desired: Mapping[str, Any]) -> None:
    row.vision = desired["vision"]
    row.values = desired["values"]
    row.methods = desired["methods"]
    row.obstacles = desired["obstacles"]


# --- rows as file fields (for comparing and for export) -------------------------------------


def _team_fields(team: Team) -> dict[str, Any]:
    return {
        "key": team.key,
        "name": team.name,
        "channel": team.channel_id,
        "timezone": team.timezone,
        "lead": team.lead_user_id,
    }


def _goal_fields(goal: Goal, state: _State) -> dict[str, Any]:
    return {
        "key": goal.key,
        "title": goal.title,
        "parent": state.goal_key(goal.parent_id),
        "team": state.team_key(goal.team_id),
        "deadline": goal.deadline,
        "description": goal.description,
        "archived": goal.archived,
    }


def _kpi_fields(kpi: Kpi, state: _State) -> dict[str, Any]:
    band = None
    if kpi.band_low is not None or kpi.band_high is not None:
        band = (kpi.band_low, kpi.band_high)
    return {
        "key": kpi.key,
        "name": kpi.name,
        "team": state.team_key(kpi.team_id),
        "goal": state.goal_key(kpi.goal_id),
        "owner": kpi.owner_user_id,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "target": kpi.target,
        "baseline": kpi.baseline,
        "band": band,
        "cadence": kpi.cadence,
        "indicator": kpi.indicator,
        "definition": kpi.definition,
        "decision": kpi.decision,
        "active": kpi.active,
    }


def _v2mom_fields(row: V2Mom, team_key: str) -> dict[str, Any]:
    return {
        "team": team_key,
        "vision": row.vision,
        "values": row.values,
        "methods": row.methods,
        "obstacles": row.obstacles,
    }


def _person_fields(person: Person) -> dict[str, Any]:
    return {"id": person.slack_user_id, "name": person.display_name, "timezone": person.timezone}


# --- export ----------------------------------------------------------------------------------


class _Flow(list[Any]):
    """A list written in flow style: band: [40, 60]."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(str, _represent_str)

_HEADER = (
    "# kpibot configuration, written by `kpibot export`.\n"
    "# Import it with `kpibot import FILE`: entries are matched by key, created or updated,\n"
    "# never deleted (retire a KPI with `active: false`).\n"
)


def export_config(session: Session) -> str:
    """Everything :func:`apply_config` can import, as YAML text in a stable order."""
    state = _State.load(session, ())
    state.people = {p.slack_user_id: p for p in session.exec(select(Person))}

    teams = [_clean(_team_fields(t)) for t in sorted(state.teams.values(), key=lambda t: t.key)]
    goals = [_clean(_goal_fields(g, state)) for g in _goals_parents_first(state)]
    kpis = [_clean(_kpi_fields(k, state)) for k in sorted(state.kpis.values(), key=lambda k: k.key)]
    v2moms: list[dict[str, Any]] = []
    for row in state.v2moms.values():
        team_key = state.team_key(row.team_id)
        fields = _clean(_v2mom_fields(row, team_key or ""))
        if team_key is not None and len(fields) > 1:
            v2moms.append(fields)
    v2moms.sort(key=lambda v: str(v["team"]))
    people = [
        fields
        for p in sorted(state.people.values(), key=lambda p: p.slack_user_id)
        if len(fields := _clean(_person_fields(p))) > 1
    ]

    document: dict[str, Any] = {"teams": teams, "goals": goals, "kpis": kpis}
    if v2moms:
        document["v2mom"] = v2moms
    if people:
        document["people"] = people
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
    )
    return _HEADER + body


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as written to the file: no empty values, no defaults that go without saying."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name == "archived" and value is False:
            continue
        if name == "active" and value is True:
            continue
        if isinstance(value, str):  # StrEnum members become plain text
            value = str(value)
        if isinstance(value, float):
            value = _export_number(value)
        if isinstance(value, tuple):
            value = _Flow(_export_number(v) if isinstance(v, float) else v for v in value)
        out[name] = value
    return out


def _export_number(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) <= MAX_ABS_VALUE else number


def _goals_parents_first(state: _State) -> list[Goal]:
    """Goals with every parent before its children; among ready goals, by key."""
    children: dict[int | None, list[Goal]] = {}
    ids = {g.id for g in state.goals.values()}
    for goal in state.goals.values():
        parent = goal.parent_id if goal.parent_id in ids else None
        children.setdefault(parent, []).append(goal)
    ordered: list[Goal] = []
    seen: set[int | None] = set()
    heap = [(g.key, g.id) for g in children.get(None, [])]
    heapq.heapify(heap)
    by_id = {g.id: g for g in state.goals.values()}
    while heap:
        _, goal_id = heapq.heappop(heap)
        if goal_id in seen:
            continue
        seen.add(goal_id)
        ordered.append(by_id[goal_id])
        for child in children.get(goal_id, []):
            heapq.heappush(heap, (child.key, child.id))
    # A cycle written by something else than import would hide goals: list them anyway.
    ordered.extend(
        sorted((g for g in state.goals.values() if g.id not in seen), key=lambda g: g.key)
    )
    return ordered
