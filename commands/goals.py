"""Use cases on goals: create, the goal tree with status, and one goal in detail."""

from __future__ import annotations

from typing import Any

from commands import insight
from commands.context import CommandError, Context
from commands.fields import check_goal
from commands.lookup import find_goal
from commands.permissions import require_manage
from commands.results import GoalCard, GoalTree, Notice, OpenModal
from commands.text import esc
from storage import repo
from storage.models import Goal


class GoalFieldErrors(CommandError):
    def __init__(self, errors: dict[str, str]) -> None:
        lines = [f"• {name}: {problem}" for name, problem in errors.items()]
        super().__init__("That goal could not be saved:\n" + "\n".join(lines))
        self.errors = errors


def add_goal(ctx: Context, fields: dict[str, Any] | None) -> Notice | OpenModal:
    if fields is None:
        return OpenModal("goal_add")
    checked = check_goal(ctx, fields, creating=True)
    if checked.errors:
        raise GoalFieldErrors(checked.errors)
    values = checked.values
    team = repo.get_team_by_id(ctx.session, values["team_id"])
    require_manage(ctx, team, "create goals" + (f" for {esc(team.name)}" if team else ""))
    goal = Goal(
        key=values["key"],
        title=values["title"],
        description=values["description"],
        deadline=values["deadline"],
        parent_id=values["parent_id"],
        team_id=values["team_id"],
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(goal)
    ctx.session.flush()
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="goal.create",
        entity="goal",
        key=goal.key,
        now=ctx.now,
        details={k: v for k, v in values.items() if k != "key"},
    )
    advice = []
    if goal.deadline is None:
        advice.append("It has no deadline: a SMART goal is time-bound. Add `deadline:YYYY-MM-DD`.")
    advice.append(f'Measure it: `/kpi add KEY "Name" goal:{goal.key} owner:@someone target:...`')
    return Notice(
        f"Created goal *{esc(goal.title)}* (`{goal.key}`)"
        + (f", due {goal.deadline:%d %b %Y}" if goal.deadline else "")
        + ".",
        tone="ok",
        details=tuple(advice),
    )


def goal_tree(ctx: Context) -> GoalTree:
    return GoalTree(tuple(insight.goal_nodes(ctx)))


def show_goal(ctx: Context, key: str) -> GoalCard:
    goal = find_goal(ctx, key)
    nodes = {n.key: n for n in insight.goal_nodes(ctx)}
    goals = repo.list_goals(ctx.session)
    children = tuple(nodes[g.key] for g in goals if g.parent_id == goal.id and g.key in nodes)
    parent = ctx.session.get(Goal, goal.parent_id) if goal.parent_id else None
    kpis = repo.list_kpis(ctx.session, repo.KpiFilter(goal_id=goal.id))
    rows = tuple(f.row for f in insight.gather(ctx, kpis))
    advice = []
    if not rows and not children:
        advice.append(
            "Nothing measures this goal yet: add a KPI with a target so it is measurable."
        )
    if goal.deadline is None:
        advice.append("No deadline: a SMART goal is time-bound.")
    return GoalCard(
        node=nodes[goal.key],
        description=goal.description,
        parent=parent.title if parent else None,
        children=children,
        kpis=rows,
        advice=tuple(advice),
    )
