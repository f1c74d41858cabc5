"""The Home tab of one person, as plain data: their KPIs with what is due, their open action
items, and the goals of their teams with status.

A person's teams are those they lead, those whose KPIs they own and those their open action
items belong to; their goals show with the goals above them, so the tree reads to the top.

A KPI's missing periods, and whether each is due or late, come from the one rule in
:mod:`core.due` that reminders and digests use too: the KPI is *up to date* with none missing,
*due* while every missing period is only due, and *late* once one of them is late. Its
**Log value** opens the oldest missing period, the one to catch up on first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from commands import insight
from commands.context import Context
from commands.due import owed_by_kpi
from commands.results import GoalNode, KpiRow, OpenActionItem
from commands.reviews.action_items import views
from commands.scorecard import team_scorecard, team_today
from core.due import summary
from core.scorecard import render_phone
from storage import repo, reviews
from storage.models import Goal, Team

DueState = Literal["up_to_date", "due", "late"]
MAX_KPIS = 20
HOME_SCORECARD_TEAMS = 2
HOME_SCORECARD_PERIODS = 6


@dataclass(frozen=True)
class HomeKpi:
    row: KpiRow
    state: DueState
    due: str  # "week 48 (23-29 Nov 2026) is due", "up to date", "week 47 (...) is late; ..."
    log_period: str | None = None  # the oldest missing period's key: what Log value opens


@dataclass(frozen=True)
class TeamScorecard:
    team_name: str
    text: str  # core.scorecard's phone rendering


@dataclass(frozen=True)
class HomeView:
    user: str
    kpis: tuple[HomeKpi, ...]
    actions: tuple[OpenActionItem, ...]
    goals: tuple[GoalNode, ...]
    teams: tuple[str, ...]
    today: date
    scorecards: tuple[TeamScorecard, ...] = ()


def home(ctx: Context) -> HomeView:
    session = ctx.session
    owned = repo.list_kpis(session, repo.KpiFilter(owner=ctx.actor))
    facts = insight.gather(ctx, owned, periods=2)
    owed = owed_by_kpi(session, owned, now=ctx.now, policy=ctx.policy)
    teams = {t.id: t for t in repo.list_teams(session)}
    rows = []
    for fact in facts:
        missing = owed.get(fact.kpi.id or 0, [])
        state: DueState = (
            "late" if any(o.late for o in missing) else "due" if missing else "up_to_date"
        )
        oldest = missing[0].period.key if missing else None
        rows.append(HomeKpi(fact.row, state, summary(missing), oldest))
    order = {"late": 0, "due": 1, "up_to_date": 2}
    rows.sort(key=lambda r: (order[r.state], r.row.key))
    actions = reviews.open_actions(session, owner=ctx.actor)
    candidates = {t.id for t in repo.teams_led_by(session, ctx.actor)}
    candidates |= {k.team_id for k in owned} | {a.team_id for a in actions}
    team_ids = {i for i in candidates if i is not None and i in teams}
    mine = [teams[i] for i in sorted(team_ids)]
    goals = _with_ancestors(repo.list_goals(session), team_ids)
    return HomeView(
        user=ctx.actor,
        kpis=tuple(rows[:MAX_KPIS]),
        actions=tuple(views(session, actions)),
        goals=tuple(insight.goal_nodes(ctx, goals)) if goals else (),
        teams=tuple(t.name for t in mine),
        today=ctx.today,
        scorecards=home_scorecards(ctx, mine),
    )


def home_scorecards(ctx: Context, teams: list[Team]) -> tuple[TeamScorecard, ...]:
    """The recent scorecard of each of the person's teams (the first few), phone width: the
    Home tab is read on phones too. `/kpi scorecard` has the full 13 weeks."""
    cards = []
    for team in teams[:HOME_SCORECARD_TEAMS]:
        today = team_today(ctx, team)
        card = team_scorecard(ctx.session, team, today=today, periods=HOME_SCORECARD_PERIODS)
        if card.grids:
            cards.append(TeamScorecard(team.name, render_phone(card)))
    return tuple(cards)


def _with_ancestors(goals: list[Goal], team_ids: set[int]) -> list[Goal]:
    """The goals of these teams and the goals above them (company goals they roll up to)."""
    by_id = {g.id: g for g in goals}
    wanted: set[int | None] = set()
    for goal in goals:
        if goal.team_id in team_ids:
            current: Goal | None = goal
            while current is not None and current.id not in wanted:
                wanted.add(current.id)
                current = by_id.get(current.parent_id) if current.parent_id else None
    return [g for g in goals if g.id in wanted]
