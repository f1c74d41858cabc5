"""A team's KPIs as a grid of small panels, each with its status."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from charts import theme
from charts.figures import draw_series
from charts.labels import (
    TICK_PAD_INCHES,
    has_legend,
    header,
    legend,
    panel_name,
    panel_titles,
    title_height,
    title_lines,
)
from charts.scales import (
    Box,
    axes_at,
    last_label_room,
    new_figure,
    plan_for,
    with_target_tick,
    x_ticks,
    ytick_width,
)
from charts.series import KpiSeries
from charts.text import text_style, widest
from core.kinds import Status


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
        fig = new_figure(theme.KPI_SIZE)
        header(fig, title, "")
        fig.text(
            0.5,
            0.5,
            "No KPIs yet",
            ha="center",
            va="center",
            **text_style(theme.TITLE_SIZE, theme.MUTED),
            gid="empty-note",
        )
        return fig

    shown = list(series[: theme.TEAM_MAX_PANELS])
    columns = team_columns(len(shown), max_columns)
    rows = math.ceil(len(shown) / columns)
    width = theme.TEAM_WIDTH[columns]
    plans = [with_target_tick(plan_for(s, theme.PANEL_MAX_YTICKS)) for s in shown]
    footer = theme.LEGEND_HEIGHT if has_legend(plans) else 0.0
    height = (
        theme.TEAM_HEADER_HEIGHT
        + rows * theme.TEAM_PANEL_HEIGHT
        + max(theme.TEAM_BOTTOM_MARGIN, footer)
    )
    fig = new_figure((width, height))
    summary = _status_summary(shown)
    if len(series) > len(shown):
        summary = f"{len(shown)} of {len(series)} KPIs shown · {summary}"
    header(fig, title, summary)
    if footer:
        legend(fig, plans, theme.PANEL_INSET + theme.PANEL_BAR_WIDTH, footer / 3)

    tick_widths = [  # per column, so that the panels of a column line up
        max(ytick_width(plan) for plan in plans[column::columns]) for column in range(columns)
    ]
    cell = width / columns
    panels = []
    for index, plan in enumerate(plans):
        row, column = divmod(index, columns)
        cell_left = column * cell
        bar_left = cell_left + theme.PANEL_INSET
        text_left = bar_left + theme.PANEL_BAR_WIDTH + theme.PANEL_TEXT_GAP
        right = cell_left + cell - max(theme.PANEL_RIGHT_PAD, last_label_room(plan))
        name, size = panel_name(plan, right - text_left)
        panels.append(
            (row, column, bar_left, text_left, right, title_height(size, title_lines(name)))
        )
    # A name wrapped onto two lines pushes the plots of its whole row down, so rows line up.
    extra = [max((p[5] for p in panels if p[0] == row), default=0.0) for row in range(rows)]
    for index, (plan, (row, column, bar_left, text_left, right, _)) in enumerate(
        zip(plans, panels, strict=True)
    ):
        cell_top = theme.TEAM_HEADER_HEIGHT + row * theme.TEAM_PANEL_HEIGHT
        box = Box(
            left=text_left + tick_widths[column] + TICK_PAD_INCHES,
            top=cell_top + theme.PANEL_TITLE_HEIGHT + extra[row],
            right=right,
            bottom=cell_top + theme.TEAM_PANEL_HEIGHT - theme.PANEL_XTICKS_HEIGHT,
        )
        ax = axes_at(fig, box)
        label_width = widest(plan.xlabels, theme.TICK_SIZE)
        draw_series(ax, plan, x_ticks(plan.size, label_width, box.width, theme.PANEL_MAX_XTICKS))
        panel_titles(ax, plan, box, text_left, cell_top + theme.PANEL_TOP_PAD)
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
