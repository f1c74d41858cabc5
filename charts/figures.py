"""The figures: one KPI as a line chart, or a team's KPIs as a grid of small panels.

Layout is computed, not discovered: text is measured from the font's glyph advances and each
axes is placed at a fixed rectangle, which is much faster than tight or constrained layout and gives
every chart the same shape. Artists carry a ``gid`` ("value", "last", "target", "pace", "band",
"missing", ...) so that tests and callers can find what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from charts import theme
from charts.series import KpiSeries
from charts.text import clip, displayable, fit, plain, text_width, tick_labels, value_text, widest
from core.kinds import Status

_FLAT_PAD = 0.1  # a flat series is padded by this fraction of its value (or by 1 around zero)
_RANGE_PAD = 0.12  # fraction of the data range left free above and below the data
_TARGET_TICK_CLEARANCE = 0.2  # of the y range: closer ticks give way to the target tick
_POINTS_PER_INCH = 72.0
_TICK_PAD = theme.TICK_PAD / _POINTS_PER_INCH  # in inches


# --- what to draw ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
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
    compact: bool  # values are written as compactly as the tick labels allow
    xlabels: list[str]

    @property
    def size(self) -> int:
        return len(self.series.points)

    @property
    def latest(self) -> tuple[int, float] | None:
        return self.known[-1] if self.known else None

    def value(self, number: float) -> str:
        """A value in the KPI's unit, as compact as the y axis."""
        return value_text(number, self.series.unit, compact=self.compact)

    def latest_text(self) -> str | None:
        latest = self.latest
        return None if latest is None else self.value(latest[1])


def _plan(series: KpiSeries, max_yticks: int) -> _Plan:
    known = series.known()
    pace = series.pace_points()
    target = series.finite_target()
    band = series.finite_band()
    extent = [value for _, value in known] + [value for _, value in pace]
    if target is not None:
        extent.append(target)
    if band is not None:
        extent.extend(band)
    ylim = _y_range(extent)
    yticks, ylabels, compact = _y_ticks(ylim, series.unit, max_yticks) if ylim else ([], [], True)
    return _Plan(
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
        compact=compact,
        xlabels=[
            plain(clip(displayable(point.label), theme.MAX_TICK_LABEL_CHARS))
            for point in series.points
        ],
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
) -> tuple[list[float], list[str], bool]:
    """Two to ``max_ticks`` round values inside ``ylim`` whose labels, in the unit, all differ.

    Also says whether the labels are compact (see :func:`charts.text.tick_labels`).
    """
    low, high = ylim
    fallback: tuple[list[float], list[str], bool] | None = None
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
    return [middle], [value_text(middle, unit, compact=False)], False


def _with_target_tick(plan: _Plan) -> _Plan:
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


def _x_ticks(size: int, label_width: float, axes_width: float, max_ticks: int) -> list[int]:
    """Indexes of the points to label: always the latest, then evenly back, never overlapping."""
    if size == 0:
        return []
    slot = axes_width / size  # the x range is -0.5 .. size - 0.5
    step = max(1, math.ceil((label_width + theme.X_LABEL_GAP) / slot))
    if max_ticks > 1 and size > max_ticks:
        step = max(step, math.ceil((size - 1) / (max_ticks - 1)))
    return list(range(size - 1, -1, -step))[::-1]


def _title_value(plan: _Plan) -> str:
    """``$1.2M (at risk)``; the status is left out when it is unknown."""
    shown = plan.latest_text()
    status = plan.series.status
    if shown is None:
        return "no data"
    return shown if status is Status.NO_DATA else f"{shown} ({status.label})"


# --- drawing ---------------------------------------------------------------------------------


