"""Applying a checked config file: create or update rows, audit each change, summarise.

Writes happen inside the caller's transaction and only after every reference has been checked
against the database. Each created or changed entity gets an audit event with the fields set
or changed; an entry that already matches writes nothing. Nothing is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from commands import formulas
from core import clock_text
from core.review_cadence import review_lead_hours
from storage import repo
from storage.models import Goal, Kpi, Person, Team, V2Mom

from . import alert_fields
from .alert_fields import set_kpi_alerts, set_team_alerts
from .schema import SECTIONS, ConfigSpec, Entry
from .source_fields import set_kpi_source
from .state import State, goal_fields, kpi_fields, person_fields, team_fields, v2mom_fields
from .validate import check_references

_ACTION_CREATE = "config.create"
_ACTION_UPDATE = "config.update"

_PLURALS = {
    "team": ("team", "teams"),
    "goal": ("goal", "goals"),
    "kpi": ("KPI", "KPIs"),
    "v2mom": ("V2MOM", "V2MOMs"),
    "person": ("person", "people"),
}
_ENTITY_ORDER = ("person", "team", "goal", "v2mom", "kpi")
_SECTION_OF = {section.entity: name for name, section in SECTIONS.items()}


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


def apply_config(session: Session, spec: ConfigSpec, *, actor: str, now: datetime) -> ImportSummary:
    """Create or update what `spec` describes, within the caller's transaction.

    References (teams, goals, parents) are checked against the database before anything is
    written; a ConfigError then lists every problem. Each created or changed entity gets an
    audit event with the fields set or changed. Nothing is deleted.
    """
    state = State.load(session, _user_ids(spec))
    check_references(spec, state)
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
    # A formula KPI new or changed here is worked out for every period its inputs have.
    formulas.backfill(session, [e.key for e in spec.kpis if e.fields.get("formula")], now=now)
    return ImportSummary(
        created={k: v for k, v in writer.created.items() if v},
        updated={k: v for k, v in writer.updated.items() if v},
        unchanged=writer.unchanged,
    )


def _user_ids(spec: ConfigSpec) -> list[str]:
    """Everyone the file names: team leads, KPI owners and its people."""
    ids: set[str] = set()
    for entry in spec.teams:
        if entry.fields.get("lead"):
            ids.add(entry.fields["lead"])
    for entry in spec.kpis:
        ids.add(entry.fields["owner"])
    ids.update(entry.key for entry in spec.people)
    return sorted(ids)


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
    return alert_fields.jsonable(value)


class _Row(Protocol):
    """A row an import updates: each has an update time."""

    updated_at: datetime


_RowT = TypeVar("_RowT", bound=_Row)
_Fields = Mapping[str, Any]


class _Writer:
    """Writes the entries of one import, noting what it created, updated or left unchanged."""

    def __init__(
        self, session: Session, state: State, source: str, actor: str, now: datetime
    ) -> None:
        self.session, self.state, self.source = session, state, source
        self.actor, self.now = actor, now
        self.created: dict[str, list[str]] = {}
        self.updated: dict[str, list[str]] = {}
        self.unchanged = 0

    def _audit(self, action: str, entity: str, key: str, details: dict[str, Any]) -> None:
        repo.audit(
            self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            key=key,
            now=self.now,
            details={"source": self.source, **details},
        )

    def _created(self, entity: str, key: str, fields: _Fields) -> None:
        self.created.setdefault(entity, []).append(key)
        written = {k: _jsonable(v) for k, v in fields.items() if v is not None}
        self._audit(_ACTION_CREATE, entity, key, {"fields": written})

    def _update(
        self,
        entity: str,
        key: str,
        row: _RowT,
        current: _Fields,
        desired: _Fields,
        write: Callable[[_RowT, _Fields], None],
    ) -> None:
        """Write `desired` to an existing row if it differs from `current`, with an audit."""
        changes = _changes(current, desired)
        if not changes:
            self.unchanged += 1
            return
        write(row, desired)
        row.updated_at = self.now
        self.session.add(row)
        self.updated.setdefault(entity, []).append(key)
        self._audit(_ACTION_UPDATE, entity, key, {"changed": changes})

    def _upsert(
        self,
        entry: Entry,
        row: _RowT | None,
        new: Callable[[_Fields], _RowT],
        remember: Callable[[_RowT], None],
        current: Callable[[_RowT], _Fields],
        write: Callable[[_RowT, _Fields], None],
    ) -> None:
        """Create the entry's row (`new`, then `remember` it) or update the existing `row`."""
        desired = SECTIONS[_SECTION_OF[entry.entity]].desired(entry)
        if row is not None:
            self._update(entry.entity, entry.key, row, current(row), desired, write)
            return
        row = new(desired)
        write(row, desired)
        self.session.add(row)
        remember(row)
        self._created(entry.entity, entry.key, desired)

    def people(self, spec: ConfigSpec) -> None:
        section = SECTIONS["people"]
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
            elif entry is not None:
                self._update("person", user_id, person, person_fields(person), desired, _set_person)

    def team(self, entry: Entry) -> None:
        def new(desired: _Fields) -> Team:
            return Team(
                key=entry.key, name=desired["name"], created_at=self.now, updated_at=self.now
            )

        def remember(team: Team) -> None:
            self.session.flush()
            self.state.remember_team(team)

        self._upsert(entry, self.state.teams.get(entry.key), new, remember, team_fields, _set_team)

    def goal(self, entry: Entry) -> None:
        def new(desired: _Fields) -> Goal:
            return Goal(
                key=entry.key, title=desired["title"], created_at=self.now, updated_at=self.now
            )

        def remember(goal: Goal) -> None:
            self.session.flush()
            self.state.remember_goal(goal)

        def current(goal: Goal) -> _Fields:
            return goal_fields(goal, self.state)

        self._upsert(entry, self.state.goals.get(entry.key), new, remember, current, self._set_goal)

    def v2mom(self, entry: Entry) -> None:
        team_id = self._team_id(entry.key)
        assert team_id is not None

        def new(desired: _Fields) -> V2Mom:
            return V2Mom(team_id=team_id, updated_by=self.actor[:32], updated_at=self.now)

        def remember(row: V2Mom) -> None:
            self.state.v2moms[team_id] = row

        def current(row: V2Mom) -> _Fields:
            return v2mom_fields(row, entry.key)

        def write(row: V2Mom, desired: _Fields) -> None:
            _set_v2mom(row, desired)
            row.updated_by = self.actor[:32]

        self._upsert(entry, self.state.v2moms.get(team_id), new, remember, current, write)

    def kpi(self, entry: Entry) -> None:
        def new(desired: _Fields) -> Kpi:
            return Kpi(
                key=entry.key,
                name=desired["name"],
                owner_user_id=desired["owner"],
                created_at=self.now,
                updated_at=self.now,
            )

        def remember(kpi: Kpi) -> None:
            self.state.kpis[entry.key] = kpi

        def current(kpi: Kpi) -> _Fields:
            return kpi_fields(kpi, self.state)

        self._upsert(entry, self.state.kpis.get(entry.key), new, remember, current, self._set_kpi)

    def _team_id(self, key: str | None) -> int | None:
        return None if key is None else self.state.teams[key].id

    def _goal_id(self, key: str | None) -> int | None:
        return None if key is None else self.state.goals[key].id

    def _set_goal(self, goal: Goal, desired: _Fields) -> None:
        goal.title = desired["title"]
        goal.parent_id = self._goal_id(desired["parent"])
        goal.team_id = self._team_id(desired["team"])
        goal.deadline = desired["deadline"]
        goal.description = desired["description"]
        goal.archived = desired["archived"]

    def _set_kpi(self, kpi: Kpi, desired: _Fields) -> None:
        kpi.name = desired["name"]
        kpi.team_id = self._team_id(desired["team"])
        kpi.goal_id = self._goal_id(desired["goal"])
        kpi.owner_user_id = desired["owner"]
        kpi.unit = desired["unit"]
        kpi.direction = desired["direction"]
        kpi.target = desired["target"]
        kpi.baseline = desired["baseline"]
        kpi.band_low, kpi.band_high = desired["band"] or (None, None)
        kpi.targets = json.dumps(desired["targets"]) if desired["targets"] else None
        kpi.formula = desired["formula"]
        kpi.cadence = desired["cadence"]
        kpi.indicator = desired["indicator"]
        kpi.definition = desired["definition"]
        kpi.decision = desired["decision"]
        if kpi.active and not desired["active"]:
            kpi.retired_at = self.now
        elif desired["active"]:
            kpi.retired_at = None
        kpi.active = desired["active"]
        set_kpi_alerts(kpi, desired)
        set_kpi_source(kpi, desired)


