from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.formula import FormulaError, parse_formula, render
from core.formula_checks import FormulaKpi, check_formulas, recompute_order

VALUES = {
    "won": 12.0,
    "opportunities": 48.0,
    "lost": 36.0,
    "new-deals": 5.0,
    "new": 100.0,
    "deals": 3.0,
    "7day_active": 70.0,
    "7-day": 7.0,
    "zero": 0.0,
}


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("won / opportunities * 100", 25),
        ("won/opportunities*100", 25),
        ("won - lost", -24),
        ("-won + lost", 24),
        ("--won", 12),
        ("+won", 12),
        ("won - -lost", 48),
        ("2 * (won + lost)", 96),
        ("2 * won + lost", 60),
        ("won / opportunities / 2", 0.125),
        ("100 - won / opportunities * 100", 75),
        ("new-deals", 5),  # a hyphenated key, not new minus deals
        ("new - deals", 97),
        ("1-2", -1),
        ("7day_active / 7", 10),
        ("7-day * 2", 14),
        ("WON", 12),  # keys are case-insensitive
        ("min(won, lost)", 12),
        ("max(won, lost, 40)", 40),
        ("MAX(won, min(lost, 1))", 12),
        (".5 * won", 6),
        ("1e3", 1000),
        ("1.5e-1 * 10", 1.5),
        ("0 * -won", 0),  # never -0.0
    ],
)
def test_values(formula, expected):
    result = parse_formula(formula).evaluate(VALUES, "2026-W49")
    assert result == pytest.approx(expected)
    assert str(result) != "-0.0"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("", "the formula is empty; write one like 'won / opportunities * 100'"),
        ("   ", "the formula is empty"),
        ("won +", "the formula ends too early; expected a KPI key, a number or '('"),
        ("won lost", "unexpected 'lost' at position 5; expected an operator such as + or *"),
        ("(won + lost", "the formula ends too early; expected a closing parenthesis"),
        ("won + lost)", "unexpected ')' at position 11"),
        ("won ^ 2", "'^' at position 5 is not allowed in a formula"),
        ("won % 2", "'%' at position 5 is not allowed"),
        ("__import__(os)", "calls an unknown function; only min(...) and max(...) are available"),
        ("abs(won)", "'abs(' at position 1 calls an unknown function"),
        ("won(2)", "calls an unknown function"),
        ("min(won)", "min() needs at least two values, like min(a, b)"),
        ("max(won, lost", "expected ')' to close max("),
        ("1e999", "the number 1e999 is too large for a formula"),
        ("2.5.1", "not allowed"),
        ("*won", "unexpected '*' at position 1"),
        ("(" * 40 + "1" + ")" * 40, "nests deeper than 30 levels"),
        ("1 + " * 200 + "1", "longer than 500 characters"),
        ("won;", "';' at position 4 is not allowed"),
    ],
)
def test_parse_errors(formula, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("formula", "values", "message"),
    [
        ("won / opportunities", {"opportunities": 3}, "needs a value of 'won' for 2026-W49"),
        ("won / opportunities", {}, "needs values of 'won' and 'opportunities' for 2026-W49"),
        ("won / zero", VALUES, "divides by zero for 2026-W49: zero is 0 there"),
        ("won / (lost - lost)", VALUES, "divides by zero for 2026-W49: lost - lost is 0 there"),
        ("won / 0", VALUES, "divides by zero for 2026-W49: 0 is 0 there"),
        ("1e15 * 1e15", VALUES, "'1e15 * 1e15' gives a result too large to be a KPI value"),
    ],
)
def test_evaluation_errors(formula, values, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula).evaluate(values, "2026-W49")
    assert str(caught.value) == message


def test_inputs_in_order_of_appearance():
    formula = parse_formula("won / (won + lost) * max(lost, new-deals)")
    assert formula.inputs == ("won", "lost", "new-deals")


@pytest.mark.parametrize(
    ("formula", "text"),
    [
        ("won / opportunities * 100", "won / opportunities * 100"),
        ("(won + lost) * 2", "(won + lost) * 2"),
        ("won - (lost - 1)", "won - (lost - 1)"),
        ("won / (lost * 2)", "won / (lost * 2)"),
        ("-(won + lost)", "-(won + lost)"),
        ("min(won,lost)", "min(won, lost)"),
    ],
)
def test_render_round_trips(formula, text):
    tree = parse_formula(formula).tree
    assert render(tree) == text
    assert parse_formula(render(tree)).tree == tree


def assert_only_formula_errors(text):
    try:
        formula = parse_formula(text)
    except FormulaError:
        return
    with contextlib.suppress(FormulaError):
        formula.evaluate(dict.fromkeys(formula.inputs, 1.0), "2026-W49")


@given(st.text(max_size=80))
def test_parser_only_ever_raises_its_own_error(text):
    assert_only_formula_errors(text)


formula_alphabet = st.sampled_from([*list("won+-*/()., 0123456789e"), "min(", "max(", "lost"])


