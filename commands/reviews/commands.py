"""`/kpi review ...` and `/kpi actions ...`: a team's review rhythm, opening and closing a review
now, and the open action items.

The team is the one named, else the channel's team, else the one team the person leads.
Setting the rhythm, starting and closing are for the team's lead or an admin.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from commands.context import CommandError, Context
from commands.lookup import find_team, resolve_team
from commands.permissions import require_manage
from commands.results import Notice
from commands.reviews.action_items import mark_done, views
from commands.reviews.content import meeting_label
from commands.reviews.plan import (
    close_review,
    open_review,
    team_cadence,
    team_lead,
    team_zone,
)
from commands.reviews.results import ActionList, ReviewQueued
from commands.text import esc
from core.review_cadence import (
    MAX_LEAD,
    CadenceError,
    check_lead,
    parse_review_cadence,
    post_moment,
)
from storage import repo, reviews
from storage.models import Team

OFF_WORDS = ("off", "none", "stop")


def review(
    ctx: Context,
    action: str,
    team_key: str | None,
    channel_id: str | None,
    rhythm: str | None = None,
    lead_hours: int | None = None,
) -> Notice:
    """`/kpi review [start|close|schedule] ...`."""
    if action == "schedule":
        words = (rhythm or "").split()
        if team_key is None and words and repo.get_team(ctx.session, words[0].lower()):
            team_key, words = words[0].lower(), words[1:]  # `review schedule sales tue 10:00`
        team = resolve_team(
            ctx, team_key, channel_id, example="/kpi review schedule sales tue 10:00"
        )
        return schedule(ctx, team, " ".join(words), lead_hours)
    team = resolve_team(ctx, team_key, channel_id, example=f"/kpi review {action} sales")
    if action == "start":
        return start(ctx, team)
    if action == "close":
        return close(ctx, team)
    return status(ctx, team)


def status(ctx: Context, team: Team) -> Notice:
    """The team's rhythm, its next meeting and when its thread is posted, and any open review."""
    assert team.id is not None
    lines = [f"*Reviews of {esc(team.name)}*"]
    cadence = team_cadence(team)
    tz = team_zone(team, ctx.policy)
    if cadence is None:
        lines.append(
            "No review rhythm yet. A lead sets one with "
            f"`/kpi review schedule {team.key} every other tue 10:00`."
        )
    else:
        meeting = cadence.next_meeting(ctx.now, tz)
        posted = post_moment(meeting, team_lead(team), tz)
        lines.append(f"Meets {cadence.label} ({tz.key}).")
        lines.append(
            f"Next meeting: {meeting_label(meeting, tz)}; its thread is posted "
            f"{meeting_label(posted, tz)}."
        )
    for review in reviews.open_reviews(ctx.session, team.id):
        lines.append(
            f"Open review: {meeting_label(review.meeting_at, tz)}. Close it with "
            f"`/kpi review close {team.key}`."
        )
    return Notice("\n".join(lines))


def schedule(ctx: Context, team: Team, text: str, lead_hours: int | None) -> Notice:
    require_manage(ctx, team, f"set the review rhythm of {esc(team.name)}")
    if text.strip().lower() in OFF_WORDS:
        team.review_schedule, team.updated_at = None, ctx.now
        ctx.session.add(team)
        _audit_schedule(ctx, team, None, None)
        return Notice(f"{esc(team.name)} has no review rhythm any more.", tone="ok")
    tz = team_zone(team, ctx.policy)
    try:
        cadence = parse_review_cadence(text, today=ctx.now.astimezone(tz).date())
        if lead_hours is not None:
            check_lead(timedelta(hours=lead_hours))
    except CadenceError as exc:
        raise CommandError(
            esc(str(exc)),
            hint=f"Posting can be 0 to {MAX_LEAD.days * 24} hours "
            "before the meeting, like `before:24h`.",
        ) from None
    team.review_schedule = cadence.text
    if lead_hours is not None:
        team.review_lead_hours = lead_hours
    team.updated_at = ctx.now
    ctx.session.add(team)
    _audit_schedule(ctx, team, cadence.text, lead_hours)
    meeting = cadence.next_meeting(ctx.now, tz)
    posted = post_moment(meeting, team_lead(team), tz)
    return Notice(
        f"{esc(team.name)} reviews its KPIs {cadence.label} ({tz.key}). The next meeting is "
        f"{meeting_label(meeting, tz)}; its thread with fresh charts goes to <#{team.channel_id}> "
        f"{meeting_label(posted, tz)}."
        if team.channel_id
        else f"{esc(team.name)} reviews its KPIs {cadence.label}; give the team a channel so "
        "kpibot can post its review threads.",
        tone="ok",
    )


