"""The weekly scorecard as plain data: a team's KPIs by period, each cell marked against its target.

:func:`build_scorecard` makes one :class:`Grid` per cadence among the KPIs (weekly KPIs on one
grid, monthly on another), each over the trailing periods ending with the one holding ``today``:
:data:`DEFAULT_PERIODS` of them unless a count is given (13 weeks, 12 months, 8 quarters...).

Each cell holds the period's value, formatted to the KPI's ``precision`` (decimals; None for the
usual compact form such as ``$1.2M``) and marked MET / MISSED against that period's target (from
:class:`core.targets.PeriodTargets`, so seasonal targets and ramps apply), NO_TARGET when the
KPI has none, or NO_VALUE. UP meets at or above the target, DOWN at or below, BAND within it.

Each row also has the goal (the target of the grid's last period, or the band), the average of
the values shown and their total. A total is only given where adding periods up means something:
flows such as counts and money. Percentages and BAND KPIs (levels like uptime) get none; a plain
number is taken as a count unless the KPI says ``summable=False`` (ratios, formula KPIs, scores).

Two text renderings for Slack code blocks: :func:`render_wide` (a table, KPIs down, periods
across) and :func:`render_phone` (at most :data:`PHONE_WIDTH` columns: one block per KPI with
its cells wrapped a few to a line), both with the legend ``✓ met  ✗ missed  – no value``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from statistics import fmean

from core.cadence import Period, period_containing
from core.kinds import Cadence, Direction
from core.targets import PeriodTargets
from core.values import CURRENCY_SYMBOLS, PERCENT, canonical_unit, format_value

DEFAULT_PERIODS = {
    Cadence.DAILY: 14,
    Cadence.WEEKLY: 13,
    Cadence.BIWEEKLY: 13,
    Cadence.MONTHLY: 12,
    Cadence.QUARTERLY: 8,
}
MAX_PERIODS = 53
PHONE_WIDTH = 40
LEGEND = "✓ met  ✗ missed  – no value"
_NAME_WIDTH = 18
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NO_VALUE = "–"


class Mark(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_TARGET = "no_target"
    NO_VALUE = "no_value"

    @property
    def symbol(self) -> str:
        return {Mark.MET: "✓", Mark.MISSED: "✗"}.get(self, "")


@dataclass(frozen=True)
class ScorecardKpi:
    key: str
    name: str
    cadence: Cadence
    direction: Direction
    values: Mapping[str, float]  # period key -> value
    targets: PeriodTargets | None = None  # None: no target at all
    band_low: float | None = None
    band_high: float | None = None
    unit: str | None = None
    precision: int | None = None  # decimals shown; None for the compact form
    summable: bool | None = None  # None: decided by unit and direction (module docstring)


@dataclass(frozen=True)
class Cell:
    period: Period
    value: float | None
    target: float | None
    mark: Mark
    text: str  # the value as shown, "–" without one
    plain: str  # the same without its unit, for tables whose goal column shows the unit

    @property
    def marked(self) -> str:
        return self.text + self.mark.symbol


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    cells: tuple[Cell, ...]
    goal: str  # "≥ $4M", "≤ 2%", "95%–99%", or "–"
    average: float | None
    total: float | None  # None where a total makes no sense or nothing was reported
    average_text: str
    total_text: str  # "" where a total makes no sense


@dataclass(frozen=True)
class Grid:
    cadence: Cadence
    periods: tuple[Period, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Scorecard:
    grids: tuple[Grid, ...]


def build_scorecard(
    kpis: Sequence[ScorecardKpi], *, today: date, count: int | None = None
) -> Scorecard:
    """The scorecard of ``kpis`` over the trailing periods up to the one holding ``today``."""
    if count is not None and not 1 <= count <= MAX_PERIODS:
        raise ValueError(f"a scorecard shows 1 to {MAX_PERIODS} periods, not {count}")
    grids = []
    for cadence in Cadence:
        members = [kpi for kpi in kpis if kpi.cadence is cadence]
        if not members:
            continue
        periods = [period_containing(cadence, today)]
        while len(periods) < (count or DEFAULT_PERIODS[cadence]):
            periods.append(periods[-1].previous())
        periods.reverse()
        rows = tuple(_row(kpi, periods) for kpi in members)
        grids.append(Grid(cadence, tuple(periods), rows))
    return Scorecard(tuple(grids))


def format_cell(value: float, unit: str | None, precision: int | None) -> str:
    """``value`` with ``precision`` decimals (grouped, with its unit), or compact when None."""
    if precision is None:
        return format_value(value, unit)
    rounded = round(value, precision) + 0.0
    body = f"{abs(rounded):,.{precision}f}"
    sign = "-" if rounded < 0 else ""
    unit = canonical_unit(unit)
    if unit is None:
        return f"{sign}{body}"
    if unit == PERCENT:
        return f"{sign}{body}%"
    if unit in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[unit]}{body}"
    return f"{sign}{body} {unit}"


def short_label(period: Period) -> str:
    """A period in at most 6 characters for a column head: W49, B47, Dec, Q4, 6 Dec."""
    match period.cadence:
        case Cadence.DAILY:
            return f"{period.start.day} {_MONTHS[period.start.month - 1]}"
        case Cadence.WEEKLY | Cadence.BIWEEKLY:
            return period.key[5:]
        case Cadence.MONTHLY:
            return _MONTHS[period.start.month - 1]
        case Cadence.QUARTERLY:
            return period.key[5:]


def render_wide(scorecard: Scorecard) -> str:
    """A table per grid: KPIs down, periods across, then Goal, Avg and Total columns.

    Period cells leave out the unit (the goal, average and total show it) and are one space
    apart, so 13 weeks of a currency KPI fit in about 130 columns.
    """
    if not scorecard.grids:
        return "No KPIs to show."
    blocks = []
    for grid in scorecard.grids:
        header = ["KPI", *(short_label(p) for p in grid.periods), "Goal", "Avg", "Total"]
        table = [header]
        for row in grid.rows:
            table.append(
                [
                    _fit(row.name, _NAME_WIDTH),
                    *(cell.plain + cell.mark.symbol for cell in row.cells),
                    row.goal,
                    row.average_text,
                    row.total_text,
                ]
            )
        widths = [max(len(line[column]) for line in table) for column in range(len(header))]
        lines = [_title(grid)]
        periods = len(grid.periods)
        for line in table:
            aligned = [text.rjust(width) for text, width in zip(line, widths, strict=True)]
            name = line[0].ljust(widths[0])
            cells = " ".join(aligned[1 : 1 + periods])
            lines.append("  ".join([name, cells, *aligned[1 + periods :]]).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" + LEGEND


def render_phone(scorecard: Scorecard, *, width: int = PHONE_WIDTH) -> str:
    """Per KPI: its name and goal, average and total, then its cells wrapped to ``width``."""
    if not scorecard.grids:
        return "No KPIs to show."
    blocks = []
    for grid in scorecard.grids:
        lines = [_fit(_title(grid), width)]
        for row in grid.rows:
            goal = f"goal {row.goal}"
            lines.append("")
            if len(goal) > width // 2:  # a long goal gets a line of its own
                lines.extend([_fit(row.name, width), _fit(goal, width)])
            else:
                name = _fit(row.name, width - len(goal) - 1)
                lines.append(name.ljust(width - len(goal)) + goal)
            summary = f"avg {row.average_text}"
            if row.total_text:
                summary += f" · total {row.total_text}"
            lines.append(_fit(summary, width))
            lines.extend(_wrapped(row.cells, width))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" + _fit(LEGEND, width)


# --- rows -------------------------------------------------------------------------------------


def _row(kpi: ScorecardKpi, periods: Sequence[Period]) -> Row:
    cells = tuple(_cell(kpi, period) for period in periods)
    values = [cell.value for cell in cells if cell.value is not None]
    average = fmean(values) if values else None
    total = sum(values) if values and _summable(kpi) else None
    return Row(
        kpi.key,
        kpi.name,
        cells,
        _goal(kpi, periods[-1]),
        average,
        total,
        _NO_VALUE if average is None else format_cell(average, kpi.unit, kpi.precision),
        "" if total is None else format_cell(total, kpi.unit, kpi.precision),
    )


def _cell(kpi: ScorecardKpi, period: Period) -> Cell:
    value = kpi.values.get(period.key)
    target = kpi.targets.target_for(period) if kpi.targets is not None else None
    if value is None:
        return Cell(period, None, target, Mark.NO_VALUE, _NO_VALUE, _NO_VALUE)
    text = format_cell(value, kpi.unit, kpi.precision)
    met = _met(kpi, value, target)
    mark = Mark.NO_TARGET if met is None else Mark.MET if met else Mark.MISSED
    return Cell(period, value, target, mark, text, format_cell(value, None, kpi.precision))


def _met(kpi: ScorecardKpi, value: float, target: float | None) -> bool | None:
    if kpi.direction is Direction.BAND:
        if kpi.band_low is None or kpi.band_high is None:
            return None
        return kpi.band_low <= value <= kpi.band_high
    if target is None:
        return None
    return value >= target if kpi.direction is Direction.UP else value <= target


def _goal(kpi: ScorecardKpi, last: Period) -> str:
    if kpi.direction is Direction.BAND:
        if kpi.band_low is None or kpi.band_high is None:
            return _NO_VALUE
        low = format_cell(kpi.band_low, kpi.unit, kpi.precision)
        return f"{low}–{format_cell(kpi.band_high, kpi.unit, kpi.precision)}"
    target = kpi.targets.target_for(last) if kpi.targets is not None else None
    if target is None:
        return _NO_VALUE
    sign = "≥" if kpi.direction is Direction.UP else "≤"
    return f"{sign}{format_cell(target, kpi.unit, kpi.precision)}"


def _summable(kpi: ScorecardKpi) -> bool:
    if kpi.summable is not None:
        return kpi.summable
    return canonical_unit(kpi.unit) != PERCENT and kpi.direction is not Direction.BAND


# --- text -------------------------------------------------------------------------------------


def _title(grid: Grid) -> str:
    first, last = grid.periods[0].key, grid.periods[-1].key
    return f"{grid.cadence.value.capitalize()} scorecard · {first} to {last}"


def _wrapped(cells: Sequence[Cell], width: int) -> list[str]:
    """Cells as ``W49 $1.2M✓`` in equal columns, as many to a line as fit in ``width``."""
    texts = [f"{short_label(cell.period)} {cell.marked}" for cell in cells]
    column = max(len(text) for text in texts)
    if column > width:
        texts = [_fit(text, width) for text in texts]
        column = width
    per_line = max(1, (width + 2) // (column + 2))
    lines = []
    for start in range(0, len(texts), per_line):
        chunk = texts[start : start + per_line]
        lines.append("  ".join(text.ljust(column) for text in chunk).rstrip())
    return lines


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"
