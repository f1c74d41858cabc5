"""`/kpi alerts` and `/kpi scorecard` as typed."""

from __future__ import annotations

from datetime import date

import pytest

from commands.parsing import UsageError
from commands.parsing.alerts import AlertsChannel, AlertsList, AlertsSet, ScorecardRequest
from commands.registry import Command, parse

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alerts", AlertsList()),
        ("alert sales", AlertsList("sales")),
        ("alerts <#C0SALES01|sales>", AlertsList("sales")),
        ("alerts set pipeline below:1M", AlertsSet("pipeline", 1_000_000, None, True, False)),
        ("alerts set pipeline above:5% below:2", AlertsSet("pipeline", 2, 5, True, True)),
        ("alerts set pipeline below:off", AlertsSet("pipeline", None, None, True, False)),
        ("alerts set pipeline off", AlertsSet("pipeline", None, None, True, True)),
        ("alerts channel on", AlertsChannel(True)),
        ("alerts channel off sales", AlertsChannel(False, "sales")),
        ("scorecard", ScorecardRequest()),
        ("scorecard sales", ScorecardRequest("sales")),
        ("scorecard sales weeks:8 wide", ScorecardRequest("sales", 8, True)),
        ("scorecard months:6 team:sales", ScorecardRequest("sales", 6)),
        ("scorecard phone", ScorecardRequest()),
    ],
)  # fmt: skip
def test_commands(text: str, expected: Command) -> None:
    assert parse(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alerts set", "Name the KPI first"),
        ("alerts set below:1M", "Name the KPI first"),
        ("alerts set pipeline", "Give a level to alert at"),
        ("alerts set pipeline below:lots", "below:lots is not a number"),
        ("alerts set pipeline under:5", "alert levels are `below:NUMBER`"),
        ("alerts set pipeline below:5 above:1", "Swap them"),
        ("alerts channel", "Say whether the team channel hears alerts"),
        ("alerts channel maybe", "Say whether"),
        ("alerts sales marketing", "at most one team"),
        ("scorecard weeks:0", "from 1 to 53"),
        ("scorecard weeks:54", "from 1 to 53"),
        ("scorecard weeks:many", "whole number"),
        ("scorecard sales marketing", "I don't understand `marketing`"),
    ],
)
def test_mistakes_show_the_usage(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        parse(text, today=TODAY)
    assert "Usage:" in caught.value.message
