"""``/kpi scorecard [team] [weeks:13] [wide]`` and the scorecard the Home tab and digest show:
a team's KPIs by period as a monospace grid (core.scorecard).

Slack shows a code block in the width it has and wraps long lines, which breaks a wide table
on a phone; so the phone rendering (40 columns, one block per KPI) is the default and the
wide table (KPIs down, periods across) is asked for with ``wide``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session

from commands.context import Context
from commands.lookup import resolve_team
from commands.reminders.rules import team_settings
from commands.results import ScorecardView
from core.kinds import Cadence
from core.scorecard import (
    DEFAULT_PERIODS,
    Scorecard,
    ScorecardKpi,
    build_scorecard,
    render_phone,
    render_wide,
)
from core.targets import PeriodTargets
from storage import repo
from storage.models import Kpi, Team
from storage.repo import KpiFilter

_DAYS = {
    Cadence.DAILY: 1,
    Cadence.WEEKLY: 7,
    Cadence.BIWEEKLY: 14,
    Cadence.MONTHLY: 31,
    Cadence.QUARTERLY: 92,
}


def scorecard(
    ctx: Context, team_key: str | None, channel_id: str | None, *, periods: int | None, wide: bool
) -> ScorecardView:
    team = resolve_team(ctx, team_key, channel_id, example="/kpi scorecard sales")
    card = team_scorecard(ctx.session, team, today=team_today(ctx, team), periods=periods)
    text = render_wide(card) if wide else render_phone(card)
    return ScorecardView(team.name, text, wide)


def team_today(ctx: Context, team: Team) -> date:
    """The date in the team's timezone: its periods are cut there."""
    return ctx.now.astimezone(team_settings(team, ctx.policy).tz).date()


def team_scorecard(
    session: Session, team: Team, *, today: date, periods: int | None = None
) -> Scorecard:
    """The team's active KPIs over the trailing periods up to the one holding ``today``."""
    kpis = repo.list_kpis(session, KpiFilter(team_id=team.id))
    return build_scorecard(
        scorecard_kpis(session, kpis, today, periods), today=today, count=periods
    )


def scorecard_kpis(
    session: Session, kpis: Sequence[Kpi], today: date, periods: int | None
) -> list[ScorecardKpi]:
    if not kpis:
        return []
    longest = max(_DAYS[k.cadence] * ((periods or DEFAULT_PERIODS[k.cadence]) + 1) for k in kpis)
    history = repo.measurements_since(
        session, [k.id for k in kpis if k.id is not None], today - timedelta(days=longest)
    )
    return [
        ScorecardKpi(
            key=kpi.key,
            name=kpi.name,
            cadence=kpi.cadence,
            direction=kpi.direction,
            values={m.period_key: m.value for m in history.get(kpi.id or 0, [])},
            targets=targets_of(kpi),
            band_low=kpi.band_low,
            band_high=kpi.band_high,
            unit=kpi.unit,
        )
        for kpi in kpis
    ]


def targets_of(kpi: Kpi) -> PeriodTargets | None:
    """The KPI's targets by period (its single target for every period until per-period
    targets are stored)."""
    if kpi.target is None:
        return None
    return PeriodTargets(kpi.cadence, fallback=kpi.target)
