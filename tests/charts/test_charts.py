"""The charts, checked by what they draw (artists, texts, colours), not by their pixels."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from charts import (
    Chart,
    KpiSeries,
    Point,
    kpi_alt_text,
    kpi_chart,
    kpi_figure,
    render,
    team_alt_text,
    team_chart,
    team_figure,
    theme,
)
from charts.alt_text import ALT_TEXT_LIMIT
from core.kinds import Direction, Status
from core.values import format_value, parse_value

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LABELS = [f"W{week}" for week in range(40, 52)]


def make(
    values: Sequence[float | None],
    *,
    name: str = "Qualified pipeline",
    unit: str | None = "USD",
    direction: Direction = Direction.UP,
    target: float | None = None,
    band: tuple[float, float] | None = None,
    pace: Sequence[float | None] | None = None,
    status: Status = Status.AT_RISK,
    labels: Sequence[str] | None = None,
) -> KpiSeries:
    labels = labels or [f"W{week}" for week in range(40, 40 + len(values))]
    return KpiSeries(
        name=name,
        unit=unit,
        direction=direction,
        points=[Point(label, value) for label, value in zip(labels, values, strict=True)],
        target=target,
        band=band,
        pace=pace,
        status=status,
    )


PIPELINE = make(
    [900e3, 950e3, None, 1.0e6, 1.1e6, 1.15e6, 1.2e6],
    target=4e6,
    pace=[900e3, 1.4e6, 1.9e6, 2.4e6, 2.9e6, 3.4e6, 3.9e6],
)


def found(where: Figure | Axes, gid: str) -> list[Artist]:
    return [artist for artist in where.findobj() if artist.get_gid() == gid]


def one(where: Figure | Axes, gid: str) -> Any:
    artists = found(where, gid)
    assert len(artists) == 1, f"expected one artist '{gid}', found {len(artists)}"
    return artists[0]


def texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def ytick_texts(ax: Axes) -> list[str]:
    return [label.get_text() for label in ax.get_yticklabels()]


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


# --- one KPI: what is drawn ------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [1.0, 2.0, 3.0],
        [None, 5.0, None, 7.0, 8.0],
        [42.0],
        [3.0, 3.0, 3.0, 3.0],
        [-5e6, 2e15, -1e12],
        [1.0, float("nan"), float("inf"), 4.0],
    ],
)
def test_the_value_line_goes_through_exactly_the_points_with_values(values):
    ax = kpi_figure(make(values)).axes[0]
    line = one(ax, "value")
    known = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    assert list(line.get_xdata()) == [i for i, _ in known]
    assert list(line.get_ydata()) == [v for _, v in known]
    ylow, yhigh = ax.get_ylim()
    assert all(ylow < v < yhigh for _, v in known)


def test_missing_values_are_hollow_markers_at_their_periods():
    ax = kpi_figure(PIPELINE).axes[0]
    missing = one(ax, "missing")
    assert list(missing.get_xdata()) == [2]
    assert same_color(missing.get_markerfacecolor(), theme.BACKGROUND)


@pytest.mark.parametrize(
    ("target", "unit", "label"),
    [
        (4e6, "USD", "target $4M"),
        (35.0, "%", "target 35%"),
        (15, "deals", "target 15 deals"),
        (0, None, "target 0"),
        (-2500, "EUR", "target -€2,500"),
    ],
)
def test_the_target_is_a_labelled_horizontal_line(target, unit, label):
    ax = kpi_figure(make([1.0, 2.0, 3.0], unit=unit, target=target)).axes[0]
    line = one(ax, "target")
    assert list(line.get_ydata()) == [target, target]
    assert one(ax, "target-label").get_text() == label
    assert label == f"target {format_value(target, unit)}"


def test_pace_is_a_dashed_line_through_the_expected_values():
    pace = [1.0, None, 3.0, 4.0]
    ax = kpi_figure(make([1.0, 1.5, 2.0, 2.2], target=5.0, pace=pace)).axes[0]
    line = one(ax, "pace")
    assert line.get_linestyle() == "--"
    assert list(line.get_xdata()) == [0, 2, 3]
    assert list(line.get_ydata()) == [1.0, 3.0, 4.0]
    assert one(ax, "pace-label").get_text() == "pace $4"


@pytest.mark.parametrize("band", [(95.0, 99.0), (99.0, 95.0)])
def test_a_band_is_shaded_between_its_bounds(band):
    series = make([96.0, 97.5, 99.5], unit="%", direction=Direction.BAND, band=band)
    ax = kpi_figure(series).axes[0]
    shade = one(ax, "band")
    assert isinstance(shade, Rectangle)
    assert shade.get_y() == pytest.approx(95.0)
    assert shade.get_y() + shade.get_height() == pytest.approx(99.0)
    alpha = shade.get_alpha()
    assert alpha is not None
    assert 0 < alpha < 1
    assert one(ax, "band-label").get_text() == "target 95%–99%"


@pytest.mark.parametrize(
    ("series", "title"),
    [
        (PIPELINE, "Qualified pipeline — $1.2M (at risk)"),
        (
            make([10, 12], name="Win rate", unit="%", status=Status.ON_TRACK),
            "Win rate — 12% (on track)",
        ),
        (
            make([5, None], name="Churn", unit="%", status=Status.OFF_TRACK),
            "Churn — 5% (off track)",
        ),
        (
            make([42], name="Deals", unit="deals", status=Status.NO_DATA),
            "Deals — 42 deals (no target)",
        ),
        (make([None, None], name="NPS", unit=None, status=Status.NO_DATA), "NPS — no values yet"),
        (make([], name="Signups", unit=None), "Signups — no values yet"),
    ],
)
def test_the_title_names_the_kpi_its_latest_value_and_status(series, title):
    ax = kpi_figure(series).axes[0]
    assert ax.get_title(loc="left") == title


@pytest.mark.parametrize("status", list(Status))
def test_the_latest_point_is_drawn_in_its_status_colour(status):
    ax = kpi_figure(make([1.0, 2.0, None], target=3.0, status=status)).axes[0]
    last = one(ax, "last")
    assert (list(last.get_xdata()), list(last.get_ydata())) == ([1], [2.0])
    assert same_color(last.get_markerfacecolor(), theme.STATUS_COLOURS[status])
    label = one(ax, "last-label")
    assert label.get_text() == "$2"
    assert same_color(label.get_color(), theme.STATUS_TEXT_COLOURS[status])


@pytest.mark.parametrize(
    ("unit", "values", "example"),
    [
        ("USD", [900e3, 1.2e6, 4e6], "$1M"),
        ("EUR", [-3000, 12000], "€0"),
        ("%", [12.5, 14.0, 18.0], "%"),
        ("deals", [4, 9, 15], " deals"),
        (None, [41, 51], "45"),
        (None, [0.001, 0.002], "0.0015"),
        ("USD", [1_000_000, 1_000_002], "$1.000001M"),  # as many decimals as the ticks need
    ],
)
def test_y_tick_labels_are_values_in_the_kpis_unit(unit, values, example):
    ax = kpi_figure(make(values, unit=unit)).axes[0]
    ticks = list(ax.get_yticks())
    shown = ytick_texts(ax)
    assert 2 <= len(ticks) <= theme.KPI_MAX_YTICKS
    assert len(set(shown)) == len(shown)
    assert any(example in text for text in shown), shown
    suffixes = set()
    for tick, text in zip(ticks, shown, strict=True):
        number = text.replace(f" {unit}", "") if unit == "deals" else text
        assert parse_value(number).number == pytest.approx(tick, rel=1e-9, abs=1e-12)
        if tick:
            suffixes.add(number.rstrip("%")[-1] if number.rstrip("%")[-1] in "kMB" else "")
    assert len(suffixes) <= 1, shown  # one scale per axis: never "$12.5k" beside "$9,000"


@pytest.mark.parametrize(
    ("values", "target", "expected"),
    [
        # The reported case: a cost falling to a $9,000 target read "$12.5k" beside "$9,000".
        ([13000, 12000, 11000, 10000, 9500], 9000, {"$9k", "$9.5k", "$12k", "$10k"}),
    ],
)
def test_ticks_target_and_value_labels_share_one_format(values, target, expected):
    fig = kpi_figure(make(values, target=target, unit="USD" if target else None))
    ax = fig.axes[0]
    shown = set(ytick_texts(ax)) | {t.get_text() for t in ax.texts}
    if target:
        shown |= {one(ax, "target-label").get_text().removeprefix("target ")}
    assert expected <= shown, shown
    assert not any("," in text for text in shown if text.startswith("$")), shown


def test_x_ticks_are_few_and_always_label_the_latest_period():
    ax = kpi_figure(make(list(range(12)), labels=LABELS)).axes[0]
    shown = [label.get_text() for label in ax.get_xticklabels()]
    assert 2 <= len(shown) <= theme.KPI_MAX_XTICKS
    assert shown[-1] == "W51"
    assert set(shown) <= set(LABELS)


def test_a_flat_series_gets_a_padded_range():
    ax = kpi_figure(make([5.0] * 4, unit="%")).axes[0]
    low, high = ax.get_ylim()
    assert low < 5.0 < high
    assert high - low > 0.5


# --- a team's KPIs ---------------------------------------------------------------------------


def team_series(count: int) -> list[KpiSeries]:
    statuses = list(Status)
    return [
        make(
            [10.0 + i, 11.0 + i, None, 13.0 + i],
            name=f"KPI {i + 1}",
            unit=["USD", "%", "deals", None][i % 4],
            target=20.0 + i if i % 3 != 2 else None,
            status=statuses[i % 4],
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("count", "columns"), [(1, 1), (2, 2), (3, 3), (4, 2), (5, 3), (7, 3), (12, 3)]
)
def test_the_team_figure_has_one_panel_per_kpi_in_a_grid(count, columns):
    series = team_series(count)
    fig = team_figure(series, "Sales")
    assert len(fig.axes) == count
    lefts = sorted({round(ax.get_position().x0, 2) for ax in fig.axes})
    tops = sorted({round(ax.get_position().y1, 2) for ax in fig.axes})
    assert len(lefts) == columns
    assert len(tops) == math.ceil(count / columns)
    for index, (ax, kpi) in enumerate(zip(fig.axes, series, strict=True)):
        assert ax.get_title(loc="left") == kpi.name
        value = one(ax, "panel-value").get_text()
        assert value.startswith(format_value(13.0 + index, kpi.unit))
        if kpi.status is not Status.NO_DATA:
            assert kpi.status.label in value
        if kpi.target is None:
            assert found(ax, "target") == []
        else:
            assert list(one(ax, "target").get_ydata()) == [kpi.target, kpi.target]
            assert format_value(kpi.target, kpi.unit) in ytick_texts(ax)
        bar = one(fig, f"status-bar-{index}")
        assert same_color(bar.get_facecolor(), theme.STATUS_COLOURS[kpi.status])
        assert same_color(one(ax, "last").get_markerfacecolor(), theme.STATUS_COLOURS[kpi.status])


def test_more_than_twelve_kpis_show_the_first_twelve_and_say_so():
    fig = team_figure(team_series(15), "Everything")
    assert len(fig.axes) == theme.TEAM_MAX_PANELS
    assert one(fig, "summary").get_text().startswith("12 of 15 KPIs shown")
    assert "(the first 12 shown)" in team_alt_text(team_series(15), "Everything")


def test_no_kpis_make_a_figure_that_says_so():
    fig = team_figure([], "Sales")
    assert fig.axes == []
    assert one(fig, "empty-note").get_text() == "No KPIs yet"
    chart = team_chart([], "Sales")
    assert png_size(chart.png) == (800, 450)
    assert chart.alt_text == "Sales: no KPIs yet."


def test_the_team_header_counts_statuses():
    fig = team_figure(team_series(7), "Sales")
    assert one(fig, "summary").get_text() == "2 on track · 2 at risk · 2 off track · 1 no data"
    assert fig.get_suptitle() == "Sales"


# --- readability and layout ------------------------------------------------------------------

LONG_NAME = "Net revenue retention of enterprise customers in the EMEA region, rolling 90 days"
LAYOUT_CASES = {
    "pipeline": PIPELINE,
    "long name": make([1.0, 2.0, 3.0], name=LONG_NAME, target=3.1, pace=[1.0, 2.05, 3.1]),
    "labels crowd": make([2.0, 3.0, 3.95], target=4.0, pace=[2.0, 3.0, 4.02]),
    "wide ticks": make([-5e6, 2e15, -1e12], target=-1e12),
    "no points": make([], target=100.0),
    "all missing": make([None, None, None]),
    "band": make([96.0, 97.5, 99.5], unit="%", direction=Direction.BAND, band=(95.0, 99.0)),
}


def inside(box: Bbox, fig: Figure) -> bool:
    """Whether a box in pixels lies within the figure, give or take a pixel of antialiasing."""
    return bool(
        box.x0 >= -1 and box.y0 >= -1 and box.x1 <= fig.bbox.x1 + 1 and box.y1 <= fig.bbox.y1 + 1
    )


def draw(fig: Figure) -> Any:  # the Agg renderer, to measure text with
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize("series", LAYOUT_CASES.values(), ids=LAYOUT_CASES.keys())
def test_kpi_text_is_big_enough_inside_the_figure_and_never_overlaps(series):
    fig = kpi_figure(series)
    renderer = draw(fig)
    boxes = []
    for text in texts(fig):
        assert float(text.get_fontsize()) >= theme.MIN_FONT_SIZE, text.get_text()
        box = text.get_window_extent(renderer)
        assert inside(box, fig), text.get_text()
        boxes.append((text.get_text(), box.padded(-1)))
    for index, (first, box) in enumerate(boxes):
        for second, other in boxes[index + 1 :]:
            assert not box.overlaps(other), f"'{first}' overlaps '{second}'"


def test_team_text_is_big_enough_and_inside_the_figure():
    series = [*team_series(10), LAYOUT_CASES["long name"], LAYOUT_CASES["wide ticks"]]
    fig = team_figure(series, "A team title that is far too long to fit on one line " * 3)
    renderer = draw(fig)
    for text in texts(fig):
        assert float(text.get_fontsize()) >= theme.MIN_FONT_SIZE, text.get_text()
        assert inside(text.get_window_extent(renderer), fig), text.get_text()
    assert fig.axes[10].get_title(loc="left").endswith("…")
    assert fig.get_suptitle().endswith("…")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("🚀 Launches", "Launches"),
        ("Ventes 中文 été", "Ventes été"),
        ("Line\nbreaks\tand   spaces", "Line breaks and spaces"),
        ("Cost $ per $ earned", "Cost $ per $ earned"),
        ("🚀🚀", "KPI"),
        ("\U0001d5a0 sans-serif A", "sans-serif A"),  # in DejaVu Sans, not in its bold face
    ],
)
def test_names_are_drawn_with_glyphs_the_font_has(name, shown):
    # pytest turns warnings into errors, so a missing glyph would fail this test
    fig = kpi_figure(make([1.0, 2.0], name=name, labels=["$Q1$", "Q2"]))
    draw(fig)
    assert fig.axes[0].get_title(loc="left").startswith(shown + " — ")
    assert kpi_alt_text(make([1.0], name=name)).startswith(" ".join(name.split()))


# --- rendering -------------------------------------------------------------------------------


def test_a_kpi_chart_is_an_800_by_450_png_with_alt_text():
    chart = kpi_chart(PIPELINE)
    assert isinstance(chart, Chart)
    assert png_size(chart.png) == (chart.width_px, chart.height_px) == (800, 450)
    assert "$1.2M" in chart.alt_text
    assert "$4M" in chart.alt_text
    assert chart.alt_text == kpi_alt_text(PIPELINE)


@pytest.mark.parametrize(("count", "columns", "rows"), [(2, 2, 1), (7, 3, 3)])
def test_a_team_chart_png_has_the_declared_size(count, columns, rows):
    chart = team_chart(team_series(count), "Sales")
    width = theme.TEAM_WIDTH[columns] * theme.DPI
    legend = theme.LEGEND_HEIGHT  # these KPIs have pace lines or missing values to explain
    height = (theme.TEAM_HEADER_HEIGHT + rows * theme.TEAM_PANEL_HEIGHT + legend) * theme.DPI
    assert png_size(chart.png) == (chart.width_px, chart.height_px) == (width, height)
    assert chart.alt_text.startswith(f"Sales: {count} KPIs")
    assert "KPI 1 $13" in chart.alt_text


def test_render_takes_any_figure_and_caps_the_alt_text():
    fig = Figure(figsize=(2, 1), dpi=100)
    fig.add_axes((0.1, 0.1, 0.8, 0.8)).plot([0, 1], [0, 1])
    chart = render(fig, "x" * 5000)
    assert png_size(chart.png) == (200, 100)
    assert len(chart.alt_text) == ALT_TEXT_LIMIT


def test_rendering_is_deterministic_and_thread_safe():
    series = [PIPELINE, LAYOUT_CASES["band"], PIPELINE]
    alone = [kpi_chart(s).png for s in series]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = [chart.png for chart in pool.map(kpi_chart, series)]
    assert together == alone
    assert alone[0] == alone[2]


def test_charts_leave_matplotlibs_global_settings_alone():
    before = dict(matplotlib.rcParams)
    team_figure(team_series(3), "Sales")
    kpi_figure(PIPELINE)
    assert dict(matplotlib.rcParams) == before


def test_the_package_never_imports_pyplot():
    package = Path(__file__).parents[2] / "charts"
    for source in package.glob("*.py"):
        code = source.read_text(encoding="utf-8")
        assert "pyplot" not in code.replace("(never pyplot)", ""), source.name


# --- alt text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (
            PIPELINE,
            [
                "Qualified pipeline over 7 periods (W40 to W46), higher is better",
                "from $900k to $1.2M",
                "target $4M",
                "pace $3.9M for W46",
                "latest $1.2M is at risk.",
                "No value for W42.",
            ],
        ),
        (make([], name="Signups", target=100.0), ["Signups", "no data yet", "target $100"]),
        (make([None, None], name="NPS"), ["over 2 periods", "no values reported yet"]),
        (make([42.0], unit="deals", status=Status.ON_TRACK), ["for W40", "one value, 42 deals"]),
        (make([5.0] * 4, unit="%"), ["from 5% to 5%"]),
        (make([3.0, 9.0, 1.0, 4.0], unit=None), ["from 3 to 4, ranging 1 to 9"]),
        (
            make([1.0, 2.0, None], status=Status.OFF_TRACK),
            ["latest $2 (W41) is off track", "No value for W42."],
        ),
        (
            make([96.0, 99.5], unit="%", direction=Direction.BAND, band=(95.0, 99.0)),
            ["best within its range", "target range 95% to 99%"],
        ),
        (
            make([1.0, 2.0], direction=Direction.DOWN, status=Status.NO_DATA),
            ["lower is better", "latest $2."],
        ),
        (make([-5e6, -1e12], target=-1e12), ["from -$5M to -$1,000B"]),
        (make([1_000_000, 1_000_002], unit=None), ["from 1,000,000 to 1,000,002"]),
        (
            make([None] * 9 + [1.0, 2.0, 3.0], labels=LABELS),
            ["No value for W40, W41, W42, W43, W44 and 4 more."],
        ),
    ],
)
def test_kpi_alt_text_says_what_the_chart_shows(series, expected):
    text = kpi_alt_text(series)
    for phrase in expected:
        assert phrase in text
    assert len(text) <= ALT_TEXT_LIMIT


def test_alt_text_stays_within_the_limit():
    huge = make([1.0] * 300 + [None] * 300, name="n" * 5000, labels=[f"P{i}" for i in range(600)])
    assert len(kpi_alt_text(huge)) <= ALT_TEXT_LIMIT
    many = [make([1.0, 2.0], name=f"KPI {i} {'x' * 200}", target=3.0) for i in range(40)]
    text = team_alt_text(many, "Everything")
    assert len(text) <= ALT_TEXT_LIMIT
    assert text.startswith("Everything: 40 KPIs (the first 12 shown), 40 at risk.")
    assert text.endswith("more.")


def test_team_alt_text_lists_every_kpi_with_value_status_and_target():
    text = team_alt_text(team_series(4), "Sales")
    assert text == (
        "Sales: 4 KPIs, 1 on track, 1 at risk, 1 off track, 1 no data. "
        "KPI 1 $13, on track (target $20); KPI 2 14%, at risk (target 21%); "
        "KPI 3 15 deals, off track; KPI 4 16 (target 23)."
    )


def _hue(colour: str) -> float:
    import colorsys

    from matplotlib.colors import to_rgb

    return colorsys.rgb_to_hsv(*to_rgb(colour))[0] * 360


@pytest.mark.parametrize(
    ("status", "low", "high"),
    [
        (Status.ON_TRACK, 90, 170),  # green, as the text's :large_green_circle:
        (Status.AT_RISK, 30, 60),  # amber/yellow, as :large_yellow_circle:
        (Status.OFF_TRACK, -15, 15),  # red, as :red_circle:
    ],
)
def test_status_colours_are_the_texts_emoji_colours(status, low, high):
    for palette in (theme.STATUS_COLOURS, theme.STATUS_TEXT_COLOURS):
        hue = _hue(palette[status])
        hue = hue - 360 if hue > 180 else hue
        assert low <= hue <= high, (status, palette[status], hue)
    ax = kpi_figure(make([1, 2], status=status, target=5)).axes[0]
    assert same_color(one(ax, "last").get_markerfacecolor(), theme.STATUS_COLOURS[status])
