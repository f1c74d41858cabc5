"""Labels: titles, the value line under a panel's name, the team header and the right-margin
labels of a single KPI chart, nudged apart so they never overlap."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from charts import theme
from charts.scales import Box, Plan
from charts.text import displayable, fit, text_style, text_width
from core.kinds import Status

POINTS_PER_INCH = 72.0
TICK_PAD_INCHES = theme.TICK_PAD / POINTS_PER_INCH


def status_words(plan: Plan) -> str:
    """``at risk``; for a value without a status, why: ``no target`` or ``no status``."""
    status = plan.series.status
    if status is not Status.NO_DATA:
        return status.label
    return "no target" if plan.target is None and plan.band is None else "no status"


def title_value(plan: Plan) -> str:
    """``$1.2M (at risk)``, ``5 (no target)`` or ``no values yet``."""
    shown = plan.latest_text()
    if shown is None:
        return "no values yet"
    return f"{shown} ({status_words(plan)})"


def fitted(
    text: str, width: float, size: float, *, bold: bool, tail: str = ""
) -> tuple[str, float]:
    """``text`` at ``size`` points if it fits in ``width`` inches; else shrunk by steps down to
    the smallest size; else wrapped onto two lines at that size, words kept whole where they
    fit; only then cut, with an ellipsis. Returns the text (lines joined by a newline) and its
    size. ``tail`` (`` — $1.2M (at risk)``) follows the text and is never broken or cut."""
    whole = text + tail
    candidate = size
    while candidate >= theme.MIN_FONT_SIZE:
        if text_width(whole, candidate, bold=bold) <= width:
            return whole, candidate
        candidate -= theme.TITLE_SHRINK_STEP
    small = theme.MIN_FONT_SIZE
    # Break at spaces and after hyphens; a no-break space keeps its neighbours together.
    words = re.findall(r"[^ ]+?-(?=[^ ])|[^ ]+", text) + ([tail.strip()] if tail else [])
    first = ""
    for index, word in enumerate(words):
        joined = first + word if not first or first.endswith("-") else f"{first} {word}"
        if first and text_width(joined, small, bold=bold) > width:
            rest = "".join(w if w.endswith("-") else w + " " for w in words[index:]).strip()
            if tail and text_width(rest, small, bold=bold) > width:
                cut = rest[: -len(tail.strip())].rstrip()
                room = width - text_width(" " + tail.strip(), small, bold=bold)
                rest = f"{fit(cut, room, small, bold=bold)} {tail.strip()}"
            return f"{first}\n{fit(rest, width, small, bold=bold)}", small
        first = joined
    return fit(whole, width, small, bold=bold), small


def title_lines(text: str) -> int:
    return text.count("\n") + 1


def title_height(size: float, lines: int) -> float:
    """Inches the lines beyond the first take."""
    return (lines - 1) * size * theme.TITLE_LINE_HEIGHT / POINTS_PER_INCH


def _legend_entries(plans: Sequence[Plan]) -> list[tuple[Line2D, str]]:
    entries: list[tuple[Line2D, str]] = []
    if any(plan.pace and plan.known for plan in plans):
        line = Line2D([], [], **theme.PACE_STYLE)
        entries.append((line, "pace to target"))
    if any(plan.projection for plan in plans):
        dotted = Line2D([], [], **theme.PROJECTION_STYLE)
        entries.append((dotted, "projected to the deadline"))
    if any(plan.missing and plan.known for plan in plans):
        marker = Line2D([], [], **theme.MISSING_STYLE)
        entries.append((marker, "no value for the period"))
    return entries


def has_legend(plans: Sequence[Plan]) -> bool:
    return bool(_legend_entries(plans))


def legend(fig: Figure, plans: Sequence[Plan], left: float, bottom: float) -> bool:
    """A legend for what a reader cannot guess -- the dashed pace line and the hollow markers of
    periods without a value -- at ``left``, ``bottom`` (inches from the figure's bottom-left),
    when any of ``plans`` draws them. Says whether it drew one."""
    entries = _legend_entries(plans)
    if not entries:
        return False
    width, height = fig.get_size_inches()
    drawn = fig.legend(
        [handle for handle, _ in entries],
        [label for _, label in entries],
        loc="lower left",
        bbox_to_anchor=(left / width, bottom / height),
        ncol=len(entries),
        frameon=False,
        borderpad=0.0,
        borderaxespad=0.0,
        handlelength=2.0,
        columnspacing=1.5,
        labelcolor=theme.MUTED,
        prop={"family": theme.FONT_FAMILY, "size": theme.LABEL_SIZE},
    )
    drawn.set_gid("legend")
    return True


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
    shown, size = fitted(displayable(title), room, theme.FIGURE_TITLE_SIZE, bold=True)
    fig.suptitle(
        shown,
        x=inset / width,
        y=top,
        ha="left",
        va="top",
        linespacing=theme.TITLE_LINE_HEIGHT,
        **text_style(size, theme.INK, bold=True),
    )


def panel_name(plan: Plan, room: float) -> tuple[str, float]:
    """The KPI's name as its panel shows it in ``room`` inches: whole, shrunk or wrapped."""
    return fitted(plan.name, room, theme.PANEL_TITLE_SIZE, bold=True)


def panel_titles(ax: Axes, plan: Plan, box: Box, text_left: float, text_top: float) -> None:
    """The KPI's name (bold) and, under it, ``$1.2M · at risk`` in the status colour.

    Both start at ``text_left`` (inches), left of the axes' tick labels; the name's top is at
    ``text_top``. A panel without values has no value line: its plot says so in the middle,
    and a line of grey text left of an empty plot would read as a tick.
    """
    x = -(box.left - text_left) / box.width
    room = box.right - text_left
    name, size = panel_name(plan, room)
    ax.set_title(
        name,
        loc="left",
        x=x,
        y=1 + (box.top - text_top) / box.height,
        pad=0,
        va="top",
        linespacing=theme.TITLE_LINE_HEIGHT,
        **text_style(size, theme.INK, bold=True),
    )
    shown = plan.latest_text()
    if shown is None:
        return
    status = plan.series.status
    # Right under the name (however many lines it took), not on the plot: when a neighbour's
    # wrapped name pushes this row's plots down, the value stays with its own name.
    name_height = title_height(size, title_lines(name) + 1)
    value_top = text_top + name_height + theme.PANEL_NAME_GAP
    ax.text(
        x,
        1 + (box.top - value_top) / box.height,
        fit(f"{shown} · {status_words(plan)}", room, theme.PANEL_VALUE_SIZE),
        transform=ax.transAxes,
        ha="left",
        va="top",
        **text_style(theme.PANEL_VALUE_SIZE, theme.STATUS_TEXT_COLOURS[status]),
        gid="panel-value",
    )
