"""The registry drives parsing, dispatch and help; the README's command table agrees with it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from commands.registry import ENTRIES, SUBCOMMANDS, USAGE, entry_for, help_text, parse

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _command_table() -> list[str]:
    """The first cell of each row of the README's table of `/kpi` commands."""
    section = README.split("## Using kpibot in Slack", 1)[1].split("\n## ", 1)[0]
    return [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `/kpi")]


def test_the_readme_table_has_a_row_for_every_subcommand_and_none_other() -> None:
    rows = _command_table()
    named = {word for row in rows for word in re.findall(r"/kpi ([a-z0-9]+)", row)}
    known = {word for entry in ENTRIES for word in entry.words}
    assert named <= known, f"README names subcommands that do not exist: {named - known}"
    for word in SUBCOMMANDS:
        assert any(f"/kpi {word}" in row for row in rows), f"README table lacks /kpi {word}"


def test_the_help_lists_every_subcommand_with_its_examples() -> None:
    overview = help_text()
    for entry in ENTRIES:
        assert f"/kpi {entry.topic}" in overview or entry.topic == "goal"
        assert help_text(entry.topic) == USAGE[entry.topic]
        for example in entry.examples:
            assert f"`{example}`" in help_text(entry.topic)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.topic for entry in ENTRIES])
def test_each_example_parses_to_a_command_its_own_entry_handles(entry) -> None:
    for example in entry.examples:
        typed = re.sub(r"@([a-z]+)", lambda m: f"<@U0{m[1].upper()}01>", example)  # as Slack sends
        command = parse(typed.removeprefix("/kpi "), today=date(2026, 11, 26))
        assert entry_for(command) is entry, example
