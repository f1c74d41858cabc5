"""Formula KPIs: a KPI computed from other KPIs' values for the same period.

Grammar (a hand-written tokenizer and recursive-descent parser; nothing is ever ``eval``-ed)::

    formula := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | primary
    primary := NUMBER | KEY | ("min" | "max") "(" formula ("," formula)* ")" | "(" formula ")"

* NUMBER is decimal, optionally with an exponent: ``100``, ``0.5``, ``.5``, ``1e3``.
* KEY is a KPI key: letters, digits, ``_`` and ``-`` (case-insensitive). A hyphen between two
  word characters belongs to the key, so ``new-deals`` is one key; to subtract, put spaces
  around the minus: ``won - lost``. Keys may start with digits (``7-day``, ``30d_churn``);
  between two numbers a ``-`` subtracts (``1-2``).
* Formulas are at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels deep.

Import checks (unknown keys, circles, units) live in :mod:`core.formula_checks`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from core.values import MAX_ABS_VALUE

MAX_LENGTH = 500
MAX_DEPTH = 30
FUNCTIONS = ("min", "max")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?![A-Za-z0-9_.]|-[A-Za-z_])
  | (?P<key>[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)
  | (?P<symbol>[-+*/(),])
  | (?P<other>.)
    """,
    re.VERBOSE,
)


class FormulaError(ValueError):
    """A formula that cannot be read, checked or computed; the message says what to change."""


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Key:
    key: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    operator: str  # one of + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str  # one of FUNCTIONS
    arguments: tuple[Node, ...]


Node: TypeAlias = Number | Key | Negate | Binary | Call


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node

    @property
    def inputs(self) -> tuple[str, ...]:
        """The KPI keys the formula reads, in order of first appearance."""
        return tuple(dict.fromkeys(_keys(self.tree)))

    def evaluate(self, values: Mapping[str, float], period_key: str) -> float:
        """The formula's value from ``values`` (KPI key -> value) for the period ``period_key``.

        Raises FormulaError when an input has no value, on a division by zero, or when the
        result is too large to be a KPI value.
        """
        missing = [key for key in self.inputs if key not in values]
        if missing:
            names = " and ".join(f"'{key}'" for key in missing)
            plural = "values" if len(missing) > 1 else "a value"
            raise FormulaError(f"needs {plural} of {names} for {period_key}")
        result = _evaluate(self.tree, values, period_key)
        if not math.isfinite(result) or abs(result) > MAX_ABS_VALUE:
            raise FormulaError(f"'{self.text}' gives a result too large to be a KPI value")
        return result + 0.0  # + 0.0 turns -0.0 into 0.0