def _set_person(person: Person, desired: _Fields) -> None:
    if "name" in desired:
        person.display_name = desired["name"]
    if "timezone" in desired:
        person.timezone = desired["timezone"]


def _set_team(team: Team, desired: _Fields) -> None:
    team.name = desired["name"]
    team.channel_id = desired["channel"]
    team.timezone = desired["timezone"]
    team.lead_user_id = desired["lead"]
    _set_reminders(team, desired)
    set_team_alerts(team, desired)  # the digest's time and scorecard, channel alerts
    team.review_schedule = desired["review"]
    before = desired["review_before"]
    team.review_lead_hours = review_lead_hours(before) if before else None


def _set_reminders(team: Team, desired: _Fields) -> None:
    """The team's reminder settings from their checked text (None: the operator's default)."""
    at, hours, days = desired["reminder_time"], desired["working_hours"], desired["workdays"]
    follow = desired["follow_up"]
    team.reminder_time = clock_text.parse_time_of_day(at) if at else None
    start_end = clock_text.parse_working_hours(hours) if hours else (None, None)
    team.working_hours_start, team.working_hours_end = start_end
    team.workdays = "".join(str(d) for d in clock_text.parse_workdays(days)) if days else None
    duration = clock_text.parse_duration(follow) if follow else None
    team.follow_up_minutes = int(duration.total_seconds() // 60) if duration else None
    team.max_reminders = desired["max_reminders"]


def _set_v2mom(row: V2Mom, desired: _Fields) -> None:
    row.vision = desired["vision"]
    row.values = desired["values"]
    row.methods = desired["methods"]
    row.obstacles = desired["obstacles"]