def _style_axes(ax: Axes) -> None:
    """Light grid across, no frame but the baseline, muted tick labels; no y tick marks."""
    ax.set_facecolor(theme.BACKGROUND)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(theme.SPINE)
    labels: dict[str, Any] = {
        "labelsize": theme.TICK_SIZE,
        "labelcolor": theme.MUTED,
        "labelfontfamily": theme.FONT_FAMILY,
        "pad": theme.TICK_PAD,
    }
    ax.xaxis.set_tick_params(
        length=theme.X_TICK_LENGTH, width=theme.X_TICK_WIDTH, color=theme.SPINE, **labels
    )
    ax.yaxis.set_tick_params(left=False, **labels)
    ax.yaxis.grid(True, color=theme.GRID, linewidth=theme.GRID_WIDTH)
    ax.set_axisbelow(True)


def _draw_series(ax: Axes, plan: _Plan, xticks: Sequence[int]) -> None:
    """Band, pace, target, values, the latest value in its status colour and the gaps."""
    _style_axes(ax)
    ax.set_xlim(-0.5, max(plan.size, 1) - 0.5)
    ax.set_xticks(list(xticks), [plan.xlabels[i] for i in xticks])
    if plan.ylim is not None:
        ax.set_ylim(*plan.ylim)
        ax.set_yticks(plan.yticks, plan.ylabels)
        if plan.target in plan.yticks:  # the target's own tick reads like the target line
            label = ax.yaxis.get_major_ticks()[plan.yticks.index(plan.target)].label1
            label.set_color(theme.INK)
            label.set_fontweight("bold")
    else:
        ax.set_ylim(0.0, 1.0)
        ax.set_yticks([])

    if plan.band is not None:
        ax.axhspan(*plan.band, color=theme.BAND_FILL, alpha=theme.BAND_ALPHA, lw=0, gid="band")
    if plan.pace:
        xs, ys = zip(*plan.pace, strict=True)
        ax.plot(
            xs,
            ys,
            color=theme.PACE_LINE,
            linewidth=theme.PACE_WIDTH,
            linestyle="--",
            dashes=theme.PACE_DASHES,
            gid="pace",
        )
    if plan.target is not None:
        ax.axhline(plan.target, color=theme.INK, linewidth=theme.TARGET_WIDTH, gid="target")
    if plan.known:
        xs, ys = zip(*plan.known, strict=True)
        ax.plot(
            xs,
            ys,
            color=theme.VALUE_LINE,
            linewidth=theme.VALUE_WIDTH,
            marker="o",
            markersize=theme.MARKER_SIZE,
            markerfacecolor=theme.VALUE_LINE,
            markeredgewidth=0,
            solid_capstyle="round",
            zorder=3,
            gid="value",
        )
        last_x, last_y = plan.known[-1]
        ax.plot(
            [last_x],
            [last_y],
            linestyle="none",
            marker="o",
            markersize=theme.LAST_MARKER_SIZE,
            markerfacecolor=theme.STATUS_COLOURS[plan.series.status],
            markeredgecolor=theme.BACKGROUND,
            markeredgewidth=1.0,
            zorder=4,
            gid="last",
        )
    if plan.missing:
        ax.plot(
            plan.missing,
            [0.0] * len(plan.missing),
            transform=ax.get_xaxis_transform(),  # x in data, y at the bottom of the axes
            linestyle="none",
            marker="o",
            markersize=theme.MISSING_MARKER_SIZE,
            markerfacecolor=theme.BACKGROUND,
            markeredgecolor=theme.PACE_LINE,
            markeredgewidth=1.0,
            clip_on=False,
            zorder=4,
            gid="missing",
        )
    if not plan.known:
        note = "No values yet" if plan.size else "No data yet"
        ax.text(
            0.5,
            0.5,
            note,
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=theme.MUTED,
            fontsize=theme.LABEL_SIZE,
            fontfamily=theme.FONT_FAMILY,
            parse_math=False,
            bbox={"facecolor": theme.BACKGROUND, "edgecolor": "none", "pad": 2.0},
            zorder=5,
            gid="empty-note",
        )


@dataclass(frozen=True)
class _Label:
    text: str
    y: float  # in data coordinates
    colour: str
    bold: bool
    gid: str


