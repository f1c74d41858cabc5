"""Logging a KPI's value for a reporting period, from a command, a modal or a file."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from commands import formulas, insight
from commands.context import CommandError, Context
from commands.lookup import Ambiguous, exact_kpi, find_kpi
from commands.permissions import require_log
from commands.results import Choose, OpenModal, ValueLogged
from commands.text import MAX_NOTE_CHARS, clean, esc
from core.cadence import Period, PeriodError, parse_period, period_containing, period_for
from core.values import (
    CURRENCY_SYMBOLS,
    PERCENT,
    ValueParseError,
    canonical_unit,
    format_value,
    parse_value,
    unit_conflict,
)
from storage import repo
from storage.models import Kpi


def kpi_timezone(ctx: Context, kpi: Kpi) -> ZoneInfo:
    """Periods are cut in the team's timezone, so a whole team shares one week 48."""
    team = repo.get_team_by_id(ctx.session, kpi.team_id)
    return ZoneInfo(team.timezone) if team and team.timezone else ctx.policy.tz


def resolve_period(ctx: Context, kpi: Kpi, text: str | None) -> Period:
    tz = kpi_timezone(ctx, kpi)
    current = period_for(kpi.cadence, ctx.now, tz)
    if text is None:
        return current
    try:
        relative = relative_day(text, ctx.now.astimezone(tz).date())
        period = (
            period_containing(kpi.cadence, relative)
            if relative is not None
            else parse_period(kpi.cadence, text)
        )
    except PeriodError as exc:
        raise CommandError(esc(str(exc)), field="period") from None
    if period.start > current.start:
        raise CommandError(
            f"{period.label} has not started yet; values can be logged for the current period "
            f"({current.key}) or earlier ones.",
            field="period",
        )
    _refuse_before_the_kpi(ctx, kpi, period)
    return period


BACKFILL_DAYS = 366
"""How far before a KPI's creation `/kpi log` and the form accept a period. Setting a KPI up
with last quarter's figures is normal; a period years earlier is nearly always a mistyped year
(2019 for 2026), so it is refused, not stored silently. Older history goes in with
`kpibot values import`, which has no such limit."""


def _refuse_before_the_kpi(ctx: Context, kpi: Kpi, period: Period) -> None:
    created = kpi.created_at.date()
    earliest = period_containing(kpi.cadence, created - timedelta(days=BACKFILL_DAYS)).start
    if kpi.id is not None:
        first_value = repo.first_period_start(ctx.session, kpi.id)
        if first_value is not None:  # history imported from further back may be corrected
            earliest = min(earliest, first_value)
    if period.start < earliest:
        raise CommandError(
            f"{esc(period.label)} is long before {esc(kpi.name)} was created "
            f"({created.isoformat()}); values go back to {earliest.isoformat()} at the earliest.",
            hint="Check the year. Older history goes in with `kpibot values import`.",
            field="period",
        )


def relative_day(text: str, today: date) -> date | None:
    """A day inside the period that words like "last week" or "yesterday" name, or None."""
    words = " ".join(text.lower().split())
    if words in ("today", "now") or words.startswith("this "):
        return today
    if words == "yesterday" or words in ("last day", "previous day"):
        return today - timedelta(days=1)
    unit = words.removeprefix("last ").removeprefix("previous ")
    if unit == words:
        return None
    if unit == "week":
        return today - timedelta(days=7)
    if unit == "month":
        return today.replace(day=1) - timedelta(days=1)
    if unit == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return first - timedelta(days=1)
    if unit == "year":
        return today - timedelta(days=365)
    return None


def without_own_unit(text: str, unit: str | None) -> str:
    """Accept a KPI's own custom unit after the number ("42 deals" for a KPI in deals)."""
    stripped = text.strip()
    custom = unit and canonical_unit(unit) not in CURRENCY_SYMBOLS and unit != PERCENT
    if custom and unit and stripped.lower().endswith(unit.lower()) and len(stripped) > len(unit):
        return stripped[: -len(unit)].strip()
    return stripped


def open_log_form(ctx: Context, ref: str, period_key: str | None = None) -> OpenModal:
    """The "Log value" form for a KPI, prefilled with ``period_key`` (Home passes the oldest
    period it says is missing) or else the current period."""
    kpi = find_kpi(ctx, ref)
    require_log(ctx, kpi)
    formulas.refuse_logging(kpi)
    period = resolve_period(ctx, kpi, period_key)
    return OpenModal(
        "log_value",
        initial={
            "kpi": kpi.key,
            "name": kpi.name,
            "period": period.key,
            "period_label": period.label,
        },
    )


