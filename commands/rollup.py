"""The company roll-up digest: the goal tree with each goal's status from its KPIs, as data.

Every active KPI is judged as in a team digest, as of the roll-up moment (its report period
cut in its team's timezone). A goal's status is the worst status among its own KPIs and its
sub-goals (:func:`core.goals.rollup`); its counts include every KPI below it. The chart shows
the top-level goals as bars of KPI counts by status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from commands.context import Policy
from commands.digests.facts import DigestFacts
from core.digest import DigestRow, StatusCounts, count
from core.digest_time import reviewed_week
from core.goals import rollup, tree_order
from core.kinds import Status
from storage import repo
from storage.models import Goal

UNALIGNED = "KPIs not tied to a goal"


@dataclass(frozen=True)
class RollupGoal:
    key: str
    title: str
    depth: int
    team: str | None  # team name; None for company-level goals
    deadline: date | None
    status: Status
    counts: StatusCounts  # every KPI at or below this goal


@dataclass(frozen=True)
class RollupDigest:
    week_key: str
    week_label: str
    moment: datetime
    timezone: str
    counts: StatusCounts  # every active KPI
    goals: tuple[RollupGoal, ...]  # depth first, from company goals down to team goals
    bars: tuple[tuple[str, StatusCounts], ...] = field(default=())  # chart: top-level goals

    @property
    def chart_title(self) -> str:
        return f"Company KPIs by goal · {self.week_label.split(' (')[0]}"

    def fingerprint(self) -> str:
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def build_rollup(session: Session, policy: Policy, moment: datetime) -> RollupDigest:
    kpis = repo.list_kpis(session)
    facts = DigestFacts(session, policy).for_kpis(kpis, lambda _kpi: moment)
    goals = repo.list_goals(session)
    by_id = {g.id: g for g in goals}
    own: dict[int | None, list[DigestRow]] = {}
    for fact in facts:
        goal_id = fact.kpi.goal_id if fact.kpi.goal_id in by_id else None
        own.setdefault(goal_id, []).append(fact.row)
    children: dict[int | None, list[Goal]] = {}
    for goal in goals:
        parent = goal.parent_id if goal.parent_id in by_id else None
        children.setdefault(parent, []).append(goal)

    rows_below: dict[int | None, list[DigestRow]] = {}
    status_of: dict[int | None, Status] = {}

    def visit(goal: Goal, seen: frozenset[int | None]) -> None:
        if goal.id in rows_below or goal.id in seen:
            return
        kids = [c for c in children.get(goal.id, []) if c.id not in seen]
        for child in kids:
            visit(child, seen | {goal.id})
        rows = list(own.get(goal.id, []))
        for child in kids:
            rows.extend(rows_below.get(child.id, []))
        rows_below[goal.id] = rows
        status_of[goal.id] = rollup(
            [r.status for r in own.get(goal.id, [])]
            + [status_of.get(c.id, Status.NO_DATA) for c in kids]
        )

    for goal in goals:
        visit(goal, frozenset())
    teams = {t.id: t.name for t in repo.list_teams(session)}
    ordered = tree_order(
        goals, key=lambda g: g.id, parent=lambda g: g.parent_id if g.parent_id in by_id else None
    )
    nodes = tuple(
        RollupGoal(
            key=g.key,
            title=g.title,
            depth=depth,
            team=teams.get(g.team_id) if g.team_id is not None else None,
            deadline=g.deadline,
            status=status_of.get(g.id, Status.NO_DATA),
            counts=count(rows_below.get(g.id, [])),
        )
        for g, depth in ordered
    )
    bars = [(n.title, n.counts) for n in nodes if n.depth == 0]
    if own.get(None):
        bars.append((UNALIGNED, count(own[None])))
    week = reviewed_week(moment, policy.tz)
    return RollupDigest(
        week_key=week.key,
        week_label=week.label,
        moment=moment,
        timezone=policy.timezone,
        counts=count([f.row for f in facts]),
        goals=nodes,
        bars=tuple(bars),
    )