def _side_labels(plan: _Plan) -> list[_Label]:
    """Direct labels for the right margin of a single KPI chart."""
    labels: list[_Label] = []
    if plan.target is not None:
        labels.append(
            _Label(
                f"target {plan.value(plan.target)}",
                plan.target,
                theme.INK,
                False,
                "target-label",
            )
        )
    if plan.band is not None:
        low, high = plan.band
        text = f"target {plan.value(low)}–{plan.value(high)}"
        labels.append(_Label(text, low / 2 + high / 2, theme.INK, False, "band-label"))
    if plan.pace:
        pace = plan.pace[-1][1]
        labels.append(_Label(f"pace {plan.value(pace)}", pace, theme.MUTED, False, "pace-label"))
    latest = plan.latest
    if latest is not None:
        colour = theme.STATUS_TEXT_COLOURS[plan.series.status]
        labels.append(_Label(plan.value(latest[1]), latest[1], colour, True, "last-label"))
    return labels


def _spread(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as close to ``wanted`` (ascending) as possible, ``gap`` apart, within bounds."""
    placed: list[float] = []
    for want in wanted:
        placed.append(max(want, low, placed[-1] + gap) if placed else max(want, low))
    ceiling = high
    for index in range(len(placed) - 1, -1, -1):
        placed[index] = min(placed[index], ceiling)
        ceiling = placed[index] - gap
    return placed


def _place_side_labels(ax: Axes, plan: _Plan, labels: Sequence[_Label], height: float) -> None:
    """Right-margin labels at their values, nudged apart so they never overlap."""
    if not labels or plan.ylim is None:
        return
    low, high = plan.ylim
    ordered = sorted(labels, key=lambda label: label.y)
    wanted = [(label.y - low) / (high - low) * height for label in ordered]
    gap = theme.LABEL_SIZE * theme.LABEL_LINE_HEIGHT / _POINTS_PER_INCH
    placed = _spread(wanted, gap, -gap / 4, height)  # clear of the title and the x labels
    for label, position in zip(ordered, placed, strict=True):
        ax.annotate(
            label.text,
            xy=(1.0, position / height),
            xycoords="axes fraction",
            xytext=(theme.TICK_PAD, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            color=label.colour,
            fontsize=theme.LABEL_SIZE,
            fontweight="bold" if label.bold else "normal",
            fontfamily=theme.FONT_FAMILY,
            parse_math=False,
            annotation_clip=False,
            gid=label.gid,
        )


def _ytick_width(plan: _Plan) -> float:
    """The width of the widest y tick label; the target's own tick is bold."""
    return max(
        (
            text_width(label, theme.TICK_SIZE, bold=tick == plan.target)
            for tick, label in zip(plan.yticks, plan.ylabels, strict=True)
        ),
        default=0.0,
    )


def _last_label_room(plan: _Plan) -> float:
    """Room right of the axes for the latest x tick label, which is centred on the last point."""
    if not plan.xlabels:
        return 0.0
    return text_width(plan.xlabels[-1], theme.TICK_SIZE) / 2 + theme.LAST_LABEL_PAD


@dataclass(frozen=True)
class _Box:
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


def _axes_at(fig: Figure, box: _Box) -> Axes:
    width, height = fig.get_size_inches()
    rect = (box.left / width, 1 - box.bottom / height, box.width / width, box.height / height)
    return fig.add_axes(rect)


def _new_figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=theme.DPI, facecolor=theme.BACKGROUND)


# --- one KPI ---------------------------------------------------------------------------------


