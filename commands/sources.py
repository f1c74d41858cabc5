"""Pulled values: run a KPI's source for a period and store what it gives, or say why not.

The pulling itself is commands.source_pull; this is what kpibot does with the number. A pulled
value goes through the same use case as `/kpi log` (commands.values.log_to), so parsing,
periods, history and the audit trail are the same, with the source "pulled" (or
"pulled-unconf" while the owner of a `confirm: true` KPI has not confirmed it). It never
replaces a value a person logged: a different number is offered to the owner instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from commands.configfile.source_fields import pull_after
from commands.context import CommandError, Context
from commands.lookup import find_kpi
from commands.permissions import require_log
from commands.source_pull import PullError, pull
from commands.values import kpi_timezone, log_to, resolve_period
from core.cadence import Period, period_for
from core.sources import PULLED, UNCONFIRMED, Source, parse_source, source_name
from core.values import format_value
from storage import repo
from storage.models import Kpi, Nudge

PULLED_SOURCES = frozenset({PULLED, UNCONFIRMED})
PULL_ACTOR = "kpibot-source"

STORED, UNCHANGED, CORRECTION = "stored", "unchanged", "correction"


def source_of(kpi: Kpi) -> Source | None:
    """The KPI's source as checked on import (None: its values are typed by people)."""
    return parse_source(json.loads(kpi.source_spec)) if kpi.source_spec else None


def last_closed_period(kpi: Kpi, ctx: Context) -> Period:
    """The newest period that has closed: what a pull fills in."""
    return period_for(kpi.cadence, ctx.now, kpi_timezone(ctx, kpi)).previous()


def pull_due_at(kpi: Kpi, period: Period, ctx: Context) -> datetime:
    """When the period's value is pulled: pull_after past its close, in the team's timezone."""
    return period.due_at(kpi_timezone(ctx, kpi)) + pull_after(kpi)


@dataclass(frozen=True)
class Pulled:
    """What one pull gave, and what storing it did (or would do)."""

    kpi_key: str
    kpi_name: str
    owner: str
    period_key: str
    period_label: str
    source: str  # sql, http or csv
    number: float
    value: str  # formatted with the KPI's unit
    outcome: str  # STORED, UNCHANGED or CORRECTION (a person's value was kept)
    logged: str | None = None  # the person's value, formatted, when outcome is CORRECTION
    unconfirmed: bool = False  # stored, awaiting the owner's confirmation

    def describe(self, *, stored: bool) -> str:
        head = f"{self.kpi_key} {self.period_key}: {self.source} gives {self.value}"
        if self.outcome == CORRECTION:
            return (
                f"{head}; {self.logged} was logged by a person, so it would be offered to "
                "the owner as a correction, not stored."
            )
        if self.outcome == UNCHANGED:
            return f"{head}; that value is stored already."
        verb = "stored" if stored else "would store"
        confirm = " (awaiting the owner's confirmation)" if self.unconfirmed else ""
        return f"{head}; {verb} {self.value} for {self.period_label}{confirm}."


def _pull_number(kpi: Kpi, period: Period) -> tuple[Source, float]:
    source = source_of(kpi)
    if source is None:
        raise CommandError(
            f"{kpi.key} has no source: add `source:` to it in the config file and import it."
        )
    try:
        return source, pull(source, period)
    except PullError as exc:
        raise CommandError(
            f"The {source_name(source)} source of {kpi.key} failed: {exc.message}"
        ) from None


def judge(ctx: Context, kpi: Kpi, period: Period, source: Source, number: float) -> Pulled:
    current = repo.get_measurement(ctx.session, kpi.id or 0, period.key)
    unconfirmed = bool(kpi.confirm_pulls)
    outcome, logged = STORED, None
    if current is not None and current.value == number:
        outcome = UNCHANGED
    elif current is not None and current.source not in PULLED_SOURCES:
        outcome, logged = CORRECTION, format_value(current.value, kpi.unit)
    return Pulled(
        kpi.key, kpi.name, kpi.owner_user_id, period.key, period.label, source_name(source),
        number, format_value(number, kpi.unit), outcome, logged, unconfirmed,
    )  # fmt: skip


