"""Digest charts, checked by what they draw: points, target lines, labels, bars and colours."""

from __future__ import annotations

import math
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure
from matplotlib.text import Text

from charts import KpiSeries, Point, team_figure, theme
from charts.rollup import MAX_BARS, PARTS, rollup_alt_text, rollup_chart, rollup_figure
from charts.team import team_columns
from core.digest import StatusCounts
from core.kinds import Direction, Status

PHONE_WIDTH_PX = 360  # about how wide Slack shows an image on a phone
STATUSES = [Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA]


def found(where: Any, gid: str) -> list[Any]:
    return [artist for artist in where.findobj() if artist.get_gid() == gid]


def one(where: Any, gid: str) -> Any:
    artists = found(where, gid)
    assert len(artists) == 1, f"expected one '{gid}', found {len(artists)}"
    return artists[0]


def digest_series(count: int) -> list[KpiSeries]:
    """KPIs like a digest draws them: 12 weeks, the second-to-last one missing."""
    out = []
    for index in range(count):
        values: list[float | None] = [1000.0 + 50 * week * (index + 1) for week in range(12)]
        values[10] = None
        out.append(
            KpiSeries(
                name=f"KPI {index}",
                unit="USD",
                direction=Direction.UP,
                points=[Point(f"W{37 + week}", v) for week, v in enumerate(values)],
                target=5000.0 + index,
                status=STATUSES[index % 4],
            )
        )
    return out


def test_a_digest_chart_is_two_columns_wide_and_readable_on_a_phone() -> None:
    fig = team_figure(digest_series(7), "Sales · week 48", max_columns=theme.DIGEST_MAX_COLUMNS)
    width, height = (size * theme.DPI for size in fig.get_size_inches())
    assert (width, height) == (1000, 1550)  # 2 columns, 4 rows of panels, the legend line
    FigureCanvasAgg(fig).draw()
    scale = PHONE_WIDTH_PX / width
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text():
            shown_px = float(text.get_fontsize()) * theme.DPI / 72 * scale
            assert shown_px >= 9, (text.get_text(), shown_px)
    assert team_columns(7, theme.DIGEST_MAX_COLUMNS) == 2
    assert team_columns(7) == 3
    assert team_columns(4, 1) == 1


def test_every_panel_draws_its_points_gap_target_name_value_and_status() -> None:
    series = digest_series(7)
    fig = team_figure(series, "Sales · week 48", max_columns=2)
    assert len(fig.axes) == 7
    for index, (ax, kpi) in enumerate(zip(fig.axes, series, strict=True)):
        known = [(i, p.value) for i, p in enumerate(kpi.points) if p.value is not None]
        line = one(ax, "value")
        assert list(line.get_xdata()) == [i for i, _ in known]
        assert list(line.get_ydata()) == [v for _, v in known]
        assert list(one(ax, "missing").get_xdata()) == [10]
        target = one(ax, "target")
        assert set(target.get_ydata()) == {kpi.target}
        last = one(ax, "last")
        assert list(last.get_xdata()) == [11]
        assert same_color(last.get_markerfacecolor(), theme.STATUS_COLOURS[kpi.status])
        assert ax.get_title(loc="left") == kpi.name
        value = one(ax, "panel-value").get_text()
        assert value.startswith(f"${known[-1][1]:,.0f}")
        if kpi.status is not Status.NO_DATA:
            assert value.endswith(kpi.status.label)
        bar = one(fig, f"status-bar-{index}")
        assert same_color(bar.get_facecolor(), theme.STATUS_COLOURS[kpi.status])
        low, high = ax.get_ylim()
        assert low < min(v for _, v in known) and max(kpi.target or 0, known[-1][1]) < high


# --- the roll-up chart --------------------------------------------------------------------------

BARS = [
    ("Grow ARR to $12M", StatusCounts(on_track=3, at_risk=1, off_track=1, missing=2)),
    ("Delight customers", StatusCounts(no_target=1, missing=1)),
    ("Hire well", StatusCounts()),
]


