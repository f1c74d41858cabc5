"""Scheduled pulls, storage side: plan one pull per (KPI, period) and settle each attempt.

Planning (under the job's named lease) writes one outbox row of kind ``source_pull`` per KPI
with a source and closed period, due ``pull_after`` past the period's close, under the unique
key ``pull:KPI:PERIOD``: planning twice, or in two processes, cannot pull twice. A pull row is
claimed like any delivery (a lease), pulled off any transaction, then settled in one
transaction with the value it stores, so a value is stored at most once per row.

A failed try is released to run again after a back-off; after the last try the row fails and
one ``source_notice`` delivery (key ``source-failed:KPI:PERIOD``) tells the owner why. A
pulled number that differs from a value a person logged is never stored: one notice
(``source-correction:KPI:PERIOD``) offers it to the owner instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.context import Context
from commands.sources import CORRECTION, Pulled, judge, last_closed_period, pull_due_at, source_of
from commands.sources import store as store_pulled
from core.cadence import Period, PeriodError, parse_period
from core.sources import Source
from storage import outbox, repo
from storage.outbox import Claimed, NewDelivery

PULL = "source_pull"
NOTICE = "source_notice"
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


def plan_pulls(ctx: Context) -> int:
    """Record the pull of every due (KPI, last closed period); the number newly planned."""
    rows: list[NewDelivery] = []
    for kpi in repo.list_kpis(ctx.session):
        if not kpi.source_spec or not kpi.active:
            continue
        period = last_closed_period(kpi, ctx)
        due = pull_due_at(kpi, period, ctx)
        if due > ctx.now:
            continue
        rows.append(
            NewDelivery(
                key=f"pull:{kpi.key}:{period.key}",
                kind=PULL,
                recipient=kpi.owner_user_id,
                due_at=due,
                payload={"kpi": kpi.key, "period": period.key},
            )
        )
    return len(outbox.create_many(ctx.session, rows, now=ctx.now))


@dataclass(frozen=True)
class PullJob:
    """What one claimed pull row needs, read before the pull runs (no session held open)."""

    claimed: Claimed
    kpi_key: str
    period: Period
    source: Source


def load(session: Session, c: Claimed) -> PullJob | str:
    """The claimed row's KPI, period and source, or why it cannot run any more."""
    kpi = repo.get_kpi(session, str(c.payload.get("kpi", "")))
    if kpi is None or not kpi.active:
        return "the KPI is gone or retired"
    source = source_of(kpi)
    if source is None:
        return "the KPI no longer has a source"
    try:
        period = parse_period(kpi.cadence, str(c.payload.get("period", "")))
    except PeriodError:
        return "the period no longer fits the KPI's cadence"
    return PullJob(c, kpi.key, period, source)


def settle_number(ctx: Context, job: PullJob, number: float, owner: str) -> Pulled | None:
    """Store (or offer) the pulled number and close the row, in the caller's transaction.

    None when the row's lease was lost to another process: the caller rolls back.
    """
    kpi = repo.get_kpi(ctx.session, job.kpi_key)
    if kpi is None:
        return None
    pulled = judge(ctx, kpi, job.period, job.source, number)
    if pulled.outcome != CORRECTION and pulled.outcome != "unchanged":
        store_pulled(ctx, kpi, job.period.key, number, unconfirmed=pulled.unconfirmed)
    if not outbox.mark_sent(
        ctx.session, job.claimed.id, owner, channel="-", ts=pulled.outcome, now=ctx.now
    ):
        return None
    if pulled.outcome == CORRECTION:
        outbox.create(
            ctx.session,
            key=f"source-correction:{kpi.key}:{job.period.key}",
            kind=NOTICE,
            recipient=kpi.owner_user_id,
            due_at=ctx.now,
            now=ctx.now,
            payload={
                "type": "correction",
                "kpi": kpi.key,
                "period": job.period.key,
                "period_label": job.period.label,
                "source": pulled.source,
                "number": number,
                "value": pulled.value,
                "logged": pulled.logged,
            },
        )
    return pulled


def settle_failure(
    session: Session, c: Claimed, message: str, owner: str, *, now: datetime, tries: int
) -> bool:
    """A failed try: retried after a back-off, or, after the last, failed and told once.

    True when the owner is told (this was the last try).
    """
    if c.attempts < tries:
        wait = BACKOFF[min(c.attempts, len(BACKOFF)) - 1]
        outbox.release(session, c.id, owner, retry_at=now + wait, reason=message, now=now)
        return False
    if not outbox.mark_failed(session, c.id, owner, reason=message, now=now):
        return False
    outbox.create(
        session,
        key=f"source-failed:{c.payload.get('kpi')}:{c.payload.get('period')}",
        kind=NOTICE,
        recipient=c.recipient,
        due_at=now,
        now=now,
        payload={
            "type": "failed",
            "kpi": c.payload.get("kpi"),
            "period": c.payload.get("period"),
            "error": message,
            "tries": c.attempts,
        },
    )
    return True
