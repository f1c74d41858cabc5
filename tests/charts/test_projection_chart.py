"""The chart's projection (a dotted segment to the deadline, in the legend) and its stepped
target line when targets change by period."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from charts import KpiSeries, Point, kpi_alt_text, kpi_chart, kpi_figure, team_figure
from charts.series import Projected
from core.kinds import Direction, Status

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make(values: list[float | None], *, target: float | None = None) -> KpiSeries:
    return KpiSeries(
        name="Qualified pipeline",
        unit="USD",
        direction=Direction.UP,
        points=[Point(f"W{40 + i}", value) for i, value in enumerate(values)],
        target=target,
        status=Status.AT_RISK,
    )


def found(where: Any, gid: str) -> list[Any]:
    return [artist for artist in where.findobj() if artist.get_gid() == gid]


def one(where: Any, gid: str) -> Any:
    artists = found(where, gid)
    assert len(artists) == 1, f"expected one artist '{gid}', found {len(artists)}"
    return artists[0]


SERIES = make([1.0e6, 1.1e6, 1.2e6, 1.3e6], target=4e6)


def test_the_projection_is_a_dotted_segment_to_the_deadline_slot():
    series = replace(SERIES, projection=Projected("30 Jun", 1.31e6, 2.3e6))
    fig = kpi_figure(series)
    ax = fig.axes[0]
    line = one(ax, "projection")
    assert line.get_linestyle() == ":"
    assert list(line.get_xdata()) == [3.0, 4.0]  # from the last point to one slot past it
    assert list(line.get_ydata()) == [1.31e6, 2.3e6]
    assert ax.get_xlim()[1] == pytest.approx(4.5)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "30 Jun"
    legend = one(fig, "legend")
    assert "projected to the deadline" in [t.get_text() for t in legend.get_texts()]
    low, high = ax.get_ylim()
    assert low < 1.0e6 and high > 4e6  # the projected end is inside the scale


def test_no_projection_draws_no_segment_and_no_legend_entry():
    fig = kpi_figure(SERIES)
    assert found(fig.axes[0], "projection") == []
    assert found(fig, "legend") == []


def test_a_projection_without_values_is_not_drawn():
    empty = replace(make([None, None], target=4e6), projection=Projected("30 Jun", 1.0, 2.0))
    assert found(kpi_figure(empty).axes[0], "projection") == []


def test_targets_by_period_are_a_stepped_line_holding_each_periods_target():
    series = replace(SERIES, targets=[3e6, 3e6, 2e6, 2e6])
    ax = kpi_figure(series).axes[0]
    assert found(ax, "target") == []  # no flat line at the single target
    steps = one(ax, "target-steps")
    assert list(steps.get_xdata()) == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert list(steps.get_ydata()) == [3e6, 3e6, 2e6, 2e6, 2e6]
    assert steps.get_drawstyle() == "steps-post"
    assert one(ax, "target-label").get_text() == "target $2M"  # the latest period's target


def test_the_same_target_every_period_stays_one_flat_line():
    ax = kpi_figure(replace(SERIES, targets=[4e6] * 4)).axes[0]
    assert found(ax, "target-steps") == []
    assert list(one(ax, "target").get_ydata()) == [4e6, 4e6]


def test_projection_and_steps_render_in_the_team_figure_and_as_png():
    series = replace(
        SERIES, targets=[3e6, 3e6, 4e6, 4e6], projection=Projected("30 Jun", 1.3e6, 2.3e6)
    )
    fig = team_figure([series, SERIES], "Sales")
    FigureCanvasAgg(fig).draw()
    assert len(found(fig, "projection")) == 1 and len(found(fig, "target-steps")) == 1
    assert kpi_chart(series).png.startswith(PNG_SIGNATURE)


def test_the_alt_text_says_where_the_projection_lands():
    series = replace(SERIES, projection=Projected("30 Jun", 1.31e6, 2.3e6))
    assert kpi_alt_text(series).endswith("Dotted: the trend projects $2.3M by 30 Jun.")
    assert "Dotted" not in kpi_alt_text(SERIES)
