"""The database as an import or export sees it: rows by key, and rows as file fields.

Import compares each entry with ``*_fields(row)`` to find what changed; export writes the same
fields out, so the two agree on what a row looks like in a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from commands.configfile.source_fields import kpi_source_fields
from core import clock_text
from storage import repo
from storage.models import Goal, Kpi, Person, Team, V2Mom

from .alert_fields import kpi_alert_fields, team_alert_fields


@dataclass
class State:
    """Everything an import compares against, read before anything is written."""

    teams: dict[str, Team]
    goals: dict[str, Goal]
    kpis: dict[str, Kpi]
    v2moms: dict[int, V2Mom]
    people: dict[str, Person]
    team_keys: dict[int, str] = field(default_factory=dict)
    goal_keys: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, user_ids: Iterable[str]) -> State:
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


def team_fields(team: Team) -> dict[str, Any]:
    return {
        "key": team.key,
        "name": team.name,
        "channel": team.channel_id,
        "timezone": team.timezone,
        "lead": team.lead_user_id,
        **reminder_fields(team),
        "review": team.review_schedule,
        "review_before": None if team.review_lead_hours is None else f"{team.review_lead_hours}h",
        **team_alert_fields(team),  # digest and alerts
    }


def reminder_fields(team: Team) -> dict[str, Any]:
    """A team's reminder settings as a config file writes them (None: the default)."""
    start, end = team.working_hours_start, team.working_hours_end
    minutes = team.follow_up_minutes
    return {
        "reminder_time": f"{team.reminder_time:%H:%M}" if team.reminder_time else None,
        "working_hours": clock_text.format_working_hours(start, end) if start and end else None,
        "workdays": clock_text.format_workdays(tuple(int(d) for d in team.workdays))
        if team.workdays
        else None,
        "follow_up": clock_text.format_duration(timedelta(minutes=minutes)) if minutes else None,
        "max_reminders": team.max_reminders,
    }


def goal_fields(goal: Goal, state: State) -> dict[str, Any]:
    return {
        "key": goal.key,
        "title": goal.title,
        "parent": state.goal_key(goal.parent_id),
        "team": state.team_key(goal.team_id),
        "deadline": goal.deadline,
        "description": goal.description,
        "archived": goal.archived,
    }


def kpi_fields(kpi: Kpi, state: State) -> dict[str, Any]:
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
        "targets": json.loads(kpi.targets) if kpi.targets else None,
        "formula": kpi.formula,
        "cadence": kpi.cadence,
        "indicator": kpi.indicator,
        "definition": kpi.definition,
        "decision": kpi.decision,
        "active": kpi.active,
        **kpi_alert_fields(kpi),
        **kpi_source_fields(kpi),
    }


def v2mom_fields(row: V2Mom, team_key: str) -> dict[str, Any]:
    return {
        "team": team_key,
        "vision": row.vision,
        "values": row.values,
        "methods": row.methods,
        "obstacles": row.obstacles,
    }


def person_fields(person: Person) -> dict[str, Any]:
    return {"id": person.slack_user_id, "name": person.display_name, "timezone": person.timezone}
