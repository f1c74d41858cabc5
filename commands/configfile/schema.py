"""What a config file may hold: its sections, their fields, required fields and defaults.

Also the checked form of a file, :class:`ConfigSpec`, made of one :class:`Entry` per entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.kinds import DIRECTION_ALIASES, Cadence, Direction, Indicator

from .alert_fields import parse_digest_field, parse_team_alerts
from .parsers import (
    Parser,
    enum_parser,
    parse_band,
    parse_bool,
    parse_channel,
    parse_count,
    parse_date,
    parse_follow_up,
    parse_formula_field,
    parse_number,
    parse_review,
    parse_review_before,
    parse_slug,
    parse_targets_field,
    parse_time_of_day,
    parse_timezone,
    parse_user,
    parse_workdays,
    parse_working_hours,
    text_parser,
)
from .source_fields import parse_pull_after, parse_source_field


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
    """A checked config file, ready for :func:`~commands.configfile.apply.apply_config`."""

    source: str
    teams: tuple[Entry, ...] = ()
    goals: tuple[Entry, ...] = ()
    kpis: tuple[Entry, ...] = ()
    v2mom: tuple[Entry, ...] = ()
    people: tuple[Entry, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.teams + self.goals + self.kpis + self.v2mom + self.people


@dataclass(frozen=True)
class Section:
    """One section of the file and the fields of its entries."""

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


_TEXT = text_parser()
SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section(
            "teams",
            "team",
            "team",
            "key",
            {
                "key": parse_slug,
                "name": text_parser(200),
                "channel": parse_channel,
                "timezone": parse_timezone,
                "lead": parse_user,
                # reminders; left out, the operator's KPIBOT_... defaults apply
                "reminder_time": parse_time_of_day,
                "working_hours": parse_working_hours,
                "workdays": parse_workdays,
                "follow_up": parse_follow_up,
                "max_reminders": parse_count(1, 10),
                # the weekly digest's day and time; left out, Monday 09:00
                "digest": parse_digest_field,  # or {at: ..., scorecard: true} (alert_fields)
                # review meetings (left out: none) and how long before them the thread goes out
                "review": parse_review,
                "review_before": parse_review_before,
                # alerts (issue 12): the team channel hears them too
                "alerts": parse_team_alerts,
            },
            ("key", "name"),
            {},
        ),
        Section(
            "goals",
            "goal",
            "goal",
            "key",
            {
                "key": parse_slug,
                "title": text_parser(300),
                "parent": parse_slug,
                "team": parse_slug,
                "deadline": parse_date,
                "description": _TEXT,
                "archived": parse_bool,
            },
            ("key", "title"),
            {"archived": False},
        ),
        Section(
            "kpis",
            "kpi",
            "KPI",
            "key",
            {
                "key": parse_slug,
                "name": text_parser(200),
                "team": parse_slug,
                "goal": parse_slug,
                "owner": parse_user,
                "unit": text_parser(32),
                "direction": enum_parser(Direction, DIRECTION_ALIASES),
                "target": parse_number,
                "baseline": parse_number,
                "band": parse_band,
                "targets": parse_targets_field,  # by period: seasonal targets or a ramp
                "formula": parse_formula_field,  # computed from other KPIs of the same period
                "cadence": enum_parser(Cadence),
                "indicator": enum_parser(Indicator),
                "definition": _TEXT,
                "decision": _TEXT,
                "active": parse_bool,
                # alert levels (issue 12)
                "alert_below": parse_number,
                "alert_above": parse_number,
                # pulled values (commands.configfile.source_fields)
                "source": parse_source_field,
                "confirm": parse_bool,
                "pull_after": parse_pull_after,
            },
            ("key", "name", "owner", "cadence"),
            {
                "direction": Direction.UP,
                "indicator": Indicator.LAGGING,
                "active": True,
                "confirm": False,
            },
        ),
        Section(
            "v2mom",
            "v2mom",
            "V2MOM of team",
            "team",
            {
                "team": parse_slug,
                "vision": _TEXT,
                "values": _TEXT,
                "methods": _TEXT,
                "obstacles": _TEXT,
            },
            ("team",),
            {},
        ),
        Section(
            "people",
            "person",
            "person",
            "id",
            {"id": parse_user, "name": text_parser(200), "timezone": parse_timezone},
            ("id",),
            None,
        ),
    )
}


def section_list() -> str:
    """The section names, for messages: ``teams, goals, kpis, v2mom, people``."""
    return ", ".join(SECTIONS)