def log_value(
    ctx: Context,
    ref: str,
    value_text: str | None,
    *,
    period_text: str | None = None,
    note: str | None = None,
    source: str = "slack",
) -> ValueLogged | Choose:
    """`/kpi log`: `value_text` None means no word after the KPI looked like a number."""
    if value_text is None:
        ref, value_text = _split_mistyped_value(ctx, ref)
    try:
        kpi = find_kpi(ctx, ref)
    except Ambiguous as many:
        return Choose(
            prompt=f"Several KPIs match “{esc(ref)}”. Which one gets {esc(value_text)}?",
            options=tuple((k.key, f"{k.name} ({k.key})") for k in many.candidates),
            action="log",
            carry={"value": value_text, "period": period_text, "note": note},
        )
    try:
        return log_to(ctx, kpi, value_text, period_text=period_text, note=note, source=source)
    except CommandError as error:
        if error.field == "value" and error.hint is None:
            error.hint = f"The value comes right after the KPI: `{_example(kpi)}`"
        raise


def _split_mistyped_value(ctx: Context, words: str) -> tuple[str, str]:
    """The KPI the first words name and the word after them, which was meant as the value.

    `/kpi log pipeline abc` should say that 'abc' is not a number, not that "pipeline abc"
    lacks a value; only the KPIs tell where the name ends, so the longest run of leading words
    that is exactly a KPI's key or name wins. Raises CommandError when no run is.
    """
    parts = words.split()
    for end in range(len(parts) - 1, 0, -1):
        kpi = exact_kpi(ctx, " ".join(parts[:end]))
        if kpi is not None:
            return kpi.key, parts[end]  # log_to refuses it, saying why
    raise CommandError(
        f"log needs a value: `/kpi log {esc(words)} 1.2M [note]`",
        hint="A value is a number, like 1200, 1.2k, 15% or $1,200.",
    )


def _example(kpi: Kpi) -> str:
    return f"/kpi log {kpi.key} 1.2M [note]"


def log_to(
    ctx: Context,
    kpi: Kpi,
    value_text: str,
    *,
    period_text: str | None,
    note: str | None,
    source: str,
) -> ValueLogged:
    require_log(ctx, kpi)
    formulas.refuse_logging(kpi)
    try:
        parsed = parse_value(without_own_unit(value_text, kpi.unit))
    except ValueParseError as exc:
        raise CommandError(esc(str(exc)), field="value") from None
    conflict = unit_conflict(parsed, kpi.unit)
    if conflict:
        raise CommandError(esc(conflict), field="value")
    note = clean(note or "", MAX_NOTE_CHARS) or None
    if note and len(note) > MAX_NOTE_CHARS:
        raise CommandError(
            f"The note is {len(note):,} characters; keep it to {MAX_NOTE_CHARS:,}.", field="note"
        )
    period = resolve_period(ctx, kpi, period_text)
    logged = repo.log_value(
        ctx.session,
        kpi,
        period_key=period.key,
        period_start=period.start,
        value=parsed.number,
        note=note,
        source=source,
        by=ctx.actor,
        now=ctx.now,
    )
    if not logged.unchanged:
        repo.audit(
            ctx.session,
            actor=ctx.actor,
            action="value.log",
            entity="kpi",
            key=kpi.key,
            now=ctx.now,
            details={
                "period": period.key,
                "value": parsed.number,
                "replaced": logged.replaced.value if logged.replaced else None,
                "note": note,
            },
        )
    facts = insight.gather(ctx, [kpi])[0]
    latest = facts.values[-1] if facts.values else None
    other = latest is not None and latest.period_key != period.key
    return ValueLogged(
        kpi_key=kpi.key,
        kpi_name=kpi.name,
        period_key=period.key,
        period_label=period.label,
        value=format_value(parsed.number, kpi.unit),
        replaced=format_value(logged.replaced.value, kpi.unit) if logged.replaced else None,
        unchanged=logged.unchanged,
        status=facts.assessment.status,
        reason=facts.assessment.reason,
        note=note,
        status_period_label=(
            insight.period_label(kpi.cadence, latest.period_key) if latest and other else None
        ),
        status_value=format_value(latest.value, kpi.unit) if latest and other else None,
    )
