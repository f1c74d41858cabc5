"""Formula KPIs: worked out from other KPIs' values for the same period whenever one arrives.

Every stored value (from Slack, the API, a pulled source, a config or CSV import) is followed by
:func:`recompute`, which works out the formula KPIs that depend on it, in dependency order, and
stores each result with source ``formula`` and the note ``computed from won, opportunities``.
A period missing an input gets no value; :func:`missing_inputs` says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from commands.context import CommandError
from commands.text import esc
from core.cadence import Period, PeriodError, parse_period
from core.formula import Formula, FormulaError, parse_formula
from core.formula_checks import recompute_order
from storage import repo
from storage.models import Kpi

SOURCE = "formula"
COMPUTED_BY = "kpibot"


@dataclass(frozen=True)
class Computed:
    kpi_key: str
    period_key: str


def formula_of(kpi: Kpi) -> Formula | None:
    """The KPI's parsed formula; None for a logged KPI (or one whose stored text is unreadable:
    the import checked it, so that only happens to a row edited by hand)."""
    if not kpi.formula:
        return None
    try:
        return parse_formula(kpi.formula)
    except FormulaError:
        return None


def computed_from(formula: Formula) -> str:
    """``computed from won, opportunities``: the note of every computed value."""
    return "computed from " + ", ".join(formula.inputs)


def refuse_logging(kpi: Kpi) -> None:
    """A formula KPI's values are computed; typing one in would be overwritten, so say why."""
    formula = formula_of(kpi)
    if formula is None:
        return
    inputs = " and ".join(f"`{key}`" for key in formula.inputs)
    raise CommandError(
        f"{esc(kpi.name)} is computed from {inputs} (`{esc(kpi.formula or '')}`), so it cannot "
        "be logged by hand.",
        hint=f"Log {inputs} instead; {esc(kpi.key)} is worked out as soon as they are in.",
        field="value",
    )


def _formula_kpis(session: Session) -> dict[str, tuple[Kpi, Formula]]:
    """Active formula KPIs by key: one small query, as it runs after every stored value."""
    rows = session.exec(
        select(Kpi).where(col(Kpi.formula).is_not(None), col(Kpi.active).is_(True))
    ).all()
    found: dict[str, tuple[Kpi, Formula]] = {}
    for kpi in rows:
        formula = formula_of(kpi)
        if formula is not None:
            found[kpi.key] = (kpi, formula)
    return found


def recompute(session: Session, kpi_key: str, period_key: str, *, now: datetime) -> list[Computed]:
    """Work out every formula KPI that depends on ``kpi_key`` for ``period_key``, in order.

    Returns the values that were stored or changed. Nothing is stored for a formula KPI whose
    inputs are not all in for the period, or whose result cannot be worked out (a division by
    zero): a wrong number is worse than none.
    """
    formulas = _formula_kpis(session)
    if not formulas:
        return []
    order = recompute_order(kpi_key, {key: formula for key, (_, formula) in formulas.items()})
    return _compute(session, formulas, order, period_key, now)


def recompute_all(
    session: Session, changed: Sequence[tuple[str, str]], *, now: datetime
) -> list[Computed]:
    """:func:`recompute` for each (KPI key, period key) an import stored, each pair once."""
    done: list[Computed] = []
    for kpi_key, period_key in dict.fromkeys(changed):
        done.extend(recompute(session, kpi_key, period_key, now=now))
    return done


BACKFILL_PERIODS = 60
"""How many of each input's latest periods a formula set or changed by an import is worked out
for: enough for every chart, digest and projection, without walking years of daily values."""


def backfill(session: Session, kpi_keys: Sequence[str], *, now: datetime) -> list[Computed]:
    """Work out the formula KPIs ``kpi_keys`` (and the formulas reading them) for the periods
    their inputs have values for: after an import sets or changes a formula."""
    formulas = _formula_kpis(session)
    parsed = {key: formula for key, (_, formula) in formulas.items()}
    done: list[Computed] = []
    for key in dict.fromkeys(kpi_keys):
        if key not in formulas:
            continue
        periods: set[str] = set()
        for name in parsed[key].inputs:
            source = repo.get_kpi(session, name)
            if source is not None and source.id is not None:
                recent = repo.recent_measurements(session, source.id, BACKFILL_PERIODS)
                periods.update(m.period_key for m in recent)
        order = [key, *recompute_order(key, parsed)]
        for period_key in sorted(periods):
            done.extend(_compute(session, formulas, order, period_key, now))
    return done


def _compute(
    session: Session,
    formulas: dict[str, tuple[Kpi, Formula]],
    order: Sequence[str],
    period_key: str,
    now: datetime,
) -> list[Computed]:
    stored: list[Computed] = []
    for key in order:
        kpi, formula = formulas[key]
        period = _period(kpi, period_key)
        if period is None:
            continue
        values = _input_values(session, formula.inputs, period.key)
        if len(values) < len(formula.inputs):
            continue
        try:
            result = formula.evaluate(values, period.key)
        except FormulaError:
            continue
        logged = repo.log_value(
            session,
            kpi,
            period_key=period.key,
            period_start=period.start,
            value=result,
            note=computed_from(formula),
            source=SOURCE,
            by=COMPUTED_BY,
            now=now,
        )
        if not logged.unchanged:
            stored.append(Computed(kpi.key, period.key))
    return stored


def missing_inputs(session: Session, kpi: Kpi, period: Period) -> str | None:
    """``needs a value of 'won' for 2026-W49`` when the formula KPI has no value for
    ``period`` because inputs are missing; None when it has one or is not a formula KPI."""
    formula = formula_of(kpi)
    if formula is None or kpi.id is None:
        return None
    if repo.get_measurement(session, kpi.id, period.key) is not None:
        return None
    have = _input_values(session, formula.inputs, period.key)
    lacking = [key for key in formula.inputs if key not in have]
    if not lacking:
        return f"its inputs for {period.key} give no number (a division by zero?)"
    names = " and ".join(f"'{key}'" for key in lacking)
    plural = "a value" if len(lacking) == 1 else "values"
    return f"needs {plural} of {names} for {period.key}"


def _input_values(session: Session, keys: Sequence[str], period_key: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for key in keys:
        source = repo.get_kpi(session, key)
        if source is None or source.id is None:
            continue
        found = repo.get_measurement(session, source.id, period_key)
        if found is not None:
            values[key] = found.value
    return values


def _period(kpi: Kpi, period_key: str) -> Period | None:
    """The formula KPI's period for an input's period key (the import keeps cadences equal)."""
    try:
        return parse_period(kpi.cadence, period_key)
    except PeriodError:
        return None
