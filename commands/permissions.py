"""Who may do what. Anyone may read; writing is for owners, delegates, leads and admins."""

from __future__ import annotations

from commands.context import CommandError, Context
from commands.text import esc
from storage import repo
from storage.models import Kpi, Team


def _leads(team: Team | None, actor: str) -> bool:
    return team is not None and team.lead_user_id == actor


def can_log(ctx: Context, kpi: Kpi) -> bool:
    """Owner, the owner's delegate while the owner is away, the team lead, or an admin."""
    if ctx.is_admin or kpi.owner_user_id == ctx.actor:
        return True
    if _leads(repo.get_team_by_id(ctx.session, kpi.team_id), ctx.actor):
        return True
    owner = repo.get_person(ctx.session, kpi.owner_user_id)
    return (
        owner is not None
        and owner.delegate_user_id == ctx.actor
        and owner.away_until is not None
        and owner.away_until >= ctx.today
    )


def require_log(ctx: Context, kpi: Kpi) -> None:
    if not can_log(ctx, kpi):
        raise CommandError(
            f"Only <@{kpi.owner_user_id}> (the owner of {kpi.key}), their delegate while they "
            "are away, the team lead or a kpibot admin can log values for it.",
            hint=f"Ask <@{kpi.owner_user_id}> to log it, or to hand it over with "
            f"`/kpi owner {kpi.key} @you`.",
        )


def can_manage(ctx: Context, team: Team | None) -> bool:
    """Goals and KPIs are changed by the lead of their team or by an admin.

    Company-level things (no team) are for admins, and for anyone who leads some team when
    no admin is configured, so a fresh install is usable before anyone sets KPIBOT_ADMINS.
    """
    if ctx.is_admin:
        return True
    if team is not None:
        return _leads(team, ctx.actor)
    if ctx.policy.admins:
        return False
    return bool(repo.teams_led_by(ctx.session, ctx.actor))


def require_manage(ctx: Context, team: Team | None, what: str) -> None:
    if can_manage(ctx, team):
        return
    if team is not None:
        who = (
            f"the lead of {esc(team.name)} (<@{team.lead_user_id}>)"
            if team.lead_user_id
            else (f"the lead of {esc(team.name)}")
        )
        raise CommandError(
            f"Only {who} or a kpibot admin can {what}.",
            hint="Ask them to do it, or ask an admin to make you the team's lead.",
        )
    raise CommandError(
        f"Only kpibot admins can {what} at company level.",
        hint="Ask an admin (KPIBOT_ADMINS), or give it a team you lead with `team:KEY`.",
    )
