"""What a reader needs to read a chart: a legend for the pace line and the missing markers, a
clear panel for a KPI without values, whole titles, and subtitles that never read as ticks."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from charts import KpiSeries, Point, kpi_alt_text, kpi_figure, team_alt_text, team_figure, theme
from core.kinds import Direction, Status


def make(
    values: list[float | None],
    *,
    name: str = "Qualified pipeline",
    unit: str | None = "USD",
    target: float | None = None,
    pace: list[float | None] | None = None,
    status: Status = Status.AT_RISK,
) -> KpiSeries:
    points = [Point(f"W{40 + index}", value) for index, value in enumerate(values)]
    return KpiSeries(name, unit, Direction.UP, points, target=target, pace=pace, status=status)


def found(where: Any, gid: str) -> list[Any]:
    return [artist for artist in where.findobj() if artist.get_gid() == gid]


def legend_entries(fig: Figure) -> list[str]:
    legends = [artist for artist in fig.findobj(Legend) if artist.get_gid() == "legend"]
    assert len(legends) <= 1
    return [text.get_text() for text in legends[0].get_texts()] if legends else []


@pytest.mark.parametrize(
    ("series", "entries"),
    [
        (make([1, 2, 3], pace=[1, 2, 3], target=5), ["pace to target"]),
        (make([1, None, 3], target=5), ["no value for the period"]),
        (
            make([1, None, 3], pace=[1, 2, 3], target=5),
            ["pace to target", "no value for the period"],
        ),
        (make([1, 2, 3], target=5), []),  # nothing to explain
    ],
)
def test_the_pace_line_and_missing_markers_are_explained_in_a_legend(series, entries):
    assert legend_entries(kpi_figure(series)) == entries
    assert legend_entries(team_figure([series, make([4, 5])], "Sales")) == entries


def test_a_kpi_without_values_shows_a_clear_panel_with_its_target_and_no_axis():
    series = make([None] * 6, unit="%", target=5, status=Status.NO_DATA)
    for fig in (kpi_figure(series), team_figure([series, make([1, 2])], "Sales")):
        ax = fig.axes[0]
        assert [label.get_text() for label in ax.get_yticklabels()] == []  # no $4.5-$5.5 axis
        assert not found(ax, "target")
        [note] = found(ax, "empty-note")
        assert note.get_text() == "No values yet\ntarget 5%"
    panel = team_figure([series, make([1, 2])], "Sales").axes[0]
    assert not found(panel, "panel-value")  # nothing left of the plot to read as a tick


def test_a_value_without_a_target_says_so_instead_of_reading_as_a_tick():
    series = make([5, 6, 5], unit=None, status=Status.NO_DATA)
    [value] = found(team_figure([series, make([1, 2])], "Sales").axes[0], "panel-value")
    assert value.get_text() == "5 · no target"
    shown = kpi_figure(series).axes[0].get_title(loc="left")
    assert " ".join(shown.split()) == "Qualified pipeline — 5 (no target)"


def _title(fig: Figure, index: int = 0) -> str:
    return fig.axes[index].get_title(loc="left")


@pytest.mark.parametrize(
    "name", ["Marketing-qualified leads", "Net revenue retention for enterprise accounts"]
)
def test_panel_titles_are_shown_whole_shrunk_or_wrapped(name):
    fig = team_figure([make([1, 2], name=name), make([1, 2])], "Sales", max_columns=2)
    shown = _title(fig)
    assert theme.ELLIPSIS not in shown
    assert " ".join(shown.replace("-\n", "-").split()) == name
    assert shown.count("\n") <= 1


def test_a_title_is_cut_only_as_a_last_resort_and_the_alt_text_keeps_the_name():
    name = "An extremely long key performance indicator name " * 3
    series = make([1, 2], name=name)
    fig = team_figure([series, make([1, 2])], "Sales", max_columns=2)
    assert _title(fig).count("\n") == 1 and _title(fig).endswith(theme.ELLIPSIS)
    assert " ".join(name.split())[:60] in team_alt_text([series], "Sales")
    assert " ".join(name.split())[:60] in kpi_alt_text(series)


def test_a_kpi_chart_title_is_whole():
    series = make([13000, 9500], name="Customer acquisition cost", target=9000)
    title = _title(kpi_figure(series))
    assert " ".join(title.split()) == "Customer acquisition cost — $9.5k (at risk)"


def test_the_team_title_is_whole_beside_its_status_counts():
    title = "Marketing digest · week 48 (23-29 Nov 2026)"
    fig = team_figure([make([1, 2]) for _ in range(5)], title, max_columns=2)
    assert " ".join(fig.get_suptitle().split()) == title
