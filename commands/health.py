"""The alignment check (`kpibot check`): focus and alignment rules over stored goals and KPIs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from commands.context import Policy
from core import health
from core.cadence import period_for
from core.health import Finding, Severity
from storage import repo
from storage.models import Kpi, Measurement, Team

MAX_COUNTED_GAP = 24  # counting further back changes no verdict


@dataclass(frozen=True)
class HealthReport:
    scope: str
    findings: tuple[Finding, ...]

    @property
    def broken(self) -> bool:
        return any(f.severity is Severity.WARNING for f in self.findings)

    def lines(self) -> list[str]:
        if not self.findings:
            return [f"{self.scope}: every focus and alignment rule holds."]
        warnings = sum(1 for f in self.findings if f.severity is Severity.WARNING)
        notices = len(self.findings) - warnings
        out = [f"{self.scope}: {warnings} warning(s), {notices} notice(s)."]
        for f in self.findings:
            out.append(f"{f.severity.value.upper():8} {f.rule.value}: {_plain(f.message)}")
            out.append(f"         -> {_plain(f.advice)}")
        return out


def _plain(text: str) -> str:
    """Slack mentions read as @U0123 in a terminal."""
    return re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)


def periods_missing(kpi: Kpi, latest: Measurement | None, tz: ZoneInfo, now: datetime) -> int:
    """Finished periods since the latest value (or since the KPI was created) with no value."""
    current = period_for(kpi.cadence, now, tz)
    since = latest.period_start if latest else kpi.created_at.astimezone(tz).date()
    period, missing = current.previous(), 0
    while missing < MAX_COUNTED_GAP and period.end >= since:
        if latest is not None and period.contains(latest.period_start):
            break
        missing += 1
        period = period.previous()
    return missing


def health_report(
    session: Session, *, policy: Policy, team_key: str | None, now: datetime
) -> HealthReport:
    teams = {t.id: t for t in repo.list_teams(session)}
    team: Team | None = None
    if team_key:
        team = repo.get_team(session, team_key)
        if team is None:
            known = ", ".join(t.key for t in teams.values()) or "none"
            raise LookupError(f"no team has the key '{team_key}' (teams: {known})")
    kpi_facts, goal_facts = _facts(session, policy, teams, lambda _team: now)
    if team is not None:
        kpi_facts = [k for k in kpi_facts if k.team == team.key]
        goal_facts = [g for g in goal_facts if g.team == team.key]
    findings = health.check(kpi_facts, goal_facts, policy.limits)
    return HealthReport(scope=team.name if team else "Company", findings=tuple(findings))


def findings_by_team(
    session: Session, *, policy: Policy, moments: Mapping[str, datetime]
) -> dict[str, list[Finding]]:
    """The findings of each team in ``moments`` (team key -> as of when), loaded once."""
    teams = {t.id: t for t in repo.list_teams(session)}
    fallback = max(moments.values(), default=None)
    if fallback is None:
        return {}
    wanted = [t.id for t in teams.values() if t.key in moments and t.id is not None]
    kpi_facts, goal_facts = _facts(
        session, policy, teams, lambda key: moments.get(key or "", fallback), team_ids=wanted
    )
    kpis_of: dict[str, list[health.KpiFacts]] = {key: [] for key in moments}
    goals_of: dict[str, list[health.GoalFacts]] = {key: [] for key in moments}
    for k in kpi_facts:
        if k.team in kpis_of:
            kpis_of[k.team].append(k)
    for g in goal_facts:
        if g.team in goals_of:
            goals_of[g.team].append(g)
    return {key: health.check(kpis_of[key], goals_of[key], policy.limits) for key in moments}


def _facts(
    session: Session,
    policy: Policy,
    teams: dict[int | None, Team],
    now_of: Callable[[str | None], datetime],
    *,
    team_ids: Sequence[int] | None = None,
) -> tuple[list[health.KpiFacts], list[health.GoalFacts]]:
    """Facts for the checks; with ``team_ids``, only those teams' KPIs are read."""
    goals = {g.id: g for g in repo.list_goals(session)}
    if team_ids is None:
        kpis = repo.list_kpis(session, repo.KpiFilter(active=None))
    else:
        kpis = list(session.exec(select(Kpi).where(col(Kpi.team_id).in_(team_ids))))
    latest = repo.latest_measurements(session, [k.id for k in kpis if k.id is not None])

    def tz_of(kpi: Kpi) -> ZoneInfo:
        owner_team = teams.get(kpi.team_id)
        return ZoneInfo(owner_team.timezone) if owner_team and owner_team.timezone else policy.tz

    def team_key(team_id: int | None) -> str | None:
        return teams[team_id].key if team_id in teams else None

    kpi_facts = [
        health.KpiFacts(
            key=k.key,
            name=k.name,
            owner=k.owner_user_id,
            team=team_key(k.team_id),
            goal=goals[k.goal_id].key if k.goal_id in goals else None,
            has_target=k.target is not None or (k.band_low is not None and k.band_high is not None),
            decision=k.decision,
            active=k.active,
            periods_missing=periods_missing(
                k, latest.get(k.id or 0), tz_of(k), now_of(team_key(k.team_id))
            ),
        )
        for k in kpis
    ]
    goal_facts = [
        health.GoalFacts(
            key=g.key,
            title=g.title,
            team=team_key(g.team_id),
            deadline=g.deadline,
            parent=goals[g.parent_id].key if g.parent_id in goals else None,
        )
        for g in goals.values()
    ]
    return kpi_facts, goal_facts
