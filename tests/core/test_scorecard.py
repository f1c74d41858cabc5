from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cadence import parse_period
from core.kinds import Cadence, Direction
from core.scorecard import (
    LEGEND,
    Mark,
    Scorecard,
    ScorecardKpi,
    build_scorecard,
    format_cell,
    render_phone,
    render_wide,
    short_label,
)
from core.targets import parse_targets

W, M, Q = Cadence.WEEKLY, Cadence.MONTHLY, Cadence.QUARTERLY
UP, DOWN, BAND = Direction.UP, Direction.DOWN, Direction.BAND
TODAY = date(2026, 12, 2)  # in 2026-W49, December, Q4


def weekly(key, values, target=None, **fields):
    targets = parse_targets(fields.pop("targets", None), W, fallback=target)
    return ScorecardKpi(
        key,
        fields.pop("name", key.title()),
        W,
        fields.pop("direction", UP),
        values,
        targets,
        **fields,
    )


def test_grid_of_trailing_weeks():
    kpi = weekly(
        "deals",
        {"2026-W47": 5, "2026-W48": 9, "2026-W49": 10, "2026-W30": 100},  # W30 is outside the grid
        target=8,
        targets={"2026-W49": 12},  # a seasonal target for the last week
        unit="deals",
    )
    (grid,) = build_scorecard([kpi], today=TODAY, count=4).grids
    assert [p.key for p in grid.periods] == ["2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    (row,) = grid.rows
    assert [(c.text, c.target, c.mark) for c in row.cells] == [
        ("–", 8, Mark.NO_VALUE),
        ("5 deals", 8, Mark.MISSED),
        ("9 deals", 8, Mark.MET),
        ("10 deals", 12, Mark.MISSED),
    ]
    assert row.goal == "≥12 deals"
    assert row.average == pytest.approx(8) and row.average_text == "8 deals"
    assert row.total == 24 and row.total_text == "24 deals"
    assert [c.plain for c in row.cells] == ["–", "5", "9", "10"]


@pytest.mark.parametrize(
    ("cadence", "count", "first", "last"),
    [
        (W, None, "2026-W37", "2026-W49"),
        (M, None, "2026-01", "2026-12"),
        (Q, None, "2025-Q1", "2026-Q4"),
        (Cadence.DAILY, None, "2026-11-19", "2026-12-02"),
        (Cadence.BIWEEKLY, 2, "2026-B47", "2026-B49"),
        (M, 13, "2025-12", "2026-12"),
    ],
)
def test_default_and_chosen_period_counts(cadence, count, first, last):
    kpi = ScorecardKpi("k", "K", cadence, UP, {})
    (grid,) = build_scorecard([kpi], today=TODAY, count=count).grids
    assert (grid.periods[0].key, grid.periods[-1].key) == (first, last)
    assert len(grid.periods) == (count or {W: 13, M: 12, Q: 8, Cadence.DAILY: 14}[cadence])


@pytest.mark.parametrize("count", [0, 54, -1])
def test_period_count_out_of_range_is_refused(count):
    with pytest.raises(ValueError, match="a scorecard shows 1 to 53 periods"):
        build_scorecard([], today=TODAY, count=count)


def test_mixed_cadences_give_one_grid_each_in_cadence_order():
    kpis = [
        ScorecardKpi("m", "M", M, UP, {}),
        ScorecardKpi("w", "W", W, UP, {}),
        ScorecardKpi("w2", "W2", W, UP, {}),
    ]
    grids = build_scorecard(kpis, today=TODAY).grids
    assert [(g.cadence, [r.key for r in g.rows]) for g in grids] == [(W, ["w", "w2"]), (M, ["m"])]


@pytest.mark.parametrize(
    ("kpi", "marks", "goal", "total"),
    [
        (
            weekly("cost", {"2026-W48": 5, "2026-W49": 7}, 6, direction=DOWN, unit="USD"),
            ["met", "missed"],
            "≤$6",
            "$12",
        ),
        (weekly("rate", {"2026-W48": 5, "2026-W49": 7}, 6, unit="%"), ["missed", "met"], "≥6%", ""),
        (
            weekly(
                "up",
                {"2026-W48": 98, "2026-W49": 101},
                direction=BAND,
                band_low=95,
                band_high=100,
                unit="%",
            ),
            ["met", "missed"],
            "95%–100%",
            "",
        ),
        (
            weekly("nps", {"2026-W48": 5, "2026-W49": 7}, summable=False),
            ["no_target", "no_target"],
            "–",
            "",
        ),
        (weekly("plain", {"2026-W48": 5, "2026-W49": 7}), ["no_target", "no_target"], "–", "12"),
        (weekly("none", {}, 3), ["no_value", "no_value"], "≥3", ""),
    ],
)
def test_marks_goals_and_totals(kpi, marks, goal, total):
    (row,) = build_scorecard([kpi], today=TODAY, count=2).grids[0].rows
    assert [c.mark.value for c in row.cells] == marks
    assert (row.goal, row.total_text) == (goal, total)


def test_empty_values_average_shows_a_dash():
    (row,) = build_scorecard([weekly("none", {}, 3)], today=TODAY, count=2).grids[0].rows
    assert (row.average, row.average_text, row.total) == (None, "–", None)


@pytest.mark.parametrize(
    ("value", "unit", "precision", "text"),
    [
        (1_234_567, "USD", None, "$1.23M"),
        (1_234_567, "USD", 0, "$1,234,567"),
        (12.345, "%", 1, "12.3%"),
        (-3.14159, None, 2, "-3.14"),
        (-0.001, None, 1, "0.0"),
        (5, "deals", 0, "5 deals"),
        (0.5, "eur", 2, "€0.50"),
    ],
)
def test_format_cell(value, unit, precision, text):
    assert format_cell(value, unit, precision) == text


@pytest.mark.parametrize(
    ("cadence", "key", "label"),
    [
        (W, "2026-W49", "W49"),
        (Cadence.BIWEEKLY, "2026-B47", "B47"),
        (M, "2026-12", "Dec"),
        (Q, "2026-Q4", "Q4"),
        (Cadence.DAILY, "2026-12-06", "6 Dec"),
    ],
)
def test_short_labels(cadence, key, label):
    assert short_label(parse_period(cadence, key)) == label


SMALL = [
    weekly("revenue", {"2026-W47": 1.1e6, "2026-W48": 1.25e6}, 1.2e6, unit="USD"),
    weekly(
        "win-rate",
        {"2026-W48": 24, "2026-W49": 26.5},
        25,
        name="Win rate of qualified opportunities",
        unit="%",
        precision=1,
    ),
]


def test_wide_text():
    text = render_wide(build_scorecard(SMALL, today=TODAY, count=3))
    assert text == (
        "Weekly scorecard · 2026-W47 to 2026-W49\n"
        "KPI                   W47    W48   W49    Goal     Avg   Total\n"
        "Revenue             1.1M✗ 1.25M✓     –  ≥$1.2M  $1.18M  $2.35M\n"
        "Win rate of quali…      –  24.0✗ 26.5✓  ≥25.0%   25.2%\n"
        f"{LEGEND}"
    )


def test_phone_text():
    text = render_phone(build_scorecard(SMALL, today=TODAY, count=3))
    assert text == (
        "Weekly scorecard · 2026-W47 to 2026-W49\n"
        "\n"
        "Revenue                      goal ≥$1.2M\n"
        "avg $1.18M · total $2.35M\n"
        "W47 $1.1M✗   W48 $1.25M✓  W49 –\n"
        "\n"
        "Win rate of qualified oppor… goal ≥25.0%\n"
        "avg 25.2%\n"
        "W47 –       W48 24.0%✗  W49 26.5%✓\n"
        f"{LEGEND}"
    )


def test_no_kpis():
    assert render_phone(Scorecard(())) == render_wide(Scorecard(())) == "No KPIs to show."


names = st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs"]), min_size=1, max_size=60)
amounts = st.floats(-1e12, 1e12, allow_nan=False)


@given(
    st.lists(
        st.tuples(
            names,
            st.lists(amounts, min_size=13, max_size=13),
            st.sampled_from([None, "USD", "%", "deals"]),
            st.sampled_from([None, 0, 2]),
        ),
        min_size=1,
        max_size=7,
    ),
    st.floats(-1e12, 1e12, allow_nan=False),
)
def test_phone_text_never_exceeds_forty_columns(rows, target):
    keys = [p.key for p in build_scorecard([weekly("x", {})], today=TODAY).grids[0].periods]
    kpis = [
        weekly(
            f"k{i}",
            dict(zip(keys, values, strict=True)),
            target,
            name=name,
            unit=unit,
            precision=precision,
        )
        for i, (name, values, unit, precision) in enumerate(rows)
    ]
    text = render_phone(build_scorecard(kpis, today=TODAY))
    assert max(len(line) for line in text.splitlines()) <= 40
    wide = render_wide(build_scorecard(kpis, today=TODAY))
    assert len(wide.splitlines()) == 1 + 1 + len(kpis) + 1  # title, header, rows, legend


def test_thirteen_weeks_of_money_fit_a_desktop_code_block():
    keys = [p.key for p in build_scorecard([weekly("x", {})], today=TODAY).grids[0].periods]
    kpi = weekly(
        "revenue",
        {key: 1.1e6 + i * 2.3e4 for i, key in enumerate(keys)},
        1.2e6,
        name="Revenue booked in the quarter",
        unit="USD",
    )
    lines = render_wide(build_scorecard([kpi], today=TODAY)).splitlines()
    assert max(len(line) for line in lines) <= 135
    assert lines[2].startswith("Revenue booked in…  1.1M✗ 1.12M✗")
