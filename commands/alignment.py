"""The alignment check as people see it: focus and alignment rules plus the relevance review.

`/kpi health [team]` shows it in Slack with what to do about each finding; `kpibot check`
prints the same report and exits non-zero when a rule is broken. Relevance-review findings
(KPIs not re-examined for six months) are notices: a KPI file kept in git cannot fix them,
a review meeting can.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from commands.context import CommandError, Context, Policy
from commands.health import HealthReport, health_report
from commands.lookup import find_team
from commands.reminders.planner import zone
from commands.reviews.plan import relevance_facts
from commands.reviews.results import HealthView
from core.health import Rule
from core.relevance import check, finding
from storage import repo
from storage.models import Kpi

_RULE_ORDER = {rule: index for index, rule in enumerate(Rule)}


def alignment_report(
    session: Session, *, policy: Policy, team_key: str | None, now: datetime
) -> HealthReport:
    """commands.health.health_report with the relevance-review notices added."""
    report = health_report(session, policy=policy, team_key=team_key, now=now)
    team = repo.get_team(session, team_key) if team_key else None
    teams = {t.id: t for t in repo.list_teams(session)}
    kpis = repo.list_kpis(session, repo.KpiFilter(team_id=team.id if team else None))
    by_zone: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        owner_team = teams.get(kpi.team_id)
        by_zone.setdefault(owner_team.timezone or "" if owner_team else "", []).append(kpi)
    extra = []
    for tz_name, group in by_zone.items():
        for facts in relevance_facts(session, group, zone(tz_name or None, policy.tz), now):
            result = check(facts, now)
            if result.due:
                extra.append(finding(facts, result))
    findings = sorted([*report.findings, *extra], key=lambda f: (_RULE_ORDER[f.rule], f.subject))
    return HealthReport(scope=report.scope, findings=tuple(findings))


def health_view(ctx: Context, team_key: str | None) -> HealthView:
    """`/kpi health [team]`: a team's report, or the company's without a team."""
    if team_key:
        team_key = find_team(ctx, team_key).key
    try:
        report = alignment_report(ctx.session, policy=ctx.policy, team_key=team_key, now=ctx.now)
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    return HealthView(scope=report.scope, findings=report.findings)
