"""What reminder messages say, and what their buttons do: log, skip with a reason, snooze.

A message is rendered from the database when it is sent and again whenever one of its KPIs
is answered, so it always shows the current state: a KPI logged since the plan was made is
left out of a message about to go, and an answered one shows what was logged.

Besides the periods it reminds about, a reminder lists every other period its KPIs still owe
(core.due: missing since the KPI was created, each due or late), so it never says "all done"
while one is missing, e.g. a week whose reminders were skipped as stale after downtime.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session

from commands import insight
from commands.context import CommandError, Context, Policy
from commands.due import owed_by_kpi
from commands.permissions import require_log
from commands.reminders.rules import (
    person_zone,
    team_settings,
)
from commands.results import OpenModal
from commands.text import clean, esc
from core.cadence import parse_period
from core.due import Owed
from core.kinds import Status
from core.schedule import Snooze, snooze_until
from core.values import format_value
from storage import reminders, repo
from storage.models import Delivery, Kpi, Nudge
from storage.reminders import (
    ANSWERED,
    CLOSED,
    LATE,
    LATE_STATE,
    REMINDER,
    SKIPPED,
)

MAX_REASON = 500
LISTED_FOR = timedelta(days=35)
"""How long a sent reminder is kept current when another period of its KPIs is answered."""
ItemState = Literal["open", "logged", "skipped", "closed"]


@dataclass(frozen=True)
class NudgeItem:
    nudge_id: int
    kpi_key: str
    kpi_name: str
    owner: str
    period_key: str
    period_label: str
    latest: str | None  # the newest value of the KPI, formatted
    latest_period: str | None
    target: str
    status: Status
    reason: str
    state: ItemState
    attempt: int  # which reminder this message is for the KPI period (1: the first)
    logged: str | None = None  # the value logged for this period
    skip_reason: str | None = None
    late: bool = False
    filled: str | None = None  # a pulled value awaiting the owner's confirmation, formatted
    filled_from: str | None = None  # its source: sql, http or csv


@dataclass(frozen=True)
class MissingPeriod:
    """Another period a KPI of the message still owes (core.due), logged with its own button."""

    kpi_key: str
    kpi_name: str
    period_key: str
    period_label: str
    late: bool


@dataclass(frozen=True)
class ReminderMessage:
    delivery_id: int
    kind: Literal["reminder", "late"]
    recipient: str
    items: tuple[NudgeItem, ...]
    snoozed_until: str | None = None  # e.g. "Mon 30 Nov 14:00", in the recipient's time
    still_missing: tuple[MissingPeriod, ...] = ()  # oldest first, per KPI

    @property
    def open_items(self) -> tuple[NudgeItem, ...]:
        return tuple(i for i in self.items if i.state == "open")

    @property
    def covering_for(self) -> tuple[str, ...]:
        """Owners the recipient is reminded for, as their delegate."""
        return tuple(dict.fromkeys(i.owner for i in self.items if i.owner != self.recipient))

    @property
    def follow_up(self) -> bool:
        return any(i.attempt > 1 for i in self.items)


@dataclass(frozen=True)
class Row:
    """A delivery as the renderer needs it (storage's Claimed and Delivery both fit)."""

    id: int
    kind: str
    recipient: str
    payload: dict[str, Any]


def messages(
    session: Session, rows: Sequence[Row], *, now: datetime, policy: Policy, sending: bool
) -> dict[int, ReminderMessage | None]:
    """The messages for many deliveries, in a fixed number of queries.

    When ``sending``, KPI periods answered since the plan are left out, and a message with
    nothing left to say is None (the caller cancels it).
    """
    nudge_ids = {n for row in rows for n in row.payload.get("nudges", [])}
    nudges = {n.id: n for n in reminders.nudges_with_ids(session, nudge_ids)}
    kpis = {k.id: k for k in reminders.kpis_with_ids(session, {n.kpi_id for n in nudges.values()})}
    ctx = Context(session=session, actor="kpibot", now=now, policy=policy)
    facts = {f.kpi.id: f for f in insight.gather(ctx, list(kpis.values()))}
    pairs = {(n.kpi_id, n.period_key) for n in nudges.values()}
    logged = reminders.logged_values(session, pairs)
    filled = reminders.logged_values(session, pairs, unconfirmed=True)
    attempts = reminders.message_attempts(session, [r.id for r in rows])
    owed = owed_by_kpi(session, list(kpis.values()), now=now, policy=policy)
    out: dict[int, ReminderMessage | None] = {}
    for row in rows:
        items = []
        for nudge_id in row.payload.get("nudges", []):
            nudge = nudges.get(nudge_id)
            kpi = kpis.get(nudge.kpi_id) if nudge else None
            if nudge is None or kpi is None or nudge.id is None:
                continue
            fact = facts[kpi.id]
            value = logged.get((kpi.id or 0, nudge.period_key))
            state: ItemState = (
                "logged"
                if value is not None
                else "skipped"
                if nudge.state == SKIPPED
                else "closed"
                if nudge.state == CLOSED or not kpi.active
                else "open"
            )
            items.append(
                NudgeItem(
                    nudge_id=nudge.id,
                    kpi_key=kpi.key,
                    kpi_name=kpi.name,
                    owner=kpi.owner_user_id,
                    period_key=nudge.period_key,
                    period_label=insight.period_label(kpi.cadence, nudge.period_key),
                    latest=fact.row.latest,
                    latest_period=fact.row.latest_period,
                    target=fact.row.target,
                    status=fact.assessment.status,
                    reason=fact.assessment.reason,
                    state=state,
                    attempt=attempts.get((nudge.id, row.id), nudge.reminders_sent),
                    logged=format_value(value, kpi.unit) if value is not None else None,
                    skip_reason=nudge.skip_reason,
                    late=nudge.state == LATE_STATE,
                    **_filled(kpi, filled.get((kpi.id or 0, nudge.period_key))),
                )
            )
        if sending:
            items = [i for i in items if i.state == "open"]
        kind: Literal["reminder", "late"] = "late" if row.kind == LATE else "reminder"
        snoozed = row.payload.get("snoozed_until")
        others = _still_missing(items, kpis, owed) if kind == "reminder" else ()
        out[row.id] = (
            ReminderMessage(row.id, kind, row.recipient, tuple(items), snoozed, others)
            if items
            else None
        )
    return out


def _still_missing(
    items: Sequence[NudgeItem], kpis: dict[int | None, Kpi], owed: dict[int, list[Owed]]
) -> tuple[MissingPeriod, ...]:
    """The periods the message's KPIs owe besides those it asks about (still open)."""
    asked = {(i.kpi_key, i.period_key) for i in items if i.state == "open"}
    by_key = {k.key: k for k in kpis.values()}
    out: list[MissingPeriod] = []
    for kpi_key in dict.fromkeys(i.kpi_key for i in items):
        kpi = by_key[kpi_key]
        out.extend(
            MissingPeriod(kpi.key, kpi.name, o.period.key, o.period.label, o.late)
            for o in owed.get(kpi.id or 0, [])
            if (kpi.key, o.period.key) not in asked and kpi.active
        )
    return tuple(out)


def message_for(
    session: Session, delivery_id: int, *, now: datetime, policy: Policy
) -> tuple[ReminderMessage | None, str | None, str | None]:
    """A sent message as it should read now, with its channel and ts (to update it)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "sent":
        return None, None, None
    row = Row(delivery.id or 0, delivery.kind, delivery.recipient, json.loads(delivery.payload))
    found = messages(session, [row], now=now, policy=policy, sending=False)
    return found[row.id], delivery.channel_id, delivery.message_ts


def to_refresh(
    session: Session, kpi_key: str, period_key: str, now: datetime | None = None
) -> list[int]:
    """The sent messages that mention a KPI period: reminders, the lead's late notice, and
    (given ``now``) recent reminders that list the period among those still missing."""
    kpi = repo.get_kpi(session, kpi_key)
    if kpi is None or kpi.id is None:
        return []
    about = set(reminders.sent_messages_about(session, kpi.id, period_key))
    if now is not None:
        about.update(reminders.sent_reminders_listing(session, kpi.id, now - LISTED_FOR))
    return sorted(about)


# --- the buttons ---------------------------------------------------------------------------------


def open_log(ctx: Context, nudge_id: int) -> OpenModal:
    """ "Log value": the usual form, prefilled with the KPI and the period reminded about
    (and with a pulled value awaiting confirmation, for Correct and Add why)."""
    nudge, kpi = _nudge(ctx, nudge_id)
    require_log(ctx, kpi)
    period = parse_period(kpi.cadence, nudge.period_key)
    initial = {"kpi": kpi.key, "name": kpi.name, "period": period.key, "period_label": period.label}
    pulled = reminders.logged_values(ctx.session, {(kpi.id or 0, period.key)}, unconfirmed=True)
    if pulled:
        # every digit, not "$1.2M": Add why must not round the pulled number it explains
        initial["value"] = format(next(iter(pulled.values())), ",.15g")
    return OpenModal("log_value", initial=initial)


def _filled(kpi: Kpi, value: float | None) -> dict[str, str | None]:
    """A pulled value awaiting confirmation, and its source's name, for the reminder item."""
    if value is None or not kpi.source_spec:
        return {}
    source = next(iter(json.loads(kpi.source_spec)), None)
    return {"filled": format_value(value, kpi.unit), "filled_from": source}


@dataclass(frozen=True)
class SkipForm:
    nudge_id: int
    kpi_name: str
    period_label: str


def skip_form(ctx: Context, nudge_id: int) -> SkipForm:
    nudge, kpi = _nudge(ctx, nudge_id)
    require_log(ctx, kpi)
    _still_open(ctx, nudge, kpi)
    return SkipForm(nudge_id, kpi.name, insight.period_label(kpi.cadence, nudge.period_key))


@dataclass(frozen=True)
class Answered:
    """A reply for the person, and the sent messages to update in place."""

    text: str
    refresh: tuple[int, ...]


def skip(ctx: Context, nudge_id: int, reason: str | None) -> Answered:
    """ "Skip this period": no value for it, for a reason that is kept."""
    nudge, kpi = _nudge(ctx, nudge_id)
    require_log(ctx, kpi)
    text = clean(reason or "", MAX_REASON)
    if not text:
        raise CommandError("Say briefly why this period is skipped.", field="reason")
    if len(text) > MAX_REASON:
        raise CommandError(f"Keep the reason to {MAX_REASON} characters.", field="reason")
    _still_open(ctx, nudge, kpi)
    label = insight.period_label(kpi.cadence, nudge.period_key)
    if nudge.state != SKIPPED:
        nudge.state, nudge.skip_reason, nudge.closed_by = SKIPPED, text, ctx.actor
        nudge.next_at, nudge.updated_at = None, ctx.now
        ctx.session.add(nudge)
        repo.audit(
            ctx.session,
            actor=ctx.actor,
            action="period.skip",
            entity="kpi",
            key=kpi.key,
            now=ctx.now,
            details={"period": nudge.period_key, "reason": text},
        )
        ctx.session.flush()
    refresh = to_refresh(ctx.session, kpi.key, nudge.period_key, ctx.now)
    return Answered(
        f"Skipped {esc(kpi.name)} for {label}. No more reminders for it.", tuple(refresh)
    )


def snooze(ctx: Context, delivery_id: int, choice: str) -> Answered:
    """ "Snooze": remind again later today or tomorrow morning, in the person's own time."""
    try:
        wanted = Snooze(choice)
    except ValueError:
        raise CommandError("That snooze option has expired; use the buttons again.") from None
    delivery = ctx.session.get(Delivery, delivery_id)
    if delivery is None or delivery.kind != REMINDER:
        raise CommandError("That reminder is no longer available.")
    if delivery.recipient != ctx.actor:
        raise CommandError("Only the person this reminder was sent to can snooze it.")
    linked = reminders.waiting_nudges_in(ctx.session, delivery_id)
    logged = reminders.logged_values(ctx.session, {(n.kpi_id, n.period_key) for n in linked})
    linked = [n for n in linked if (n.kpi_id, n.period_key) not in logged]  # answered since
    if not linked:
        return Answered("Nothing left to snooze: every KPI here is answered.", (delivery_id,))
    person = repo.get_person(ctx.session, ctx.actor)
    until: datetime | None = None
    for nudge in linked:
        kpi = ctx.session.get(Kpi, nudge.kpi_id)
        team = team_settings(
            repo.get_team_by_id(ctx.session, kpi.team_id if kpi else None), ctx.policy
        )
        work = team.working_time(person_zone(person, team))
        nudge.next_at = snooze_until(wanted, ctx.now, work, team.rules)
        nudge.updated_at = ctx.now
        ctx.session.add(nudge)
        until = nudge.next_at if until is None else min(until, nudge.next_at, key=_utc)
    assert until is not None
    tz = person_zone(person, team_settings(None, ctx.policy))
    when = until.astimezone(tz).strftime("%a %d %b %H:%M")
    payload = json.loads(delivery.payload) | {"snoozed_until": when}
    delivery.payload, delivery.updated_at = json.dumps(payload, sort_keys=True), ctx.now
    ctx.session.add(delivery)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="reminder.snooze",
        entity="delivery",
        key=delivery.key[:64],
        now=ctx.now,
        details={"until": until.astimezone(UTC).isoformat(), "choice": wanted.value},
    )
    return Answered(f"Snoozed: I'll remind you again {when}.", (delivery_id,))


# --- internals -----------------------------------------------------------------------------------


def _nudge(ctx: Context, nudge_id: int) -> tuple[Nudge, Kpi]:
    nudge = ctx.session.get(Nudge, nudge_id)
    kpi = ctx.session.get(Kpi, nudge.kpi_id) if nudge else None
    if nudge is None or kpi is None:
        raise CommandError("That reminder is no longer available.", hint="See `/kpi mine`.")
    if not kpi.active:
        raise CommandError(f"KPI `{kpi.key}` is retired: it takes no values and needs no skip.")
    return nudge, kpi


def _still_open(ctx: Context, nudge: Nudge, kpi: Kpi) -> None:
    value = repo.get_measurement(ctx.session, kpi.id or 0, nudge.period_key)
    if value is not None or nudge.state == ANSWERED:
        shown = format_value(value.value, kpi.unit) if value else "a value"
        label = insight.period_label(kpi.cadence, nudge.period_key)
        raise CommandError(
            f"{esc(kpi.name)} already has {esc(shown)} for {label}: nothing to skip."
        )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
