"""Exporting the database as a config file that imports back unchanged.

The text is stable: sections and fields in schema order, rows by key (goals with every parent
before its children), and values the import fills in by itself (empty fields, ``active: true``,
``archived: false``) left out.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any

import yaml
from sqlmodel import Session, select

from core.values import MAX_ABS_VALUE
from storage.models import Goal, Person

from . import alert_fields
from .state import State, goal_fields, kpi_fields, person_fields, team_fields, v2mom_fields


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
    """Everything :func:`~commands.configfile.apply.apply_config` can import, as YAML text in
    a stable order."""
    state = State.load(session, ())
    state.people = {p.slack_user_id: p for p in session.exec(select(Person))}

    teams = [_clean(team_fields(t)) for t in sorted(state.teams.values(), key=lambda t: t.key)]
    goals = [_clean(goal_fields(g, state)) for g in _goals_parents_first(state)]
    kpis = [_clean(kpi_fields(k, state)) for k in sorted(state.kpis.values(), key=lambda k: k.key)]
    v2moms: list[dict[str, Any]] = []
    for row in state.v2moms.values():
        team_key = state.team_key(row.team_id)
        fields = _clean(v2mom_fields(row, team_key or ""))
        if team_key is not None and len(fields) > 1:
            v2moms.append(fields)
    v2moms.sort(key=lambda v: str(v["team"]))
    people = [
        fields
        for p in sorted(state.people.values(), key=lambda p: p.slack_user_id)
        if len(fields := _clean(person_fields(p))) > 1
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
        if name == "confirm" and value is False:
            continue
        if isinstance(value, str):  # StrEnum members become plain text
            value = str(value)
        if isinstance(value, float):
            value = _export_number(value)
        if isinstance(value, tuple):
            value = _Flow(_export_number(v) if isinstance(v, float) else v for v in value)
        out[name] = alert_fields.exported(name, value)
    return out


def _export_number(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) <= MAX_ABS_VALUE else number


def _goals_parents_first(state: State) -> list[Goal]:
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
