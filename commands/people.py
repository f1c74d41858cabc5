"""Being away: reminders go to a delegate (or pause) until the owner is back."""

from __future__ import annotations

from datetime import date

from commands.context import CommandError, Context
from storage import repo


def away(ctx: Context, until: date, delegate: str | None) -> str:
    if until < ctx.today:
        raise CommandError(
            f"{until:%d %b %Y} is in the past.",
            hint="Give the day you are back, e.g. `/kpi away until 2026-12-24`.",
        )
    if delegate == ctx.actor:
        raise CommandError(
            "You cannot be your own delegate.", hint="Name someone else, or leave the delegate out."
        )
    person = repo.ensure_person(ctx.session, ctx.actor, ctx.now)
    person.away_until, person.delegate_user_id, person.updated_at = until, delegate, ctx.now
    ctx.session.add(person)
    if delegate:
        repo.ensure_person(ctx.session, delegate, ctx.now)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="person.away",
        entity="person",
        key=ctx.actor,
        now=ctx.now,
        details={"until": until, "delegate": delegate},
    )
    owned = repo.count_active_kpis(ctx.session, owner=ctx.actor)
    who = (
        f"<@{delegate}> can log your {owned} KPI(s) and gets your reminders"
        if delegate
        else "your KPIs show as “owner away” instead of late"
    )
    return f"You are away until {until:%a %d %b %Y}: {who}. Say `/kpi back` when you return."


def back(ctx: Context) -> str:
    person = repo.get_person(ctx.session, ctx.actor)
    if person is None or person.away_until is None:
        return "You were not marked away; nothing changed."
    person.away_until, person.delegate_user_id, person.updated_at = None, None, ctx.now
    ctx.session.add(person)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="person.back",
        entity="person",
        key=ctx.actor,
        now=ctx.now,
    )
    return "Welcome back! Reminders come to you again."