def kpi_figure(series: KpiSeries) -> Figure:
    """One KPI: its values as a line, the target, pace and band, and the latest value by status.

    The title reads ``Qualified pipeline — $1.2M (at risk)``; the target, the pace and the
    latest value are labelled in the right margin.
    """
    fig = _new_figure(theme.KPI_SIZE)
    width, height = theme.KPI_SIZE
    margin = theme.KPI_MARGIN
    plan = _plan(series, theme.KPI_MAX_YTICKS)
    labels = _side_labels(plan) if plan.ylim is not None else []

    side = max(
        (text_width(label.text, theme.LABEL_SIZE, bold=label.bold) for label in labels),
        default=0.0,
    )
    box = _Box(
        left=margin + _ytick_width(plan) + _TICK_PAD,
        top=theme.KPI_TITLE_HEIGHT,
        right=width - max(margin + (side + _TICK_PAD if labels else 0.0), _last_label_room(plan)),
        bottom=height - theme.KPI_XTICKS_HEIGHT,
    )
    ax = _axes_at(fig, box)
    label_width = widest(plan.xlabels, theme.TICK_SIZE)
    _draw_series(ax, plan, _x_ticks(plan.size, label_width, box.width, theme.KPI_MAX_XTICKS))
    _place_side_labels(ax, plan, labels, box.height)

    suffix = f" — {_title_value(plan)}"
    room = width - 2 * margin - text_width(suffix, theme.TITLE_SIZE, bold=True)
    name = fit(plan.name, room, theme.TITLE_SIZE, bold=True)
    ax.set_title(
        name + suffix,
        loc="left",
        x=-(box.left - margin) / box.width,
        y=1 + (box.top - margin) / box.height,
        pad=0,
        va="top",
        color=theme.INK,
        fontsize=theme.TITLE_SIZE,
        fontweight="bold",
        fontfamily=theme.FONT_FAMILY,
        parse_math=False,
    )
    return fig


# --- a team's KPIs ---------------------------------------------------------------------------


def team_columns(count: int, max_columns: int = theme.TEAM_MAX_COLUMNS) -> int:
    """Columns of the grid: 1, 2 for two or four KPIs (a square), else up to ``max_columns``."""
    if count <= 1:
        return 1
    if count in (2, 4):
        return min(2, max_columns)
    return max(1, min(theme.TEAM_MAX_COLUMNS, max_columns))


def _status_summary(series: Sequence[KpiSeries]) -> str:
    counts = [(status, sum(s.status is status for s in series)) for status in Status]
    return " · ".join(f"{count} {status.label}" for status, count in counts if count)


def _header(fig: Figure, title: str, summary: str) -> None:
    width, height = fig.get_size_inches()
    inset = theme.PANEL_INSET
    top = 1 - theme.KPI_MARGIN / height
    room = width - 2 * inset
    if summary:
        fig.text(
            1 - inset / width,
            top,
            summary,
            ha="right",
            va="top",
            color=theme.MUTED,
            fontsize=theme.LABEL_SIZE,
            fontfamily=theme.FONT_FAMILY,
            parse_math=False,
            gid="summary",
        )
        room -= text_width(summary, theme.LABEL_SIZE) + theme.TEAM_TITLE_GAP
    shown = fit(displayable(title), room, theme.FIGURE_TITLE_SIZE, bold=True)
    fig.suptitle(
        shown,
        x=inset / width,
        y=top,
        ha="left",
        va="top",
        color=theme.INK,
        fontsize=theme.FIGURE_TITLE_SIZE,
        fontweight="bold",
        fontfamily=theme.FONT_FAMILY,
        parse_math=False,
    )


