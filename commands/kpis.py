"""Use cases on KPIs: create, edit, hand over, retire, list and show."""

from __future__ import annotations

from typing import Any

from commands import formulas, insight, outlook
from commands.api_tokens import token_behind
from commands.context import CommandError, Context
from commands.fields import Checked, check_kpi
from commands.lookup import Ambiguous, find_goal, find_kpi, find_team
from commands.permissions import require_manage
from commands.results import Choose, KpiCard, KpiTable, Notice, OpenModal
from commands.text import esc
from commands.values import resolve_period
from core.health import focus_violations
from core.kinds import Direction
from core.values import format_value
from storage import repo
from storage.models import Goal, Kpi

EDITABLE = (
    "name", "definition", "unit", "direction", "target", "baseline", "band_low", "band_high",
    "cadence", "indicator", "decision", "team_id", "goal_id",
)  # fmt: skip


class FieldErrors(CommandError):
    """Validation failed; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        lines = [f"• {name}: {problem}" for name, problem in errors.items()]
        super().__init__("That KPI could not be saved:\n" + "\n".join(lines))
        self.errors = errors


class FocusWarning(CommandError):
    """Creating the KPI breaks a focus rule; an admin may go ahead with `force`."""


def _team(ctx: Context, team_id: int | None) -> Any:
    return repo.get_team_by_id(ctx.session, team_id)


def add_kpi(
    ctx: Context, fields: dict[str, Any] | None, *, force: bool = False
) -> Notice | OpenModal:
    if fields is None:
        return OpenModal("kpi_add")
    checked = check_kpi(ctx, fields, creating=True)
    if checked.errors:
        raise FieldErrors(checked.errors)
    values = checked.values
    team = _team(ctx, values["team_id"])
    require_manage(ctx, team, "create KPIs" + (f" for {esc(team.name)}" if team else ""))
    warnings = focus_violations(
        repo.count_active_kpis(ctx.session, owner=values["owner"]) + 1,
        repo.count_active_kpis(ctx.session, team_id=team.id) + 1 if team else 0,
        ctx.policy.limits,
    )
    if warnings and not (force and ctx.is_admin):
        reasons = "\n".join(f"• {w.message} {w.advice}" for w in warnings)
        how = (
            "Add `force` at the end of the command to create it anyway."
            if ctx.is_admin
            else "Retire a KPI first, or ask a kpibot admin to create it anyway."
        )
        raise FocusWarning(
            f"Creating `{values['key']}` would break a focus rule:\n{reasons}", hint=how
        )
    repo.ensure_person(ctx.session, values["owner"], ctx.now)
    kpi = Kpi(
        key=values["key"], owner_user_id=values["owner"], created_at=ctx.now, updated_at=ctx.now,
        **{name: values[name] for name in EDITABLE},
    )  # fmt: skip
    ctx.session.add(kpi)
    ctx.session.flush()
    repo.audit(
        ctx.session, actor=ctx.actor, action="kpi.create", entity="kpi", key=kpi.key, now=ctx.now,
        details={name: values[name] for name in (*EDITABLE, "owner")},
    )  # fmt: skip
    details = tuple(f"{w.message}" for w in warnings)
    return Notice(
        f"Created KPI *{esc(kpi.name)}* (`{kpi.key}`), owned by <@{kpi.owner_user_id}>, "
        f"reported {kpi.cadence.value}, target {insight.target_text(kpi)}.",
        tone="warn" if warnings else "ok",
        details=(*(f"Went ahead despite: {d}" for d in details),),
    )


def open_edit(ctx: Context, key: str) -> OpenModal:
    kpi = find_kpi(ctx, key)
    require_manage(ctx, _team(ctx, kpi.team_id), f"edit `{kpi.key}`")
    return OpenModal("kpi_edit", initial=kpi_form_values(ctx, kpi))


def kpi_form_values(ctx: Context, kpi: Kpi) -> dict[str, Any]:
    team = _team(ctx, kpi.team_id)
    goal = ctx.session.get(Goal, kpi.goal_id) if kpi.goal_id else None

    def num(value: float | None) -> str:
        return "" if value is None else format_value(value, None, compact=False).replace(",", "")

    has_band = kpi.band_low is not None and kpi.band_high is not None
    band = f"{num(kpi.band_low)} to {num(kpi.band_high)}" if has_band else ""

    return {
        "key": kpi.key, "name": kpi.name, "definition": kpi.definition or "",
        "unit": kpi.unit or "",
        "direction": kpi.direction.value, "target": num(kpi.target), "baseline": num(kpi.baseline),
        "band": band, "cadence": kpi.cadence.value, "indicator": kpi.indicator.value,
        "decision": kpi.decision or "", "owner": kpi.owner_user_id,
        "team": team.key if team else "", "goal": goal.key if goal else "",
    }  # fmt: skip


def edit_kpi(ctx: Context, key: str, fields: dict[str, Any]) -> Notice:
    kpi = find_kpi(ctx, key)
    require_manage(ctx, _team(ctx, kpi.team_id), f"edit `{kpi.key}`")
    checked: Checked = check_kpi(ctx, fields, creating=False)
    if checked.errors:
        raise FieldErrors(checked.errors)
    new_team = _team(ctx, checked.values["team_id"])
    if new_team is not None and new_team.id != kpi.team_id:
        require_manage(ctx, new_team, f"move KPIs into {esc(new_team.name)}")
    changes = {}
    for name in EDITABLE:
        value = checked.values.get(name, getattr(kpi, name))
        if name == "name" and value is None:
            continue
        if value != getattr(kpi, name):
            changes[name] = {"from": getattr(kpi, name), "to": value}
            setattr(kpi, name, value)
    owner = checked.values.get("owner")
    if owner and owner != kpi.owner_user_id:
        changes["owner"] = {"from": kpi.owner_user_id, "to": owner}
        repo.ensure_person(ctx.session, owner, ctx.now)
        kpi.owner_user_id = owner
    if not changes:
        return Notice(f"Nothing changed on `{kpi.key}`.")
    kpi.updated_at = ctx.now
    ctx.session.add(kpi)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="kpi.edit",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details=changes,
    )
    return Notice(f"Updated `{kpi.key}`: " + ", ".join(sorted(changes)) + ".", tone="ok")


def hand_over(ctx: Context, key: str, user_id: str) -> Notice:
    kpi = find_kpi(ctx, key)
    require_manage(ctx, _team(ctx, kpi.team_id), f"change the owner of `{kpi.key}`")
    if kpi.owner_user_id == user_id:
        return Notice(f"<@{user_id}> already owns `{kpi.key}`.")
    owned = repo.count_active_kpis(ctx.session, owner=user_id) + 1
    previous = kpi.owner_user_id
    repo.ensure_person(ctx.session, user_id, ctx.now)
    kpi.owner_user_id, kpi.updated_at = user_id, ctx.now
    ctx.session.add(kpi)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="kpi.owner",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={"from": previous, "to": user_id},
    )
    details = tuple(f.message for f in focus_violations(owned, 0, ctx.policy.limits))
    return Notice(
        f"<@{user_id}> now owns *{esc(kpi.name)}* (`{kpi.key}`), handed over from <@{previous}>.",
        tone="warn" if details else "ok",
        details=details,
    )


def retire(ctx: Context, key: str, reason: str | None) -> Notice:
    kpi = find_kpi(ctx, key)
    require_manage(ctx, _team(ctx, kpi.team_id), f"retire `{kpi.key}`")
    kpi.active, kpi.retired_at, kpi.updated_at = False, ctx.now, ctx.now
    ctx.session.add(kpi)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="kpi.retire",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={"reason": reason},
    )
    return Notice(
        f"Retired *{esc(kpi.name)}* (`{kpi.key}`). Its history is kept; it takes no new values "
        "and no longer counts toward focus limits.",
        tone="ok",
    )


def list_kpis(ctx: Context, *, team: str | None, owner: str | None, goal: str | None) -> KpiTable:
    where = repo.KpiFilter(
        team_id=find_team(ctx, team).id if team else None,
        owner=owner,
        goal_id=find_goal(ctx, goal).id if goal else None,
    )
    filters = [
        f"team {team}" if team else "",
        f"owner <@{owner}>" if owner else "",
        f"goal {goal}" if goal else "",
    ]
    title = "KPIs" + (" — " + ", ".join(f for f in filters if f) if any(filters) else "")
    rows = tuple(f.row for f in insight.gather(ctx, repo.list_kpis(ctx.session, where), periods=4))
    return KpiTable(title, rows, empty_hint="No KPIs match. Create one with `/kpi add`.")


def mine(ctx: Context) -> KpiTable:
    rows = tuple(
        f.row
        for f in insight.gather(ctx, repo.list_kpis(ctx.session, repo.KpiFilter(owner=ctx.actor)))
    )
    return KpiTable(
        "Your KPIs",
        rows,
        empty_hint="You own no KPIs. A team lead can hand you one with `/kpi owner KEY @you`.",
    )


def show(ctx: Context, ref: str, *, share: bool = False) -> KpiCard | Choose:
    try:
        kpi = find_kpi(ctx, ref, include_retired=True)
    except Ambiguous as many:
        return Choose(
            prompt=f"Several KPIs match “{esc(ref)}”. Which one?",
            options=tuple((k.key, f"{k.name} ({k.key})") for k in many.candidates),
            action="show",
            carry={"share": share},
        )
    facts = insight.gather(ctx, [kpi])[0]
    history = tuple(
        (insight.period_label(kpi.cadence, m.period_key), format_value(m.value, kpi.unit))
        for m in reversed(facts.values)
    )
    via_tokens = tuple(token_behind(m.logged_by) for m in reversed(facts.values))
    direction = {
        Direction.UP: "higher is better",
        Direction.DOWN: "lower is better",
        Direction.BAND: "stay within the band",
    }
    return KpiCard(
        row=facts.row,
        definition=kpi.definition,
        decision=kpi.decision,
        direction=direction[kpi.direction],
        baseline=format_value(kpi.baseline, kpi.unit) if kpi.baseline is not None else None,
        history=history[:6],
        chart=insight.series_for(ctx, facts),
        shared=share,
        via_tokens=via_tokens[:6],
        projection=insight.outlook_of(facts).line,
        targets=outlook.targets_text(kpi),
        formula=kpi.formula,
        missing=_missing_input(ctx, kpi),
    )


def _missing_input(ctx: Context, kpi: Kpi) -> str | None:
    """For a formula KPI without a value this period: which input is still missing."""
    if not kpi.formula:
        return None
    return formulas.missing_inputs(ctx.session, kpi, resolve_period(ctx, kpi, None))
