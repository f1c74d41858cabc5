"""The figures: one KPI as a line chart (:func:`kpi_figure`); a team's grid of panels is in
:mod:`charts.team`, scales in :mod:`charts.scales` and labels in :mod:`charts.labels`.

Layout is computed, not discovered: text is measured from the font's glyph advances and each
axes is placed at a fixed rectangle, which is much faster than tight or constrained layout and gives
every chart the same shape. Artists carry a ``gid`` ("value", "last", "target", "pace", "band",
"missing", ...) so that tests and callers can find what was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from charts import theme
from charts.labels import (
    TICK_PAD_INCHES,
    fitted,
    has_legend,
    legend,
    place_side_labels,
    side_labels,
    title_height,
    title_lines,
    title_value,
)
from charts.scales import (
    Box,
    Plan,
    axes_at,
    last_label_room,
    new_figure,
    plan_for,
    x_ticks,
    ytick_width,
)
from charts.series import KpiSeries
from charts.text import text_style, text_width, widest


def style_axes(ax: Axes) -> None:
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


def draw_series(ax: Axes, plan: Plan, xticks: Sequence[int]) -> None:
    """Band, pace, target, values, the latest value in its status colour and the gaps."""
    style_axes(ax)
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

    if plan.ylim is not None:
        _draw_lines(ax, plan)
    if plan.missing and plan.known:  # with no values at all, the note says it once
        ax.plot(
            plan.missing,
            [0.0] * len(plan.missing),
            transform=ax.get_xaxis_transform(),  # x in data, y at the bottom of the axes
            **theme.MISSING_STYLE,
            clip_on=False,
            zorder=4,
            gid="missing",
        )
    if not plan.known:
        ax.text(
            0.5,
            0.5,
            _empty_note(plan),
            transform=ax.transAxes,
            ha="center",
            va="center",
            **text_style(theme.LABEL_SIZE, theme.MUTED),
            bbox={"facecolor": theme.BACKGROUND, "edgecolor": "none", "pad": 2.0},
            zorder=5,
            gid="empty-note",
        )


def _draw_lines(ax: Axes, plan: Plan) -> None:
    """Band, pace, target and values, with the latest value in its status colour."""
    if plan.band is not None:
        ax.axhspan(*plan.band, color=theme.BAND_FILL, alpha=theme.BAND_ALPHA, lw=0, gid="band")
    if plan.pace:
        xs, ys = zip(*plan.pace, strict=True)
        ax.plot(xs, ys, **theme.PACE_STYLE, gid="pace")
    if plan.steps:  # a target per period: a step at each change, held to the right edge
        edges = [x - 0.5 for x, _ in plan.steps] + [plan.steps[-1][0] + 0.5]
        levels = [y for _, y in plan.steps] + [plan.steps[-1][1]]
        ax.step(
            edges,
            levels,
            where="post",
            color=theme.INK,
            linewidth=theme.TARGET_WIDTH,
            gid="target-steps",
        )
    elif plan.target is not None:
        ax.axhline(plan.target, color=theme.INK, linewidth=theme.TARGET_WIDTH, gid="target")
    if plan.projection is not None:
        (x0, y0), (x1, y1) = plan.projection
        ax.plot([x0, x1], [y0, y1], **theme.PROJECTION_STYLE, zorder=3, gid="projection")
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


def _empty_note(plan: Plan) -> str:
    """``No values yet`` and, under it, the target to aim for: a panel, not a fake axis."""
    note = "No values yet" if plan.size else "No data yet"
    if plan.band is not None:
        low, high = plan.band
        return f"{note}\ntarget {plan.value(low)}–{plan.value(high)}"
    if plan.target is not None:
        return f"{note}\ntarget {plan.value(plan.target)}"
    return note


def kpi_figure(series: KpiSeries) -> Figure:
    """One KPI: its values as a line, the target, pace and band, and the latest value by status.

    The title reads ``Qualified pipeline — $1.2M (at risk)``; the target, the pace and the
    latest value are labelled in the right margin.
    """
    fig = new_figure(theme.KPI_SIZE)
    width, height = theme.KPI_SIZE
    margin = theme.KPI_MARGIN
    plan = plan_for(series, theme.KPI_MAX_YTICKS)
    labels = side_labels(plan) if plan.ylim is not None else []

    side = max(
        (text_width(label.text, theme.LABEL_SIZE, bold=label.bold) for label in labels),
        default=0.0,
    )
    title, size = fitted(
        plan.name,
        width - 2 * margin,
        theme.TITLE_SIZE,
        bold=True,
        tail=f" — {title_value(plan)}",
    )
    with_legend = has_legend([plan])
    box = Box(
        left=margin + ytick_width(plan) + TICK_PAD_INCHES,
        top=theme.KPI_TITLE_HEIGHT + title_height(size, title_lines(title)),
        right=width
        - max(margin + (side + TICK_PAD_INCHES if labels else 0.0), last_label_room(plan)),
        bottom=height - theme.KPI_XTICKS_HEIGHT - (theme.LEGEND_HEIGHT if with_legend else 0.0),
    )
    ax = axes_at(fig, box)
    label_width = widest(plan.xlabels, theme.TICK_SIZE)
    draw_series(ax, plan, x_ticks(plan.size, label_width, box.width, theme.KPI_MAX_XTICKS))
    place_side_labels(ax, plan, labels, box.height)
    if with_legend:
        legend(fig, [plan], margin, margin / 2)
    ax.set_title(
        title,
        loc="left",
        x=-(box.left - margin) / box.width,
        y=1 + (box.top - margin) / box.height,
        pad=0,
        va="top",
        linespacing=theme.TITLE_LINE_HEIGHT,
        **text_style(size, theme.INK, bold=True),
    )
    return fig