def test_each_goal_is_a_bar_split_by_status_with_its_title_and_total() -> None:
    fig = rollup_figure(BARS, "Company KPIs by goal · week 48")
    ax = fig.axes[0]
    for index, (title, counts) in enumerate(BARS):
        left = 0.0
        values = [
            counts.on_track,
            counts.at_risk,
            counts.off_track,
            counts.missing,
            counts.no_target,
        ]
        for (part, _, colour), value in zip(PARTS, values, strict=True):
            segments = found(ax, f"bar-{index}-{part}")
            if not value:
                assert segments == []
                continue
            (segment,) = segments
            assert (segment.get_x(), segment.get_width()) == (left, value)
            assert math.isclose(segment.get_y() + segment.get_height() / 2, index)
            assert same_color(segment.get_facecolor(), colour)
            left += value
        assert one(ax, f"goal-label-{index}").get_text() == title
        assert one(ax, f"total-{index}").get_text() == str(counts.total)
    assert ax.get_xlim() == (0, 7)
    legend = [one(fig, f"legend-{part}").get_text() for part, _, _ in PARTS]
    assert legend == ["on track", "at risk", "off track", "missing", "no target"]
    assert one(fig, "title").get_text() == "Company KPIs by goal · week 48"


def test_the_rollup_chart_shows_at_most_twelve_goals_and_says_so() -> None:
    many = [(f"Goal {n}", StatusCounts(on_track=1)) for n in range(15)]
    fig = rollup_figure(many, "Company")
    assert one(fig, f"goal-label-{MAX_BARS - 1}").get_text() == f"Goal {MAX_BARS - 1}"
    assert found(fig, f"goal-label-{MAX_BARS}") == []
    assert one(fig, "more-note").get_text() == "12 of 15 top-level goals shown"


def test_an_empty_rollup_chart_says_there_is_nothing_yet() -> None:
    fig = rollup_figure([], "Company")
    assert one(fig, "empty-note").get_text() == "No goals or KPIs yet"
    assert rollup_alt_text([], "Company") == "Company: no goals or KPIs yet."


def test_rollup_text_is_big_enough_and_inside_the_figure() -> None:
    long = [("A goal title far too long to fit in the label column " * 3, StatusCounts(1, 2, 3))]
    fig: Figure = rollup_figure(long + BARS, "Company KPIs by goal · week 48")
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    for text in fig.findobj(Text):
        if not (text.get_visible() and text.get_text()):
            continue
        assert float(text.get_fontsize()) >= theme.MIN_FONT_SIZE
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1
    assert one(fig, "goal-label-0").get_text().endswith("…")


def test_rollup_alt_text_says_the_same_in_words_within_the_limit() -> None:
    text = rollup_alt_text(BARS, "Company KPIs by goal · week 48")
    assert text.startswith("Company KPIs by goal · week 48: 3 top-level goals.")
    assert "Grow ARR to $12M: 7 KPIs, 3 on track, 1 at risk, 1 off track, 2 missing." in text
    assert "Delight customers: 2 KPIs, 1 missing, 1 without target." in text
    assert text.endswith("Hire well: no KPIs.")
    many = [(f"Goal number {n} " + "x" * 40, StatusCounts(on_track=n)) for n in range(60)]
    long = rollup_alt_text(many, "Company")
    assert len(long) <= 1000
    assert long.endswith("more.")


@pytest.mark.parametrize("bars", [BARS, []])
def test_the_rollup_chart_is_a_png_1000_px_wide(bars: list[tuple[str, StatusCounts]]) -> None:
    chart = rollup_chart(bars, "Company")
    assert chart.png.startswith(b"\x89PNG")
    assert chart.width_px == 1000
    assert chart.alt_text == rollup_alt_text(bars, "Company")
