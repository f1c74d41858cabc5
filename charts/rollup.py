"""The company roll-up chart: one horizontal bar per top-level goal, split by KPI status.

Each bar is as long as the number of KPIs measuring the goal (its own and its sub-goals'), cut
into segments in the status colours (on track, at risk, off track, missing, without target),
with the goal's title on the left and the count on the right. Artists carry gids: ``bar-{i}-{part}``
for segments, ``goal-label-{i}``, ``total-{i}``, ``legend-{part}``, ``more-note``.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from charts import theme
from charts.rendering import Chart, render
from charts.text import clip, displayable, fit, text_style, text_width
from core.digest import StatusCounts
from core.kinds import Status

MAX_BARS = 12
WIDTH = 5.0  # inches: 1000 px, as wide as a digest chart
HEADER = 0.75  # title and legend
ROW = 0.375
FOOTER = 0.25
LABEL_SHARE = 0.42  # of the width, for goal titles
WITHOUT_TARGET_COLOUR = "#D9D9D9"
PARTS: tuple[tuple[str, str, str], ...] = (  # (gid part, legend label, colour)
    ("on_track", "on track", theme.STATUS_COLOURS[Status.ON_TRACK]),
    ("at_risk", "at risk", theme.STATUS_COLOURS[Status.AT_RISK]),
    ("off_track", "off track", theme.STATUS_COLOURS[Status.OFF_TRACK]),
    ("missing", "missing", theme.STATUS_COLOURS[Status.NO_DATA]),
    ("no_target", "no target", WITHOUT_TARGET_COLOUR),
)


def _values(counts: StatusCounts) -> list[int]:
    return [counts.on_track, counts.at_risk, counts.off_track, counts.missing, counts.no_target]


def rollup_figure(bars: Sequence[tuple[str, StatusCounts]], title: str) -> Figure:
    shown = list(bars[:MAX_BARS])
    rows = max(1, len(shown))
    height = HEADER + rows * ROW + FOOTER + (ROW if len(bars) > len(shown) else 0.0)
    fig = Figure(figsize=(WIDTH, height), dpi=theme.DPI, facecolor=theme.BACKGROUND)
    margin = theme.KPI_MARGIN
    fig.text(
        margin / WIDTH,
        1 - margin / height,
        fit(
            displayable(title, fallback="Company KPIs"),
            WIDTH - 2 * margin,
            theme.FIGURE_TITLE_SIZE,
            bold=True,
        ),
        ha="left",
        va="top",
        **text_style(theme.FIGURE_TITLE_SIZE, theme.INK, bold=True),
        gid="title",
    )
    _legend(fig, height)
    if not shown:
        fig.text(
            0.5,
            (FOOTER + ROW / 2) / height,
            "No goals or KPIs yet",
            ha="center",
            va="center",
            **text_style(theme.TITLE_SIZE, theme.MUTED),
            gid="empty-note",
        )
        return fig

    label_width = WIDTH * LABEL_SHARE
    total_room = text_width("999", theme.LABEL_SIZE) + 2 * margin
    left = margin + label_width
    plot_width = WIDTH - left - total_room
    bottom = FOOTER + (ROW if len(bars) > len(shown) else 0.0)
    ax = fig.add_axes((left / WIDTH, bottom / height, plot_width / WIDTH, rows * ROW / height))
    ax.set_axis_off()
    longest = max(max(sum(_values(c)) for _, c in shown), 1)
    ax.set_xlim(0, longest)
    ax.set_ylim(rows - 0.5, -0.5)
    for index, (label, counts) in enumerate(shown):
        start = 0.0
        for (part, _, colour), value in zip(PARTS, _values(counts), strict=True):
            if value:
                ax.barh(
                    index,
                    value,
                    left=start,
                    height=0.62,
                    color=colour,
                    linewidth=0,
                    gid=f"bar-{index}-{part}",
                )
            start += value
        ax.text(
            -margin / plot_width * longest,
            index,
            fit(
                clip(displayable(label, fallback="Goal"), theme.MAX_NAME_CHARS),
                label_width - margin,
                theme.LABEL_SIZE,
            ),
            ha="right",
            va="center",
            **text_style(theme.LABEL_SIZE, theme.INK),
            gid=f"goal-label-{index}",
        )
        ax.text(
            start + margin / plot_width * longest,
            index,
            str(int(start)),
            ha="left",
            va="center",
            **text_style(theme.LABEL_SIZE, theme.MUTED),
            gid=f"total-{index}",
        )
    if len(bars) > len(shown):
        fig.text(
            margin / WIDTH,
            (FOOTER + ROW / 2) / height,
            f"{len(shown)} of {len(bars)} top-level goals shown",
            ha="left",
            va="center",
            **text_style(theme.LABEL_SIZE, theme.MUTED),
            gid="more-note",
        )
    return fig


def _legend(fig: Figure, height: float) -> None:
    x = theme.KPI_MARGIN
    y = 1 - (HEADER - 0.2) / height
    swatch = 0.12
    for part, label, colour in PARTS:
        fig.text(
            x / WIDTH,
            y,
            "■",
            ha="left",
            va="center",
            **text_style(theme.LABEL_SIZE, colour),
            gid=f"legend-swatch-{part}",
        )
        fig.text(
            (x + swatch + 0.04) / WIDTH,
            y,
            label,
            ha="left",
            va="center",
            **text_style(theme.LABEL_SIZE, theme.MUTED),
            gid=f"legend-{part}",
        )
        x += swatch + 0.04 + text_width(label, theme.LABEL_SIZE) + 0.2


def rollup_alt_text(bars: Sequence[tuple[str, StatusCounts]], title: str) -> str:
    """E.g. "Company KPIs by goal · week 47: 2 top-level goals. Grow ARR: 3 KPIs, 1 on track,
    1 at risk, 1 missing. ..." Cut to Slack's limit, dropping goals at the end."""
    heading = clip(" ".join(title.split()), 100) or "Company KPIs"
    if not bars:
        return f"{heading}: no goals or KPIs yet."
    noun = "goal" if len(bars) == 1 else "goals"
    head = f"{heading}: {len(bars)} top-level {noun}."
    parts = []
    for label, counts in bars:
        name = clip(" ".join(label.split()), 60)
        if not counts.total:
            parts.append(f"{name}: no KPIs.")
            continue
        detail = ", ".join(f"{n} {what}" for what, n in counts.parts())
        kpis = "1 KPI" if counts.total == 1 else f"{counts.total} KPIs"
        parts.append(f"{name}: {kpis}, {detail}.")
    text = head
    for index, part in enumerate(parts):
        more = f" And {len(parts) - index} more."
        if len(text) + 1 + len(part) + len(more) > 1000:
            return text + more
        text += " " + part
    return text


def rollup_chart(bars: Sequence[tuple[str, StatusCounts]], title: str) -> Chart:
    """The roll-up chart as a PNG with its alt text."""
    return render(rollup_figure(bars, title), rollup_alt_text(bars, title))