def parse_formula(text: str) -> Formula:
    """Read a formula; raises FormulaError quoting the part that is wrong."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text like 'won / opportunities * 100', not {text!r}")
    cleaned = text.strip()
    if not cleaned:
        raise FormulaError("the formula is empty; write one like 'won / opportunities * 100'")
    if len(cleaned) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters; simplify it")
    return Formula(cleaned, _Parser(_tokenize(cleaned)).parse())


def render(node: Node) -> str:
    """A node written back as text, with parentheses only where the order needs them."""
    match node:
        case Number(value):
            return f"{value:g}"
        case Key(key):
            return key
        case Negate(operand):
            inner = render(operand)
            return f"-({inner})" if isinstance(operand, Binary) else f"-{inner}"
        case Call(function, arguments):
            return f"{function}({', '.join(render(argument) for argument in arguments)})"
        case Binary(operator, left, right):
            strong = operator in "*/"
            left_text = render(left)
            if strong and isinstance(left, Binary) and left.operator in "+-":
                left_text = f"({left_text})"
            right_text = render(right)
            if isinstance(right, Binary) and (strong or right.operator in "+-"):
                right_text = f"({right_text})"
            return f"{left_text} {operator} {right_text}"


# --- tokens and parsing -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # number, key, symbol, end
    text: str
    at: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        if kind == "space":
            continue
        if kind == "other":
            raise FormulaError(
                f"'{match.group()}' at position {match.start() + 1} is not allowed in a "
                "formula; use KPI keys, numbers, + - * /, parentheses, min() and max()"
            )
        tokens.append(_Token(kind, match.group(), match.start()))
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._at = 0
        self._depth = 0

    def parse(self) -> Node:
        tree = self._formula()
        if self._peek().kind != "end":
            raise self._unexpected("an operator such as + or *")
        return tree

    def _peek(self) -> _Token:
        return self._tokens[self._at]

    def _next(self) -> _Token:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _formula(self) -> Node:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FormulaError(f"the formula nests deeper than {MAX_DEPTH} levels; simplify it")
        node = self._term()
        while self._peek().text in ("+", "-"):
            operator = self._next().text
            node = Binary(operator, node, self._term())
        self._depth -= 1
        return node

    def _term(self) -> Node:
        node = self._unary()
        while self._peek().text in ("*", "/"):
            operator = self._next().text
            node = Binary(operator, node, self._unary())
        return node

    def _unary(self) -> Node:
        signs = 0
        while self._peek().text in ("-", "+"):
            signs += self._next().text == "-"
            if signs > MAX_DEPTH:
                raise FormulaError(f"the formula has more than {MAX_DEPTH} signs in a row")
        node = self._primary()
        return Negate(node) if signs % 2 else node

    def _primary(self) -> Node:
        token = self._peek()
        if token.kind == "number":
            self._next()
            value = float(token.text)
            if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
                raise FormulaError(f"the number {token.text} is too large for a formula")
            return Number(value)
        if token.kind == "key":
            self._next()
            if self._peek().text == "(":
                return self._call(token)
            return Key(token.text.lower())
        if token.text == "(":
            self._next()
            inner = self._formula()
            self._expect(")", "a closing parenthesis")
            return inner
        raise self._unexpected("a KPI key, a number or '('")

    def _call(self, name: _Token) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise FormulaError(
                f"'{name.text}(' at position {name.at + 1} calls an unknown function; only "
                "min(...) and max(...) are available (use * for multiplication)"
            )
        self._next()  # the "("
        arguments = [self._formula()]
        while self._peek().text == ",":
            self._next()
            arguments.append(self._formula())
        self._expect(")", f"')' to close {function}(")
        if len(arguments) < 2:
            raise FormulaError(f"{function}() needs at least two values, like {function}(a, b)")
        return Call(function, tuple(arguments))

    def _expect(self, text: str, what: str) -> None:
        if self._peek().text != text:
            raise self._unexpected(what)
        self._next()

    def _unexpected(self, wanted: str) -> FormulaError:
        token = self._peek()
        if token.kind == "end":
            return FormulaError(f"the formula ends too early; expected {wanted}")
        return FormulaError(
            f"unexpected '{token.text}' at position {token.at + 1}; expected {wanted}"
        )


# --- evaluation -------------------------------------------------------------------------------


def _keys(node: Node) -> Iterator[str]:
    match node:
        case Key(key):
            yield key
        case Negate(operand):
            yield from _keys(operand)
        case Binary(_, left, right):
            yield from _keys(left)
            yield from _keys(right)
        case Call(_, arguments):
            for argument in arguments:
                yield from _keys(argument)


def _evaluate(node: Node, values: Mapping[str, float], period_key: str) -> float:
    match node:
        case Number(value):
            return value
        case Key(key):
            return float(values[key])
        case Negate(operand):
            return -_evaluate(operand, values, period_key)
        case Call(function, arguments):
            results = [_evaluate(argument, values, period_key) for argument in arguments]
            return min(results) if function == "min" else max(results)
        case Binary(operator, left, right):
            a = _evaluate(left, values, period_key)
            b = _evaluate(right, values, period_key)
            if operator == "+":
                return a + b
            if operator == "-":
                return a - b
            if operator == "*":
                return a * b
            if b == 0:
                raise FormulaError(f"divides by zero for {period_key}: {render(right)} is 0 there")
            return a / b
    raise AssertionError(f"unknown node {node!r}")