def team_figure(
    series: Sequence[KpiSeries], title: str, *, max_columns: int = theme.TEAM_MAX_COLUMNS
) -> Figure:
    """A grid of small panels, one per KPI (at most 12, up to 3 columns), each with its status.

    ``max_columns`` narrows the grid: two columns keep the lettering readable when Slack shows
    the image at phone width (see :data:`charts.theme.DIGEST_MAX_COLUMNS`).

    Every panel shows the KPI's name, its latest value and status in the status colour, a status
    bar down its left edge, and the same lines as :func:`kpi_figure`, with fewer ticks.
    With no KPIs the figure just says "No KPIs yet".
    """
    if not series:
        fig = _new_figure(theme.KPI_SIZE)
        _header(fig, title, "")
        fig.text(
            0.5,
            0.5,
            "No KPIs yet",
            ha="center",
            va="center",
            color=theme.MUTED,
            fontsize=theme.TITLE_SIZE,
            fontfamily=theme.FONT_FAMILY,
            parse_math=False,
            gid="empty-note",
        )
        return fig

    shown = list(series[: theme.TEAM_MAX_PANELS])
    columns = team_columns(len(shown), max_columns)
    rows = math.ceil(len(shown) / columns)
    width = theme.TEAM_WIDTH[columns]
    height = theme.TEAM_HEADER_HEIGHT + rows * theme.TEAM_PANEL_HEIGHT + theme.TEAM_BOTTOM_MARGIN
    fig = _new_figure((width, height))
    summary = _status_summary(shown)
    if len(series) > len(shown):
        summary = f"{len(shown)} of {len(series)} KPIs shown · {summary}"
    _header(fig, title, summary)

    plans = [_with_target_tick(_plan(s, theme.PANEL_MAX_YTICKS)) for s in shown]
    tick_widths = [  # per column, so that the panels of a column line up
        max(_ytick_width(plan) for plan in plans[column::columns]) for column in range(columns)
    ]
    cell = width / columns
    for index, plan in enumerate(plans):
        row, column = divmod(index, columns)
        cell_left = column * cell
        cell_top = theme.TEAM_HEADER_HEIGHT + row * theme.TEAM_PANEL_HEIGHT
        bar_left = cell_left + theme.PANEL_INSET
        text_left = bar_left + theme.PANEL_BAR_WIDTH + theme.PANEL_TEXT_GAP
        box = _Box(
            left=text_left + tick_widths[column] + _TICK_PAD,
            top=cell_top + theme.PANEL_TITLE_HEIGHT,
            right=cell_left + cell - max(theme.PANEL_RIGHT_PAD, _last_label_room(plan)),
            bottom=cell_top + theme.TEAM_PANEL_HEIGHT - theme.PANEL_XTICKS_HEIGHT,
        )
        ax = _axes_at(fig, box)
        label_width = widest(plan.xlabels, theme.TICK_SIZE)
        _draw_series(ax, plan, _x_ticks(plan.size, label_width, box.width, theme.PANEL_MAX_XTICKS))
        _panel_titles(ax, plan, box, text_left, cell_top + theme.PANEL_TOP_PAD)
        fig.add_artist(
            Rectangle(
                (bar_left / width, 1 - box.bottom / height),
                theme.PANEL_BAR_WIDTH / width,
                (box.bottom - cell_top - theme.PANEL_TOP_PAD) / height,
                transform=fig.transFigure,
                facecolor=theme.STATUS_COLOURS[plan.series.status],
                linewidth=0,
                gid=f"status-bar-{index}",
            )
        )
    return fig


def _panel_titles(ax: Axes, plan: _Plan, box: _Box, text_left: float, text_top: float) -> None:
    """The KPI's name (bold) and, under it, ``$1.2M · at risk`` in the status colour.

    Both start at ``text_left`` (inches), left of the axes' tick labels; the name's top is at
    ``text_top``.
    """
    x = -(box.left - text_left) / box.width
    room = box.right - text_left
    ax.set_title(
        fit(plan.name, room, theme.PANEL_TITLE_SIZE, bold=True),
        loc="left",
        x=x,
        y=1 + (box.top - text_top) / box.height,
        pad=0,
        va="top",
        color=theme.INK,
        fontsize=theme.PANEL_TITLE_SIZE,
        fontweight="bold",
        fontfamily=theme.FONT_FAMILY,
        parse_math=False,
    )
    shown = plan.latest_text()
    status = plan.series.status
    if shown is None:
        line = "no data"
    elif status is Status.NO_DATA:
        line = shown
    else:
        line = f"{shown} · {status.label}"
    ax.text(
        x,
        1 + theme.PANEL_VALUE_GAP / box.height,
        fit(line, room, theme.PANEL_VALUE_SIZE),
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        color=theme.STATUS_TEXT_COLOURS[status],
        fontsize=theme.PANEL_VALUE_SIZE,
        fontfamily=theme.FONT_FAMILY,
        parse_math=False,
        gid="panel-value",
    )
