"""Values written through the HTTP API: checked against the token's scope, then stored by the
same use case as `/kpi log` (commands.values.log_to), so parsing, periods, history and the audit
trail are one code path whatever the channel.

Refusals are `ApiRefusal`s carrying a `code`; the HTTP layer maps codes to statuses.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from commands.api_tokens import Caller
from commands.context import CommandError, Context
from commands.results import ValueLogged
from commands.values import log_to
from storage import repo
from storage.models import Kpi, Team

MAX_BATCH = 1000
FIELDS = ("kpi", "value", "period", "note")

# codes -> what went wrong; the HTTP layer gives each its status
FORBIDDEN, NOT_FOUND, INVALID = "forbidden", "not_found", "invalid"


class ApiRefusal(CommandError):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


@dataclass(frozen=True)
class Recorded:
    """One stored value, as the API answers it."""

    body: dict[str, Any]
    created: bool  # False when the same value and note were already there
    logged: ValueLogged  # what `/kpi log` would have answered, for follow-ups (reminders)


def plain(message: str) -> str:
    """CommandError messages are Slack mrkdwn; API clients get plain text."""
    return html.unescape(message)


def kpi_for(ctx: Context, caller: Caller, key: object, *, write: bool) -> tuple[Kpi, Team | None]:
    """The KPI `key` names, if the token may reach it (and write to it when `write`)."""
    if not isinstance(key, str) or not key.strip():
        raise ApiRefusal(INVALID, 'Give the KPI\'s key as a string, like "pipeline".', field="kpi")
    kpi = repo.get_kpi(ctx.session, key.strip().lower())
    if kpi is None:
        raise ApiRefusal(
            NOT_FOUND, f"No KPI has the key '{key}'. GET /api/v1/kpis lists them.", field="kpi"
        )
    team = repo.get_team_by_id(ctx.session, kpi.team_id)
    if not caller.scope.covers(kpi.key, team.key if team else None):
        raise ApiRefusal(
            FORBIDDEN,
            f"The token '{caller.name}' may not reach KPI '{kpi.key}' (it covers "
            f"{caller.scope.describe()}).",
            field="kpi",
        )
    if write and caller.scope.read_only:
        raise ApiRefusal(
            FORBIDDEN,
            f"The token '{caller.name}' is read-only; ask an admin for a token that may write.",
        )
    if write and not kpi.active:
        raise ApiRefusal(
            INVALID, f"KPI '{kpi.key}' is retired and takes no new values.", field="kpi"
        )
    return kpi, team


def require_writer(caller: Caller) -> None:
    if caller.scope.read_only:
        raise ApiRefusal(
            FORBIDDEN,
            f"The token '{caller.name}' is read-only; ask an admin for a token that may write.",
        )


def value_text(value: object) -> str:
    """The value as `/kpi log` would read it: numbers become their shortest text."""
    if isinstance(value, bool) or value is None:
        raise ApiRefusal(
            INVALID, 'Give the value as a number or a string like "1.2M".', field="value"
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)  # nan/inf: parse_value says no
    if isinstance(value, str):
        return value
    raise ApiRefusal(INVALID, 'Give the value as a number or a string like "1.2M".', field="value")


def _optional_text(row: Mapping[str, Any], name: str) -> str | None:
    given = row.get(name)
    if given is None or isinstance(given, str):
        return given
    raise ApiRefusal(INVALID, f"'{name}' must be a string.", field=name)


def record_value(ctx: Context, caller: Caller, row: object) -> Recorded:
    """Store one value; raises ApiRefusal (nothing written by this row) when it is refused."""
    if not isinstance(row, Mapping):
        raise ApiRefusal(INVALID, 'Send a JSON object like {"kpi": "pipeline", "value": 1200000}.')
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise ApiRefusal(
            INVALID,
            f"Unknown field '{unknown[0]}'; a value has kpi, value, period and note.",
            field=str(unknown[0]),
        )
    if "value" not in row:
        raise ApiRefusal(INVALID, "The value is missing.", field="value")
    require_writer(caller)
    kpi, _ = kpi_for(ctx, caller, row.get("kpi"), write=True)
    text = value_text(row["value"])
    period, note = _optional_text(row, "period"), _optional_text(row, "note")
    # The token's scope was checked above; inside it, a token logs as an admin would.
    as_token = replace(
        ctx, actor=caller.actor, policy=replace(ctx.policy, admins=frozenset({caller.actor}))
    )
    try:
        logged = log_to(as_token, kpi, text, period_text=period, note=note, source="api")
    except ApiRefusal:
        raise
    except CommandError as exc:
        raise ApiRefusal(INVALID, plain(exc.message), field=exc.field or "value") from None
    measurement = repo.get_measurement(ctx.session, kpi.id or 0, logged.period_key)
    assert measurement is not None
    body = {
        "kpi": kpi.key,
        "period": logged.period_key,
        "period_label": logged.period_label,
        "value": measurement.value,
        "display": logged.value,
        "note": logged.note,
        "status": logged.status.value,
        "status_reason": plain(logged.reason),
        "replaced": logged.replaced,
        "version": measurement.version,
    }
    return Recorded(body, created=not logged.unchanged, logged=logged)


@dataclass(frozen=True)
class RowError:
    index: int
    refusal: ApiRefusal


def record_batch(ctx: Context, caller: Caller, rows: object) -> list[Recorded] | list[RowError]:
    """Store every row or, when any is refused, report every refused row (the caller rolls
    the transaction back, so no row is kept)."""
    if not isinstance(rows, list) or not rows:
        raise ApiRefusal(
            INVALID, 'Send {"values": [...]}: a non-empty list of values.', field="values"
        )
    require_writer(caller)
    stored: list[Recorded] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        try:
            with ctx.session.begin_nested():  # a refused row leaves no half-written trace
                stored.append(record_value(ctx, caller, row))
        except ApiRefusal as refusal:
            errors.append(RowError(index, refusal))
    return errors if errors else stored
