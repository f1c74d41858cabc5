"""``/kpi alerts``: list a team's alert levels and states, set a KPI's levels, and choose
whether the team channel hears its alerts."""

from __future__ import annotations

from commands.context import CommandError, Context
from commands.lookup import find_kpi, find_team, resolve_team
from commands.parsing.alerts import AlertsChannel, AlertsList, AlertsSet
from commands.permissions import can_manage, require_manage
from commands.results import AlertList, AlertRow, Notice, Result
from commands.text import esc
from core.alerts import AlertState, Trigger
from core.values import format_value
from storage import alert_state, repo
from storage.models import Kpi
from storage.repo import KpiFilter

_HOLDING = {
    Trigger.OFF_TRACK: "off track",
    Trigger.BELOW: "below its alert level",
    Trigger.ABOVE: "above its alert level",
    Trigger.PROJECTED_MISS: "projected to miss",
}


def alerts(
    ctx: Context, command: AlertsList | AlertsSet | AlertsChannel, channel_id: str | None
) -> Result:
    if isinstance(command, AlertsSet):
        return set_levels(ctx, command)
    if isinstance(command, AlertsChannel):
        return set_channel(ctx, command, channel_id)
    return list_alerts(ctx, command.team, channel_id)


def list_alerts(ctx: Context, team_key: str | None, channel_id: str | None) -> AlertList:
    team = resolve_team(ctx, team_key, channel_id, example="/kpi alerts sales")
    kpis = repo.list_kpis(ctx.session, KpiFilter(team_id=team.id))
    rows = tuple(
        AlertRow(
            key=kpi.key,
            name=kpi.name,
            owner=kpi.owner_user_id,
            below=_level(kpi, kpi.alert_below),
            above=_level(kpi, kpi.alert_above),
            state=state_text(alert_state.load(ctx.session, kpi.id or 0, kpi.cadence)),
        )
        for kpi in kpis
    )
    return AlertList(team.name, team.alerts_channel, team.channel_id, rows)


def state_text(state: AlertState) -> str:
    """What holds now, e.g. "off track since 2026-W47 (lead told)"; "quiet" when nothing does."""
    if not state.episodes:
        return "quiet"
    parts = []
    for episode in state.episodes:
        told = " (lead told)" if episode.escalated else ""
        parts.append(f"{_HOLDING[episode.trigger]} since {episode.since.key}{told}")
    return "; ".join(parts)


def set_levels(ctx: Context, command: AlertsSet) -> Notice:
    kpi = find_kpi(ctx, command.kpi)
    team = repo.get_team_by_id(ctx.session, kpi.team_id)
    if kpi.owner_user_id != ctx.actor and not can_manage(ctx, team):
        raise CommandError(
            f"Only <@{kpi.owner_user_id}> (the owner of {kpi.key}), the team lead or a kpibot "
            "admin can change its alert levels.",
            hint=f"Ask <@{kpi.owner_user_id}> to set them.",
        )
    below = command.below if command.set_below else kpi.alert_below
    above = command.above if command.set_above else kpi.alert_above
    if below is not None and above is not None and below > above:
        raise CommandError(
            f"That would alert below {_level(kpi, below)} and above {_level(kpi, above)}, so "
            "every value would alert.",
            hint=f"Swap them, or clear one with `/kpi alerts set {kpi.key} above:off`.",
        )
    kpi.alert_below, kpi.alert_above, kpi.updated_at = below, above, ctx.now
    ctx.session.add(kpi)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="alerts",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={"alert_below": below, "alert_above": above},
    )
    return Notice(f"{esc(kpi.name)}: {levels_text(kpi)}.", tone="ok")


def levels_text(kpi: Kpi) -> str:
    below, above = _level(kpi, kpi.alert_below), _level(kpi, kpi.alert_above)
    parts = [f"alerts below {below}" if below else "", f"alerts above {above}" if above else ""]
    shown = " and ".join(part for part in parts if part)
    return shown or "no alert levels (it still alerts when it moves off track)"


def set_channel(ctx: Context, command: AlertsChannel, channel_id: str | None) -> Notice:
    team = (
        find_team(ctx, command.team)
        if command.team
        else resolve_team(ctx, None, channel_id, example="/kpi alerts channel on sales")
    )
    require_manage(ctx, team, "choose where its alerts go")
    if command.on and not team.channel_id:
        raise CommandError(
            f"{esc(team.name)} has no channel to post alerts in.",
            hint="Give the team a channel in the config file (`channel:`), then try again.",
        )
    team.alerts_channel, team.updated_at = command.on, ctx.now
    ctx.session.add(team)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="alerts_channel",
        entity="team",
        key=team.key,
        now=ctx.now,
        details={"alerts_channel": command.on},
    )
    if command.on:
        return Notice(
            f"{esc(team.name)}'s alerts now go to <#{team.channel_id}> too, besides the owner.",
            tone="ok",
        )
    return Notice(f"{esc(team.name)}'s alerts go only to the owners (and leads) now.", tone="ok")


def _level(kpi: Kpi, level: float | None) -> str | None:
    return None if level is None else format_value(level, kpi.unit)