@given(st.lists(formula_alphabet, max_size=40).map("".join))
def test_formula_like_strings_only_raise_formula_errors(text):
    assert_only_formula_errors(text)


# --- import checks ----------------------------------------------------------------------------


def kpis(*entries: FormulaKpi) -> dict[str, FormulaKpi]:
    return {entry.key: entry for entry in entries}


LOGGED = (
    FormulaKpi("won", "deals"),
    FormulaKpi("opportunities", "deals"),
    FormulaKpi("revenue", "USD"),
    FormulaKpi("costs", "USD"),
    FormulaKpi("eur-sales", "EUR"),
    FormulaKpi("margin", "%"),
    FormulaKpi("headcount"),
)


@pytest.mark.parametrize(
    ("entry", "problems"),
    [
        (FormulaKpi("win-rate", "%", "won / opportunities * 100"), []),
        (FormulaKpi("profit", "USD", "revenue - costs"), []),
        (FormulaKpi("per-head", "USD", "revenue / headcount"), []),
        (FormulaKpi("per-deal", "USD", "revenue / won"), []),
        (FormulaKpi("gross", "USD", "revenue * margin / 100"), []),
        (FormulaKpi("ratio", None, "revenue / costs"), []),
        (FormulaKpi("best", "USD", "max(revenue, costs, 0)"), []),
        (
            FormulaKpi("bad", "USD", "revenue + margin"),
            ["bad: the formula adds an amount in USD and a percentage, which cannot be combined"],
        ),
        (
            FormulaKpi("bad", "USD", "revenue - eur-sales"),
            [
                "bad: the formula subtracts an amount in USD and an amount in EUR, which cannot be combined"
            ],
        ),
        (
            FormulaKpi("bad", "USD", "min(revenue, won)"),
            [
                "bad: the formula min() of an amount in USD and a count of deals, which cannot be combined"
            ],
        ),
        (
            FormulaKpi("bad", "USD", "revenue * costs"),
            [
                "bad: the formula multiplies an amount in USD by an amount in USD, which has no unit kpibot can show"
            ],
        ),
        (
            FormulaKpi("bad", None, "won / revenue"),
            [
                "bad: the formula divides a count of deals by an amount in USD, which has no unit kpibot can show"
            ],
        ),
        (
            FormulaKpi("bad", "%", "revenue - costs"),
            [
                "bad: the formula gives an amount in USD but bad is a percentage; change the formula or the KPI's unit"
            ],
        ),
        (
            FormulaKpi("bad", "%", "won / opportunities * 100 +"),
            ["bad: the formula ends too early; expected a KPI key, a number or '('"],
        ),
        (
            FormulaKpi("bad", None, "wins / opportunities"),
            ["bad: the formula uses 'wins', which is not a KPI"],
        ),
        (
            FormulaKpi("bad", None, "revenue-costs"),
            [
                "bad: the formula uses 'revenue-costs', which is not a KPI; to subtract, put spaces around the minus: revenue - costs"
            ],
        ),
        (
            FormulaKpi("bad", None, "bad + 1"),
            [
                "formulas refer to each other in a circle: bad -> bad; at least one of these KPIs "
                "must have its values logged, not computed"
            ],
        ),
    ],
)
def test_import_checks(entry, problems):
    assert check_formulas(kpis(*LOGGED, entry)) == problems


def test_cycles_show_their_path_once():
    problems = check_formulas(
        kpis(
            FormulaKpi("a", None, "b + 1"),
            FormulaKpi("b", None, "c * 2"),
            FormulaKpi("c", None, "a - won"),
            FormulaKpi("d", None, "a + 1"),  # reads the circle but is not part of it
            FormulaKpi("won"),
        )
    )
    assert problems == [
        "formulas refer to each other in a circle: a -> b -> c -> a; at least one of these "
        "KPIs must have its values logged, not computed"
    ]


def test_logged_kpis_without_formulas_are_fine():
    assert check_formulas(kpis(*LOGGED)) == []


def test_recompute_order_puts_inputs_first():
    formulas = {
        "rate": parse_formula("won / opportunities * 100"),
        "score": parse_formula("rate * weight"),
        "double": parse_formula("score * 2 + rate"),
        "other": parse_formula("lost + 1"),
    }
    assert recompute_order("won", formulas) == ["rate", "score", "double"]
    assert recompute_order("weight", formulas) == ["score", "double"]
    assert recompute_order("lost", formulas) == ["other"]
    assert recompute_order("nothing", formulas) == []


@pytest.mark.parametrize(
    ("formula", "inputs"),
    [
        ("7-day", ("7-day",)),
        ("7 - day", ("day",)),
        ("1-2", ()),
        ("1e3-x", ("1e3-x",)),
        ("won-lost", ("won-lost",)),
        ("30d_churn * 2", ("30d_churn",)),
    ],
)
def test_hyphens_between_word_characters_belong_to_keys(formula, inputs):
    assert parse_formula(formula).inputs == inputs
