"""From a parsed `/kpi` command to its use case and back to a Result."""

from __future__ import annotations

from commands import alignment, digest_commands, goals, kpis, people, review_commands, v2mom
from commands import log as values
from commands.context import Context
from commands.help import help_text
from commands.parse import (
    Actions,
    Away,
    Back,
    Command,
    Digest,
    DigestSchedule,
    GoalAdd,
    GoalList,
    GoalShow,
    Health,
    Help,
    KpiAdd,
    KpiEdit,
    KpiOwner,
    KpiRetire,
    ListKpis,
    Log,
    Mine,
    Review,
    Show,
    V2momEdit,
    V2momShow,
)
from commands.results import Notice, Result


def run(ctx: Context, command: Command, *, channel_id: str | None = None) -> Result:
    """Carry out one command inside the caller's transaction."""
    match command:
        case Help(topic=topic):
            return Notice(help_text(topic))
        case GoalAdd(fields=fields):
            return goals.add_goal(ctx, fields)
        case GoalList():
            return goals.goal_tree(ctx)
        case GoalShow(key=key):
            return goals.show_goal(ctx, key)
        case KpiAdd(fields=fields, force=force):
            return kpis.add_kpi(ctx, fields, force=force)
        case KpiEdit(key=key):
            return kpis.open_edit(ctx, key)
        case KpiOwner(key=key, user_id=user_id):
            return kpis.hand_over(ctx, key, user_id)
        case KpiRetire(key=key, reason=reason):
            return kpis.retire(ctx, key, reason)
        case Log(kpi=ref, value=value, period=period, note=note):
            return values.log_value(ctx, ref, value, period_text=period, note=note)
        case ListKpis(team=team, owner=owner, goal=goal):
            return kpis.list_kpis(ctx, team=team, owner=owner, goal=goal)
        case Mine():
            return kpis.mine(ctx)
        case Show(key=key, share=share):
            return kpis.show(ctx, key, share=share)
        case Away(until=until, delegate=delegate):
            return Notice(people.away(ctx, until, delegate), tone="ok")
        case Back():
            return Notice(people.back(ctx), tone="ok")
        case V2momShow(team=team):
            return v2mom.show(ctx, v2mom.resolve_team(ctx, team, channel_id))
        case V2momEdit(team=team):
            return v2mom.open_edit(ctx, v2mom.resolve_team(ctx, team, channel_id))
        case Digest(preview=preview, team=team):
            return digest_commands.digest(ctx, team, channel_id, preview=preview)
        case DigestSchedule(team=team, when=when):
            return digest_commands.schedule(ctx, team, channel_id, when)
        case Review(action=action, team=team, rhythm=rhythm, lead_hours=lead_hours):
            return review_commands.review(ctx, action, team, channel_id, rhythm, lead_hours)
        case Actions(team=team, done=done, mine=mine):
            return review_commands.actions(ctx, team, channel_id, done=done, mine=mine)
        case Health(team=team):
            return alignment.health_view(ctx, team)
    raise AssertionError(f"unhandled command {command!r}")