def _audit_schedule(ctx: Context, team: Team, text: str | None, lead: int | None) -> None:
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="team.review_schedule",
        entity="team",
        key=team.key,
        now=ctx.now,
        details={"schedule": text, "lead_hours": lead},
    )


def start(ctx: Context, team: Team) -> ReviewQueued:
    """Open a review now: the next scheduled meeting's if it is within days, else one for today."""
    require_manage(ctx, team, f"start a review of {esc(team.name)}")
    assert team.id is not None
    if not team.channel_id:
        raise CommandError(
            f"{esc(team.name)} has no channel to hold the review in.",
            hint="An admin sets the team's channel (`kpibot import` with `channel:`).",
        )
    tz = team_zone(team, ctx.policy)
    for review in reviews.open_reviews(ctx.session, team.id):
        raise CommandError(
            f"The {esc(team.name)} review of {meeting_label(review.meeting_at, tz)} is still open.",
            hint=f"Carry on in its thread, or close it with `/kpi review close {team.key}` first.",
        )
    cadence = team_cadence(team)
    meeting = cadence.next_meeting(ctx.now, tz) if cadence else None
    if cadence and meeting and meeting.astimezone(UTC) - ctx.now.astimezone(UTC) <= MAX_LEAD:
        meeting_at, key = meeting, cadence.meeting_day(meeting, tz).isoformat()
    else:
        meeting_at, key = ctx.now, ctx.now.astimezone(tz).date().isoformat()
    base, n = key, 1
    while reviews.review_on(ctx.session, team.id, key) is not None:
        n += 1
        key = f"{base}#{n}"
    open_review(
        ctx.session,
        team,
        meeting_at=meeting_at,
        meeting_key=key,
        opened_by=ctx.actor,
        now=ctx.now,
        policy=ctx.policy,
    )
    return ReviewQueued(
        f"Opened the {esc(team.name)} review for {meeting_label(meeting_at, tz)}: its thread with "
        f"fresh charts is on its way to <#{team.channel_id}>.",
        tone="ok",
    )


def close(ctx: Context, team: Team) -> ReviewQueued:
    require_manage(ctx, team, f"close a review of {esc(team.name)}")
    assert team.id is not None
    open_ones = reviews.open_reviews(ctx.session, team.id)
    if not open_ones:
        raise CommandError(
            f"{esc(team.name)} has no open review.",
            hint=f"Start one with `/kpi review start {team.key}`.",
        )
    for review in open_ones:
        close_review(ctx.session, review, team, by=ctx.actor, now=ctx.now)
    tz = team_zone(team, ctx.policy)
    return ReviewQueued(
        f"Closed the {esc(team.name)} review of {meeting_label(open_ones[0].meeting_at, tz)}: "
        "the summary of decisions, action items and KPIs without commentary is on its way to "
        "the thread and the channel.",
        tone="ok",
    )


# --- action items ------------------------------------------------------------------------------


def actions(
    ctx: Context, team_key: str | None, channel_id: str | None, *, done: int | None, mine: bool
) -> Notice | ActionList:
    """`/kpi actions [team|mine]`, `/kpi actions done N`."""
    if done is not None:
        return Notice(mark_done(ctx, done), tone="ok")
    return list_actions(ctx, team_key, None if mine else channel_id)


def list_actions(ctx: Context, team_key: str | None, channel_id: str | None) -> ActionList:
    """A team's open action items when one is named or the channel is a team's, else yours."""
    team = find_team(ctx, team_key) if team_key else None
    if team is None and channel_id:
        team = repo.team_for_channel(ctx.session, channel_id)
    if team is not None:
        assert team.id is not None
        rows = reviews.open_actions(ctx.session, team_ids=[team.id])
        title = f"Open action items of {team.name}"
    else:
        rows = reviews.open_actions(ctx.session, owner=ctx.actor)
        title = "Your open action items"
    return ActionList(
        title=title,
        items=tuple(views(ctx.session, rows)),
        today=ctx.today,
        empty_hint="Nothing open. Action items are added from review threads.",
    )
