"""Checks for formula KPIs at config import, and the order to recompute them in.

Unit rule (:func:`check_formulas`, at config import). Every operand has a unit: a KPI's unit
(None is a plain number), while a number written in the formula takes whatever unit it meets.

* ``+``, ``-``, ``min`` and ``max`` need the same unit on every side: adding a currency to a
  percentage, or USD to EUR, is refused.
* ``*``: a plain number or a percentage may scale anything; two other units (USD * USD) are
  refused, as kpibot has no unit for their product.
* ``/``: equal units cancel into a plain ratio (``won / opportunities``); dividing by a plain
  number, a percentage or a count unit keeps the left unit (revenue per deal is still USD);
  dividing by a currency that is not the left's own is refused (there is no "per USD" unit).
* The result must fit the formula KPI: a plain result fits any unit (a ratio times 100 is a
  percentage), a result with a unit must be the KPI's unit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from core.formula import (
    Binary,
    Call,
    Formula,
    FormulaError,
    Key,
    Negate,
    Node,
    Number,
    parse_formula,
)
from core.values import CURRENCY_SYMBOLS, PERCENT, canonical_unit


@dataclass(frozen=True)
class FormulaKpi:
    """What the import checks need to know of every KPI (formula None for a logged KPI)."""

    key: str
    unit: str | None = None
    formula: str | None = None


def check_formulas(kpis: Mapping[str, FormulaKpi]) -> list[str]:
    """Every problem with the formula KPIs among ``kpis`` (keyed by KPI key); empty when fine.

    Finds formulas that do not parse, read KPIs that do not exist, refer to each other in a
    circle (the message shows the path, ``a -> b -> a``), or mix units (module docstring).
    """
    problems: list[str] = []
    parsed: dict[str, Formula] = {}
    for key, kpi in kpis.items():
        if kpi.formula is None:
            continue
        try:
            parsed[key] = parse_formula(kpi.formula)
        except FormulaError as error:
            problems.append(f"{key}: {error}")
    sound: dict[str, Formula] = {}
    for key, formula in parsed.items():
        unknown = [name for name in formula.inputs if name not in kpis]
        for name in unknown:
            problems.append(
                f"{key}: the formula uses '{name}', which is not a KPI{_hint(name, kpis)}"
            )
        if not unknown:
            sound[key] = formula
    for cycle in _cycles({key: formula.inputs for key, formula in sound.items()}):
        problems.append(
            f"formulas refer to each other in a circle: {' -> '.join(cycle)}; "
            "at least one of these KPIs must have its values logged, not computed"
        )
    units = {key: canonical_unit(kpi.unit) for key, kpi in kpis.items()}
    for key, formula in sound.items():
        try:
            result = _unit_of(formula.tree, units)
        except FormulaError as error:
            problems.append(f"{key}: {error}")
            continue
        expected = units[key]
        if result not in (_ANY, None) and result != expected:
            problems.append(
                f"{key}: the formula gives {_unit_name(result)} but {key} is "
                f"{_unit_name(expected)}; change the formula or the KPI's unit"
            )
    return problems


def recompute_order(changed: str, formulas: Mapping[str, Formula]) -> list[str]:
    """The formula KPIs to recompute, in order, after ``changed`` got a new value.

    Every formula that reads ``changed`` directly or through other formulas comes after all of
    its own inputs. Assumes :func:`check_formulas` found no cycle.
    """
    readers: dict[str, list[str]] = {}
    for key, formula in formulas.items():
        for name in formula.inputs:
            readers.setdefault(name, []).append(key)
    affected: set[str] = set()
    pending = [changed]
    while pending:
        for reader in readers.get(pending.pop(), []):
            if reader not in affected:
                affected.add(reader)
                pending.append(reader)
    ordered: list[str] = []

    def place(key: str) -> None:
        if key in ordered:
            return
        for name in formulas[key].inputs:
            if name in affected:
                place(name)
        ordered.append(key)

    for key in sorted(affected):
        place(key)
    return ordered


# --- units ------------------------------------------------------------------------------------

_ANY = "a number written in the formula"  # takes the unit of whatever it meets


def _unit_of(node: Node, units: Mapping[str, str | None]) -> str | None:
    match node:
        case Number():
            return _ANY
        case Key(key):
            return units.get(key)
        case Negate(operand):
            return _unit_of(operand, units)
        case Call(function, arguments):
            return _same([_unit_of(argument, units) for argument in arguments], f"{function}() of")
        case Binary(operator, left, right):
            a, b = _unit_of(left, units), _unit_of(right, units)
            if operator in "+-":
                return _same([a, b], "adds" if operator == "+" else "subtracts")
            if operator == "*":
                return _product(a, b)
            return _quotient(a, b)
    raise AssertionError(f"unknown node {node!r}")


def _same(found: list[str | None], verb: str) -> str | None:
    distinct = list(dict.fromkeys(unit for unit in found if unit != _ANY))
    if len(distinct) > 1:
        mixed = " and ".join(_unit_name(unit) for unit in distinct)
        raise FormulaError(f"the formula {verb} {mixed}, which cannot be combined")
    return distinct[0] if distinct else _ANY


def _product(a: str | None, b: str | None) -> str | None:
    if a == _ANY:
        return b
    if b == _ANY:
        return a
    if a in (None, PERCENT):
        return b
    if b in (None, PERCENT):
        return a
    raise FormulaError(
        f"the formula multiplies {_unit_name(a)} by {_unit_name(b)}, which has no unit "
        "kpibot can show"
    )


def _quotient(a: str | None, b: str | None) -> str | None:
    if a == b and a != _ANY:
        return None  # a ratio of like quantities is a plain number
    if b in CURRENCY_SYMBOLS:
        raise FormulaError(
            f"the formula divides {_unit_name(a)} by {_unit_name(b)}, which has no unit "
            "kpibot can show"
        )
    return a


def _unit_name(unit: str | None) -> str:
    if unit == _ANY:
        return _ANY
    if unit is None:
        return "a plain number"
    if unit == PERCENT:
        return "a percentage"
    if unit in CURRENCY_SYMBOLS:
        return f"an amount in {unit}"
    return f"a count of {unit}"


# --- checks -----------------------------------------------------------------------------------


def _hint(name: str, kpis: Mapping[str, FormulaKpi]) -> str:
    parts = name.split("-")
    if len(parts) > 1 and all(part in kpis for part in parts):
        return f"; to subtract, put spaces around the minus: {' - '.join(parts)}"
    return ""


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """Each circle of formulas once, as a path that starts and ends at the same key."""
    found: list[list[str]] = []
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(graph.get(root, ())))]
        path.append(root)
        on_path.add(root)
        while stack:
            key, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(key)
                done.add(key)
            elif child in on_path:
                found.append([*path[path.index(child) :], child])
            elif child not in done and child in graph:
                stack.append((child, iter(graph[child])))
                path.append(child)
                on_path.add(child)
    return found
