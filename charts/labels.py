"""Labels: titles, the value line under a panel's name, the team header and the right-margin
labels of a single KPI chart, nudged apart so they never overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from charts import theme
from charts.scales import Box, Plan
from charts.text import displayable, fit, text_style, text_width
from core.kinds import Status

POINTS_PER_INCH = 72.0
TICK_PAD_INCHES = theme.TICK_PAD / POINTS_PER_INCH


def title_value(plan: Plan) -> str:
    """``$1.2M (at risk)``; the status is left out when it is unknown."""
    shown = plan.latest_text()
    status = plan.series.status
    if shown is None:
        return "no data"
    return shown if status is Status.NO_DATA else f"{shown} ({status.label})"


@dataclass(frozen=True)
class _Label:
    text: str
    y: float  # in data coordinates
    colour: str
    bold: bool
    gid: str


def side_labels(plan: Plan) -> list[_Label]:
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


def place_side_labels(ax: Axes, plan: Plan, labels: Sequence[_Label], height: float) -> None:
    """Right-margin labels at their values, nudged apart so they never overlap."""
    if not labels or plan.ylim is None:
        return
    low, high = plan.ylim
    ordered = sorted(labels, key=lambda label: label.y)
    wanted = [(label.y - low) / (high - low) * height for label in ordered]
    gap = theme.LABEL_SIZE * theme.LABEL_LINE_HEIGHT / POINTS_PER_INCH
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
            **text_style(theme.LABEL_SIZE, label.colour, bold=label.bold),
            annotation_clip=False,
            gid=label.gid,
        )


def header(fig: Figure, title: str, summary: str) -> None:
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
            **text_style(theme.LABEL_SIZE, theme.MUTED),
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
        **text_style(theme.FIGURE_TITLE_SIZE, theme.INK, bold=True),
    )


def panel_titles(ax: Axes, plan: Plan, box: Box, text_left: float, text_top: float) -> None:
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
        **text_style(theme.PANEL_TITLE_SIZE, theme.INK, bold=True),
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
        **text_style(theme.PANEL_VALUE_SIZE, theme.STATUS_TEXT_COLOURS[status]),
        gid="panel-value",
    )
