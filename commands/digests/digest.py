"""A team's weekly digest as plain data: header counts, KPIs by goal, missing values, warnings.

:func:`build_team_digests` builds many teams' digests in a fixed number of queries, each as of
its own moment (the scheduled digest moment, or now for `/kpi digest`); the bot renders them to
Block Kit and a chart. The content is deterministic for a team and a moment, so rebuilding a
posted digest tells by :meth:`TeamDigest.fingerprint` whether a late value changed anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.context import Policy
from commands.digests.facts import DigestFacts, KpiDigestFacts, zone
from commands.health import findings_by_team
from commands.results import OpenActionItem, TeamDigest
from commands.reviews import open_action_items_by_team
from commands.scorecard import team_scorecard
from core.digest import (
    ActionItem,
    count,
    group_by_goal,
)
from core.digest_time import reviewed_week
from core.health import Finding, Severity
from core.scorecard import render_phone
from storage import digests, repo
from storage.models import Team

MAX_WARNINGS = 3  # shown in full; the rest are counted
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def build_team_digests(
    session: Session, policy: Policy, requests: Sequence[tuple[Team, datetime]]
) -> list[TeamDigest]:
    """The digest of each (team, moment), in the order given."""
    if not requests:
        return []
    team_ids = [team.id for team, _ in requests if team.id is not None]
    kpis_of = digests.active_kpis_by_team(session, team_ids)
    moment_of_team = {team.id: moment for team, moment in requests}
    all_kpis = [kpi for team_id in team_ids for kpi in kpis_of[team_id]]
    facts = DigestFacts(session, policy).for_kpis(all_kpis, lambda kpi: moment_of_team[kpi.team_id])
    facts_of: dict[int, list[KpiDigestFacts]] = {team_id: [] for team_id in team_ids}
    for fact in facts:
        assert fact.kpi.team_id is not None
        facts_of[fact.kpi.team_id].append(fact)
    findings = findings_by_team(
        session, policy=policy, moments={team.key: moment for team, moment in requests}
    )
    actions = open_action_items_by_team(session, team_ids)
    people = {f.kpi.owner_user_id for f in facts}
    people |= {a.owner for items in actions.values() for a in items}
    names = {
        p.slack_user_id: p.display_name
        for p in repo.people_by_id(session, people).values()
        if p.display_name
    }
    digests_built = []
    for team, moment in requests:
        tz = zone(team, policy)
        today = moment.astimezone(tz).date()
        items = [_action(a, names, today) for a in actions.get(team.id or 0, [])]
        facts_of_team = facts_of.get(team.id or 0, [])
        built = _assemble(team, moment, tz, facts_of_team, findings.get(team.key, []), items, names)
        digests_built.append(with_scorecard(session, team, built, moment, tz))
    return digests_built


def _order(facts: list[KpiDigestFacts]) -> list[KpiDigestFacts]:
    """Grouped by goal (goals by title), KPIs by name within a goal; unaligned KPIs last."""
    return sorted(
        facts,
        key=lambda f: (
            f.goal is None,
            f.goal.title.lower() if f.goal else "",
            f.goal.key if f.goal else "",
            f.kpi.name.lower(),
        ),
    )


def _assemble(
    team: Team,
    moment: datetime,
    tz: ZoneInfo,
    facts: list[KpiDigestFacts],
    findings: list[Finding],
    actions: list[ActionItem],
    names: dict[str, str],
) -> TeamDigest:
    week = reviewed_week(moment, tz)
    ordered = _order(facts)
    goals = group_by_goal(
        [f.row for f in ordered],
        {
            f.kpi.key: (f.goal.key, f.goal.title, f.goal.deadline) if f.goal else None
            for f in ordered
        },
    )
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    return TeamDigest(
        team_key=team.key,
        team_name=team.name,
        channel_id=team.channel_id,
        lead=team.lead_user_id,
        week_key=week.key,
        week_label=week.label,
        moment=moment,
        timezone=str(tz),
        counts=count([f.row for f in ordered]),
        goals=tuple(goals),
        missing=tuple(f.missing for f in ordered if f.missing is not None),
        warnings=tuple(_unmention(f.message, names) for f in warnings[:MAX_WARNINGS]),
        more_warnings=max(0, len(warnings) - MAX_WARNINGS),
        action_items=tuple(actions),
        series=tuple(f.series for f in ordered),
    )


def _action(item: OpenActionItem, names: dict[str, str], today: date) -> ActionItem:
    return ActionItem(
        text=item.text,
        owner=item.owner,
        owner_name=names.get(item.owner),
        due=item.due,
        kpi_name=item.kpi_name,
        overdue=item.overdue(today),
    )


def _unmention(text: str, names: dict[str, str]) -> str:
    """Warnings name people without pinging them: ``<@U1>`` becomes their name when known."""
    return _MENTION.sub(lambda m: names.get(m.group(1), m.group(1)), text)


def team_digest(session: Session, policy: Policy, team: Team, moment: datetime) -> TeamDigest:
    return build_team_digests(session, policy, [(team, moment)])[0]


def teams_by_key(session: Session, keys: Sequence[str]) -> dict[str, Team]:
    wanted = set(keys)
    return {t.key: t for t in repo.list_teams(session) if t.key in wanted}


def with_scorecard(
    session: Session, team: Team, digest: TeamDigest, moment: datetime, tz: ZoneInfo
) -> TeamDigest:
    """The digest with the team's scorecard up to the reviewed week, if the team asked."""
    if not team.digest_scorecard:
        return digest
    last_day = reviewed_week(moment, tz).end
    text = render_phone(team_scorecard(session, team, today=last_day))
    return replace(digest, scorecard=text)
