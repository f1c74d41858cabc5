"""``goal add|list|show`` and ``goals``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from commands.parsing.fields import GOAL_FIELD_ALIASES, GOAL_FIELDS, add_fields
from commands.parsing.text import closest, fail
from commands.parsing.tokens import Scanner, no_more, reference


@dataclass(frozen=True)
class GoalAdd:
    fields: dict[str, str] | None  # None: open the modal


@dataclass(frozen=True)
class GoalList:
    pass


@dataclass(frozen=True)
class GoalShow:
    key: str


GoalCommand: TypeAlias = GoalAdd | GoalList | GoalShow

_GOAL_SUBCOMMANDS = ("add", "list", "show")


def parse_goal(scanner: Scanner, today: date) -> GoalCommand:
    first = scanner.take()
    if first is None or first.word == "list":
        no_more(scanner.rest(), "/kpi goal list", "goal")
        return GoalList()
    if first.word == "add":
        tokens = scanner.rest()
        aliases = GOAL_FIELD_ALIASES
        fields = add_fields(tokens, GOAL_FIELDS, aliases, "title", "goal add", "goal")
        return GoalAdd(fields or None)
    tokens = scanner.rest()
    if first.word != "show":
        guess = closest(first.word, _GOAL_SUBCOMMANDS) if tokens and first.key is None else None
        if guess:
            raise fail(f"Did you mean `/kpi goal {guess}`?", "goal")
        tokens = [first, *tokens]
    return GoalShow(reference(tokens, "goal show", "/kpi goal show grow-arr", "goal"))


def parse_goals(scanner: Scanner, today: date) -> GoalCommand:
    no_more(scanner.rest(), "/kpi goals", "goal")
    return GoalList()
