"""The periods each KPI owes as of now, by the one rule in :mod:`core.due`, gathered from
storage in a fixed number of queries: Home, reminder DMs and digests all ask here.

Settings are the reminder planner's: the team's reminder rules and working days over the
operator's defaults, periods cut in the team's timezone, and the working time of whoever is
reminded (the owner in their own timezone, or their delegate while they are away).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from commands.context import Policy
from commands.reminders.rules import TeamSettings, is_away, person_zone, team_settings
from core import due
from core.cadence import Period
from core.due import Owed
from core.schedule import WorkingTime
from storage import repo
from storage.digests import skipped_periods
from storage.models import Kpi, Person, Team
from storage.reminders import logged_periods


class Rules:
    """Each KPI's reminder settings, and the working time that counts for it at a moment."""

    def __init__(
        self, teams: dict[int | None, Team], people: dict[str, Person], policy: Policy
    ) -> None:
        self.people = people  # owners, and their delegates
        self._settings = {tid: team_settings(t, policy) for tid, t in teams.items()}
        self._default = team_settings(None, policy)

    @classmethod
    def load(cls, session: Session, kpis: Sequence[Kpi], policy: Policy) -> Rules:
        teams: dict[int | None, Team] = {t.id: t for t in repo.list_teams(session)}
        people = repo.people_by_id(session, {k.owner_user_id for k in kpis})
        delegates = {p.delegate_user_id for p in people.values() if p.delegate_user_id}
        people |= repo.people_by_id(session, delegates - set(people))
        return cls(teams, people, policy)

    def settings(self, kpi: Kpi) -> TeamSettings:
        return self._settings.get(kpi.team_id, self._default)

    def who(self, kpi: Kpi, now: datetime) -> tuple[WorkingTime, bool]:
        """The reminded person's working time, and whether the owner is away uncovered."""
        team = self.settings(kpi)
        owner = self.people.get(kpi.owner_user_id)
        recipient = owner
        away = is_away(owner, now, person_zone(owner, team))
        if away and owner is not None and owner.delegate_user_id:
            recipient, away = self.people.get(owner.delegate_user_id), False
        return team.working_time(person_zone(recipient, team)), away

    def is_late(self, kpi: Kpi, period: Period, now: datetime) -> bool:
        """Whether a missing value of ``kpi`` for ``period`` is late at ``now`` (core.due)."""
        team = self.settings(kpi)
        work, away = self.who(kpi, now)
        return due.is_late(period, team.tz, work, team.rules, now, away=away)


def owed_by_kpi(
    session: Session, kpis: Sequence[Kpi], *, now: datetime, policy: Policy
) -> dict[int, list[Owed]]:
    """For each KPI (by id), its missing periods oldest first, each due or late."""
    rules = Rules.load(session, kpis, policy)
    candidates: dict[int, list[Period]] = {}
    for kpi in kpis:
        if kpi.id is None:
            continue
        if kpi.formula:  # worked out from its inputs: nobody owes it a value, they owe those
            continue
        team = rules.settings(kpi)
        candidates[kpi.id] = due.finished_periods(
            kpi.cadence, team.tz, kpi.created_at, now, days=team.days
        )
    pairs = [(kpi_id, p.key) for kpi_id, periods in candidates.items() for p in periods]
    answered = logged_periods(session, pairs) | set(skipped_periods(session, pairs))
    done: dict[int, set[str]] = {kpi_id: set() for kpi_id in candidates}
    for kpi_id, key in answered:
        done[kpi_id].add(key)
    out: dict[int, list[Owed]] = {}
    for kpi in kpis:
        if kpi.id is None:
            continue
        if kpi.id not in candidates:
            out[kpi.id] = []
            continue
        team = rules.settings(kpi)
        work, away = rules.who(kpi, now)
        out[kpi.id] = due.owed(
            kpi.cadence, team.tz, kpi.created_at, done[kpi.id], work, team.rules, now, away=away
        )
    return out
