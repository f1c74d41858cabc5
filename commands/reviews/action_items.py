"""Action items: what people agreed to do in reviews, open until someone marks them done.

:func:`open_action_items` (and its batch form) give other features the open items of a team as
plain data; digests and the next review show them until they are done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from commands.context import CommandError, Context
from commands.permissions import can_manage
from commands.results import OpenActionItem
from commands.text import esc
from storage import repo, reviews
from storage.models import ActionItem, Kpi, Team

MAX_TEXT = 500


def open_action_items(session: Session, team_id: int) -> list[OpenActionItem]:
    """The team's open action items, earliest due date first (items without one last)."""
    return open_action_items_by_team(session, [team_id])[team_id]


def open_action_items_by_team(
    session: Session, team_ids: Sequence[int]
) -> dict[int, list[OpenActionItem]]:
    """Open action items of many teams in a fixed number of queries, by team ID."""
    grouped: dict[int, list[OpenActionItem]] = {team_id: [] for team_id in team_ids}
    rows = reviews.open_actions(session, team_ids=list(team_ids))
    for row, item in zip(rows, views(session, rows), strict=True):
        if row.team_id is not None:
            grouped[row.team_id].append(item)
    return grouped


def views(session: Session, rows: Sequence[ActionItem]) -> list[OpenActionItem]:
    teams = {t.id: t for t in repo.list_teams(session)}
    kpi_ids = {r.kpi_id for r in rows if r.kpi_id is not None}
    kpis = (
        {k.id: k for k in repo.list_kpis(session, repo.KpiFilter(active=None)) if k.id in kpi_ids}
        if kpi_ids
        else {}
    )
    out = []
    for row in rows:
        assert row.id is not None
        team = teams.get(row.team_id)
        kpi = kpis.get(row.kpi_id) if row.kpi_id is not None else None
        out.append(
            OpenActionItem(
                id=row.id,
                text=row.text,
                owner=row.owner_user_id,
                due=row.due_date,
                team_key=team.key if team else None,
                kpi_key=kpi.key if kpi else None,
                kpi_name=kpi.name if kpi else None,
                created_at=row.created_at,
            )
        )
    return out


# --- use cases ---------------------------------------------------------------------------------


def add_action(
    ctx: Context,
    *,
    text: str | None,
    owner: str | None,
    due: date | None,
    team: Team | None,
    kpi: Kpi | None = None,
    review_id: int | None = None,
) -> ActionItem:
    """Record an action item; errors name the form field at fault."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise CommandError("Say what needs doing.", field="text")
    if len(cleaned) > MAX_TEXT:
        raise CommandError(
            f"Keep the action item to {MAX_TEXT} characters (it has {len(cleaned)}).",
            field="text",
        )
    if not owner:
        raise CommandError("Every action item needs one owner.", field="owner")
    if due is not None and due < ctx.today:
        raise CommandError(
            f"{due.isoformat()} is in the past; pick today or a later date.", field="due"
        )
    repo.ensure_person(ctx.session, owner, ctx.now)
    item = ActionItem(
        team_id=team.id if team else None,
        review_id=review_id,
        kpi_id=kpi.id if kpi else None,
        text=cleaned,
        owner_user_id=owner,
        due_date=due,
        created_by=ctx.actor,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(item)
    ctx.session.flush()
    assert item.id is not None
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="action.add",
        entity="action_item",
        key=str(item.id),
        now=ctx.now,
        details={"text": cleaned, "owner": owner, "due": due, "review": review_id},
    )
    return item


def can_close(ctx: Context, item: ActionItem) -> bool:
    """The owner, whoever wrote it down, the team's lead, or an admin."""
    if ctx.actor in (item.owner_user_id, item.created_by):
        return True
    return can_manage(ctx, repo.get_team_by_id(ctx.session, item.team_id))


def mark_done(ctx: Context, item_id: int) -> str:
    """Mark an action item done; returns the confirmation to show."""
    item = ctx.session.get(ActionItem, item_id)
    if item is None:
        raise CommandError(
            f"There is no action item {item_id}.", hint="See the open ones with `/kpi actions`."
        )
    if item.status == reviews.DONE:
        when = item.done_at.date().isoformat() if item.done_at else "earlier"
        return f"“{esc(item.text)}” was already marked done ({when}, by <@{item.done_by}>)."
    if not can_close(ctx, item):
        raise CommandError(
            f"Only <@{item.owner_user_id}> (its owner), whoever added it, the team lead or a "
            "kpibot admin can mark this action item done."
        )
    item.status, item.done_at, item.done_by, item.updated_at = (
        reviews.DONE,
        ctx.now,
        ctx.actor,
        ctx.now,
    )
    ctx.session.add(item)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="action.done",
        entity="action_item",
        key=str(item.id),
        now=ctx.now,
        details={"text": item.text},
    )
    return f"Marked done: “{esc(item.text)}” (owner <@{item.owner_user_id}>)."
