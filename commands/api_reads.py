"""What the HTTP API reads: KPI definitions, their status and their history, as plain data
ready for JSON. Only KPIs inside the token's scope are ever shown."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands import insight
from commands.api_tokens import Caller, token_behind
from commands.api_values import INVALID, ApiRefusal, kpi_for, plain
from commands.context import Context
from core.cadence import PeriodError, parse_period
from storage import repo
from storage.models import Kpi, Measurement


def _definition(facts: insight.KpiFacts) -> dict[str, Any]:
    kpi, row = facts.kpi, facts.row
    latest = facts.values[-1] if facts.values else None
    return {
        "key": kpi.key,
        "name": kpi.name,
        "definition": kpi.definition,
        "unit": kpi.unit,
        "direction": kpi.direction.value,
        "target": kpi.target,
        "baseline": kpi.baseline,
        "band": [kpi.band_low, kpi.band_high] if kpi.band_low is not None else None,
        "cadence": kpi.cadence.value,
        "indicator": kpi.indicator.value,
        "owner": kpi.owner_user_id,
        "team": facts.team.key if facts.team else None,
        "goal": facts.goal.key if facts.goal else None,
        "active": kpi.active,
        "status": row.status.value,
        "status_reason": plain(row.reason),
        "trend": row.trend.value,
        "latest": _value(latest) if latest else None,
    }


def _value(m: Measurement) -> dict[str, Any]:
    token = token_behind(m.logged_by)
    return {
        "period": m.period_key,
        "period_start": m.period_start.isoformat(),
        "value": m.value,
        "note": m.note,
        "source": m.source,
        "logged_by": m.logged_by,
        "logged_at": m.logged_at.isoformat(),
        "via": f"API token {token}" if token else None,
        "version": m.version,
    }


def list_kpis(ctx: Context, caller: Caller) -> list[dict[str, Any]]:
    teams = {t.id: t.key for t in repo.list_teams(ctx.session)}
    visible = [
        k
        for k in repo.list_kpis(ctx.session, repo.KpiFilter(active=None))
        if caller.scope.covers(k.key, teams.get(k.team_id))
    ]
    return [_definition(f) for f in insight.gather(ctx, visible, periods=2)]


def kpi_detail(ctx: Context, caller: Caller, key: str) -> dict[str, Any]:
    kpi, _ = kpi_for(ctx, caller, key, write=False)
    return _definition(insight.gather(ctx, [kpi], periods=2)[0])


def _since(kpi: Kpi, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return parse_period(kpi.cadence, text.strip()).start
    except PeriodError:
        raise ApiRefusal(
            INVALID,
            f"'since' must be a date like 2026-01-01 or a {kpi.cadence.value} period like "
            f"2026-W01; got '{text}'.",
            field="since",
        ) from None


def values_since(ctx: Context, caller: Caller, key: str, since_text: str | None) -> dict[str, Any]:
    kpi, _ = kpi_for(ctx, caller, key, write=False)
    assert kpi.id is not None
    since = _since(kpi, since_text)
    history = repo.measurements_since(ctx.session, [kpi.id], since or date.min)[kpi.id]
    return {
        "kpi": kpi.key,
        "since": since.isoformat() if since else None,
        "values": [_value(m) for m in history],
    }
