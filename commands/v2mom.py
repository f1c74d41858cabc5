"""A team's V2MOM: Vision, Values, Methods, Obstacles; its Measures are the team's KPIs."""

from __future__ import annotations

from typing import Any

from commands import insight
from commands.context import CommandError, Context
from commands.fields import Checked
from commands.lookup import find_team
from commands.permissions import can_manage, require_manage
from commands.results import Notice, OpenModal, V2momView
from commands.text import esc
from storage import repo
from storage.models import Team, V2Mom

PARTS = ("vision", "values", "methods", "obstacles")


def show(ctx: Context, team: Team) -> V2momView:
    assert team.id is not None
    doc = repo.get_v2mom(ctx.session, team.id)
    kpis = repo.list_kpis(ctx.session, repo.KpiFilter(team_id=team.id))
    return V2momView(
        team_key=team.key,
        team_name=team.name,
        vision=doc.vision if doc else None,
        values=doc.values if doc else None,
        methods=doc.methods if doc else None,
        obstacles=doc.obstacles if doc else None,
        measures=tuple(f.row for f in insight.gather(ctx, kpis)),
        can_edit=can_manage(ctx, team),
    )


def open_edit(ctx: Context, team: Team) -> OpenModal:
    require_manage(ctx, team, f"edit the V2MOM of {esc(team.name)}")
    assert team.id is not None
    doc = repo.get_v2mom(ctx.session, team.id)
    initial: dict[str, Any] = {"team": team.key}
    initial.update({part: (getattr(doc, part) or "") if doc else "" for part in PARTS})
    return OpenModal("v2mom_edit", initial=initial)


def save(ctx: Context, team_key: str, fields: dict[str, str | None]) -> Notice:
    team = find_team(ctx, team_key)
    require_manage(ctx, team, f"edit the V2MOM of {esc(team.name)}")
    checked = Checked()
    for part in PARTS:
        checked.text(part, fields.get(part))
    if checked.errors:
        raise CommandError("; ".join(checked.errors.values()))
    assert team.id is not None
    doc = repo.get_v2mom(ctx.session, team.id) or V2Mom(team_id=team.id, updated_at=ctx.now)
    changed = {p: checked.values[p] for p in PARTS if getattr(doc, p) != checked.values[p]}
    if not changed:
        return Notice(f"Nothing changed in the V2MOM of {esc(team.name)}.")
    for part, value in changed.items():
        setattr(doc, part, value)
    doc.updated_by, doc.updated_at = ctx.actor, ctx.now
    ctx.session.add(doc)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="v2mom.edit",
        entity="team",
        key=team.key,
        now=ctx.now,
        details=changed,
    )
    return Notice(f"Saved the V2MOM of {esc(team.name)} ({', '.join(changed)}).", tone="ok")