def try_source(ctx: Context, ref: str, period_text: str | None) -> Pulled:
    """`kpibot sources test KPI [--period P]`: pull, and say what would be stored; no writes."""
    kpi = find_kpi(ctx, ref)
    period = resolve_period(ctx, kpi, period_text) if period_text else last_closed_period(kpi, ctx)
    source, number = _pull_number(kpi, period)
    return judge(ctx, kpi, period, source, number)


def pull_and_store(ctx: Context, kpi: Kpi, period: Period) -> Pulled:
    """Pull the period's value and store it, unless a person logged one (then: CORRECTION).

    Raises PullError (nothing written) when the source gives no usable number.
    """
    source = source_of(kpi)
    if source is None:
        raise PullError(f"{kpi.key} no longer has a source.")
    number = pull(source, period)
    pulled = judge(ctx, kpi, period, source, number)
    if pulled.outcome == STORED:
        store(ctx, kpi, period.key, number, unconfirmed=pulled.unconfirmed)
    return pulled


def store(ctx: Context, kpi: Kpi, period_key: str, number: float, *, unconfirmed: bool) -> None:
    """Log a pulled number as kpibot's source would (the owner's consent is the config)."""
    as_source = replace(
        ctx, actor=PULL_ACTOR, policy=replace(ctx.policy, admins=frozenset({PULL_ACTOR}))
    )
    log_to(
        as_source,
        kpi,
        repr(float(number)),
        period_text=period_key,
        note=None,
        source=UNCONFIRMED if unconfirmed else PULLED,
    )


def use_pulled(ctx: Context, ref: str, period_key: str, number: float) -> str:
    """The owner chose the pulled number over the value they logged: log it as theirs."""
    kpi = find_kpi(ctx, ref)
    logged = log_to(ctx, kpi, repr(float(number)), period_text=period_key, note=None, source=PULLED)
    if logged.unchanged:
        return f"{kpi.key} already shows {logged.value} for {logged.period_label}."
    return f"Done: {kpi.key} now shows {logged.value} for {logged.period_label} (was {logged.replaced})."


def keep_logged(ctx: Context, ref: str, period_key: str) -> str:
    """The owner keeps the value they logged: nothing changes."""
    kpi = find_kpi(ctx, ref)
    current = repo.get_measurement(ctx.session, kpi.id or 0, period_key)
    shown = format_value(current.value, kpi.unit) if current else "no value"
    return f"Kept {shown} for {kpi.key} {period_key}; the pulled number was set aside."


def confirm_pulled(ctx: Context, nudge_id: int) -> tuple[str, str, str]:
    """The owner confirms a pulled value from their reminder: it now counts as logged.

    Returns (KPI key, period key, what to tell them).
    """
    nudge = ctx.session.get(Nudge, nudge_id)
    kpi = ctx.session.get(Kpi, nudge.kpi_id) if nudge else None
    if nudge is None or kpi is None:
        raise CommandError("That reminder is no longer there; `/kpi mine` shows what is open.")
    require_log(ctx, kpi)
    current = repo.get_measurement(ctx.session, kpi.id or 0, nudge.period_key)
    if current is None or current.source != UNCONFIRMED:
        raise CommandError(
            f"There is no pulled value of {kpi.key} for {nudge.period_key} awaiting "
            "confirmation any more."
        )
    current.source = PULLED
    ctx.session.add(current)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="value.confirm",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={"period": nudge.period_key, "value": current.value},
    )
    shown = format_value(current.value, kpi.unit)
    return kpi.key, nudge.period_key, f"Confirmed {shown} for {kpi.key} {nudge.period_key}."
