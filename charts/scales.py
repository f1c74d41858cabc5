"""Scales: what one KPI's plot shows, decided before any axes exist -- the y range, the y and x
ticks and their labels -- and the boxes axes are placed in."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from charts import theme
from charts.series import KpiSeries
from charts.text import (
    AxisFormat,
    axis_format,
    clip,
    displayable,
    plain,
    text_width,
    tick_labels,
)

_FLAT_PAD = 0.1  # a flat series is padded by this fraction of its value (or by 1 around zero)
_RANGE_PAD = 0.12  # fraction of the data range left free above and below the data
_TARGET_TICK_CLEARANCE = 0.2  # of the y range: closer ticks give way to the target tick


@dataclass(frozen=True)
class Plan:
    """Everything about one KPI's plot that can be decided before any axes exist."""

    series: KpiSeries
    name: str
    known: list[tuple[int, float]]
    missing: list[int]
    pace: list[tuple[int, float]]
    target: float | None
    band: tuple[float, float] | None
    ylim: tuple[float, float] | None
    yticks: list[float]
    ylabels: list[str]
    axis: AxisFormat  # how every value of this plot is written, as the y tick labels are
    xlabels: list[str]  # one per point, then the deadline's when there is a projection
    steps: list[tuple[int, float]] = field(default_factory=list)  # targets varying by period
    projection: tuple[tuple[float, float], tuple[float, float]] | None = None  # (x, y) ends

    @property
    def size(self) -> int:
        """Slots on the x axis: the points, and one more for the deadline of a projection."""
        return len(self.xlabels)

    @property
    def latest(self) -> tuple[int, float] | None:
        return self.known[-1] if self.known else None

    def value(self, number: float) -> str:
        """A value in the KPI's unit, on the scale of the y axis."""
        return self.axis.text(number)

    def latest_text(self) -> str | None:
        latest = self.latest
        return None if latest is None else self.value(latest[1])


def plan_for(series: KpiSeries, max_yticks: int) -> Plan:
    known = series.known()
    pace = series.pace_points()
    steps = series.target_steps()
    # With targets by period the latest one is "the target" labelled; the steps show the rest.
    target = steps[-1][1] if steps else series.finite_target()
    band = series.finite_band()
    projected = series.projected()
    projection = None
    extent = [value for _, value in known] + [value for _, value in pace]
    extent += [value for _, value in steps]
    if projected is not None:
        last_x = float(known[-1][0])
        projection = ((last_x, projected.start), (float(len(series.points)), projected.end))
        extent += [projected.start, projected.end]
    if target is not None:
        extent.append(target)
    if band is not None:
        extent.extend(band)
    # Without values there is nothing to scale: a target alone would make a fake axis around it.
    ylim = _y_range(extent) if known else None
    if ylim is None:
        yticks: list[float] = []
        ylabels: list[str] = []
        axis = axis_format(extent, series.unit)
    else:
        yticks, ylabels, axis = _y_ticks(ylim, series.unit, max_yticks)
    return Plan(
        series=series,
        name=clip(displayable(series.name, fallback="KPI"), theme.MAX_NAME_CHARS),
        known=known,
        missing=series.missing(),
        pace=pace,
        target=target,
        band=band,
        ylim=ylim,
        yticks=yticks,
        ylabels=ylabels,
        axis=axis,
        xlabels=[
            plain(clip(displayable(label), theme.MAX_TICK_LABEL_CHARS))
            for label in [point.label for point in series.points]
            + ([projected.label] if projected is not None else [])
        ],
        steps=steps,
        projection=projection,
    )


def _y_range(values: Sequence[float]) -> tuple[float, float] | None:
    """Limits that show every value with some air; a flat series gets a range around it."""
    if not values:
        return None
    low, high = min(values), max(values)
    scale = max(abs(low), abs(high))
    if high - low <= scale * 1e-9:
        pad = scale * _FLAT_PAD if scale > 0 else 1.0
    else:
        pad = (high / 2 - low / 2) * 2 * _RANGE_PAD  # halves first: no overflow near float max
    return _finite(low - pad), _finite(high + pad)


def _finite(number: float) -> float:
    return max(-1e308, min(1e308, number))


def _y_ticks(
    ylim: tuple[float, float], unit: str | None, max_ticks: int
) -> tuple[list[float], list[str], AxisFormat]:
    """Two to ``max_ticks`` round values inside ``ylim`` whose labels, in the unit, all differ.

    Also gives the scale they are written on (see :func:`charts.text.tick_labels`).
    """
    low, high = ylim
    fallback: tuple[list[float], list[str], AxisFormat] | None = None
    for bins in sorted(range(1, max_ticks + 3), key=lambda bins: (abs(bins - max_ticks), -bins)):
        locator = MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10], min_n_ticks=1)
        ticks = [float(t) for t in locator.tick_values(low, high) if low <= t <= high]
        labelled = tick_labels(ticks, unit) if ticks else None
        if labelled is None:
            continue
        if 2 <= len(ticks) <= max_ticks:
            return ticks, *labelled
        if fallback is None or abs(len(ticks) - 2) < abs(len(fallback[0]) - 2):
            fallback = ticks, *labelled
    if fallback is not None:
        return fallback
    middle = low / 2 + high / 2
    axis = axis_format([middle], unit)
    return [middle], [axis.text(middle)], axis


def with_target_tick(plan: Plan) -> Plan:
    """The plan with the target as a y tick, replacing ticks too close to it to be read."""
    if plan.target is None or plan.ylim is None:
        return plan
    low, high = plan.ylim
    keep = [
        (tick, label)
        for tick, label in zip(plan.yticks, plan.ylabels, strict=True)
        if abs(tick - plan.target) > (high - low) * _TARGET_TICK_CLEARANCE
    ]
    keep.append((plan.target, plan.value(plan.target)))
    keep.sort()
    return replace(plan, yticks=[tick for tick, _ in keep], ylabels=[label for _, label in keep])


def x_ticks(size: int, label_width: float, axes_width: float, max_ticks: int) -> list[int]:
    """Indexes of the points to label: always the latest, then evenly back, never overlapping."""
    if size == 0:
        return []
    slot = axes_width / size  # the x range is -0.5 .. size - 0.5
    step = max(1, math.ceil((label_width + theme.X_LABEL_GAP) / slot))
    if max_ticks > 1 and size > max_ticks:
        step = max(step, math.ceil((size - 1) / (max_ticks - 1)))
    return list(range(size - 1, -1, -step))[::-1]


def ytick_width(plan: Plan) -> float:
    """The width of the widest y tick label; the target's own tick is bold."""
    return max(
        (
            text_width(label, theme.TICK_SIZE, bold=tick == plan.target)
            for tick, label in zip(plan.yticks, plan.ylabels, strict=True)
        ),
        default=0.0,
    )


def last_label_room(plan: Plan) -> float:
    """Room right of the axes for the latest x tick label, which is centred on the last point."""
    if not plan.xlabels:
        return 0.0
    return text_width(plan.xlabels[-1], theme.TICK_SIZE) / 2 + theme.LAST_LABEL_PAD


@dataclass(frozen=True)
class Box:
    """A rectangle in inches, measured from the figure's top-left corner (as one reads it)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def axes_at(fig: Figure, box: Box) -> Axes:
    width, height = fig.get_size_inches()
    rect = (box.left / width, 1 - box.bottom / height, box.width / width, box.height / height)
    return fig.add_axes(rect)


def new_figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=theme.DPI, facecolor=theme.BACKGROUND)
