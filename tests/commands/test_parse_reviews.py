"""`/kpi review`, `/kpi actions` and `/kpi health` as typed."""

from __future__ import annotations

from datetime import date

import pytest

from commands.parsing import Actions, Health, Review, UsageError
from commands.registry import Command, parse

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("review", Review()),
        ("reviews sales", Review("status", "sales")),
        ("review start", Review("start")),
        ("review open <#C0SALES01|sales>", Review("start", "sales")),
        ("review close team:sales", Review("close", "sales")),
        ("review schedule every other Tue 10:00", Review("schedule", None, "every other Tue 10:00")),
        ("review schedule team:sales first mon 9:30 before:48h",
         Review("schedule", "sales", "first mon 9:30", 48)),
        ("review schedule weekly fri 16:00 before:2d", Review("schedule", None, "weekly fri 16:00", 48)),
        ("review schedule off", Review("schedule", None, "off")),
        ("actions", Actions()),
        ("actions sales", Actions("sales")),
        ("actions <#C0SALES01|sales>", Actions("sales")),
        ("actions mine", Actions(mine=True)),
        ("actions done 12", Actions(done=12)),
        ("actions done #12", Actions(done=12)),
        ("health", Health()),
        ("health company", Health()),
        ("health Sales", Health("sales")),
    ],
)  # fmt: skip
def test_commands(text: str, expected: Command) -> None:
    assert parse(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("review start sales now", "takes nothing more"),
        ("review schedule", "needs the rhythm"),
        ("review schedule tue 10:00 before:soon", "takes hours or days"),
        ("review schedule tue 10:00 at:10", "has no field `at`"),
        ("actions done", "the number of one item"),
        ("actions sales marketing", "at most one team"),
        ("health sales marketing", "at most one team"),
    ],
)
def test_mistakes_show_the_usage(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        parse(text, today=TODAY)
    assert "Usage:" in caught.value.message


def test_help_topics() -> None:
    for word in ("review", "actions", "health"):
        assert parse(f"help {word}", today=TODAY) == parse(f"{word} help", today=TODAY)
