"""`/kpi digest`: post a team's digest now, preview it, or set when it goes out each week.

Anyone may preview any team's digest (everyone can read in kpibot). Posting it in a channel and
changing its schedule are for the team's lead and admins. Which team: ``team:KEY`` when given,
else the team whose channel this is, else the one team the caller leads.
"""

from __future__ import annotations

from commands.context import CommandError, Context
from commands.digests.digest import team_digest
from commands.digests.facts import zone
from commands.lookup import resolve_team
from commands.permissions import can_manage, require_manage
from commands.results import DigestReady, Notice
from commands.text import esc
from core.digest_time import (
    DEFAULT_DIGEST_TIME,
    digest_time_of,
    next_moment,
    parse_digest_time,
)
from core.status import format_date
from storage import repo

_EXAMPLE = "/kpi digest preview team:sales"


def digest(ctx: Context, key: str | None, channel_id: str | None, *, preview: bool) -> DigestReady:
    team = resolve_team(ctx, key, channel_id, example=_EXAMPLE, what="team's digest")
    assert team.id is not None
    if not preview:
        if not can_manage(ctx, team):
            lead = f" (<@{team.lead_user_id}>)" if team.lead_user_id else ""
            raise CommandError(
                f"Only the lead of {esc(team.name)}{lead} or a kpibot admin can post its digest "
                "in a channel.",
                hint=f"`/kpi digest preview team:{team.key}` shows it to you alone.",
            )
        if not channel_id:
            raise CommandError("Run `/kpi digest` in the channel it should go to.")
    built = team_digest(ctx.session, ctx.policy, team, ctx.now)
    return DigestReady(built, team.id, preview, None if preview else channel_id)


def schedule(ctx: Context, key: str | None, channel_id: str | None, when: str | None) -> Notice:
    """Show (``when`` None), set, or reset (``default``) a team's digest time."""
    team = resolve_team(ctx, key, channel_id, example=_EXAMPLE, what="team's digest")
    tz = zone(team, ctx.policy)
    current = digest_time_of(team.digest_weekday, team.digest_time)
    if when is None:
        upcoming = next_moment(ctx.now, current, tz)
        return Notice(
            f"{esc(team.name)}'s digest goes out {current.label} ({tz}); the next one "
            f"{upcoming:%a} {format_date(upcoming)} {upcoming:%H:%M}.",
            details=("Change it with `/kpi digest schedule fri 16:00`.",),
        )
    require_manage(ctx, team, f"change when {esc(team.name)}'s digest goes out")
    if when == "default":
        weekday, at, chosen = None, None, DEFAULT_DIGEST_TIME
    else:
        try:
            chosen = parse_digest_time(when)
        except ValueError as exc:
            raise CommandError(esc(str(exc))) from None
        weekday, at = chosen.weekday, chosen.at
    team.digest_weekday, team.digest_time, team.updated_at = weekday, at, ctx.now
    ctx.session.add(team)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="team.digest_schedule",
        entity="team",
        key=team.key,
        now=ctx.now,
        details={"digest": chosen.text, "was": current.text},
    )
    upcoming = next_moment(ctx.now, chosen, tz)
    return Notice(
        f"{esc(team.name)}'s digest now goes out {chosen.label} ({tz}); the next one "
        f"{upcoming:%a} {format_date(upcoming)} {upcoming:%H:%M}.",
        tone="ok",
    )
