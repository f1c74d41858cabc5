"""The README and the help text cannot drift from the code."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli import _parser
from bot.settings import Settings
from commands.registry import SUBCOMMANDS, USAGE, help_text

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_subcommand_is_in_the_help_and_the_readme() -> None:
    text = help_text()
    for word in SUBCOMMANDS:
        assert word in USAGE, f"{word} has no usage line"
        assert f"/kpi {word}" in text, f"/kpi help does not mention {word}"
        assert f"/kpi {word}" in README, f"README does not mention /kpi {word}"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    variables = {str(field.validation_alias) for field in Settings.model_fields.values()}
    assert variables == documented


def _cli_commands(parser: argparse.ArgumentParser, prefix: str = "kpibot") -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.add(f"{prefix} {name}")
                found |= _cli_commands(sub, f"{prefix} {name}")
    return found


def test_every_cli_command_is_documented() -> None:
    commands = _cli_commands(_parser())
    assert "kpibot migrate" in commands
    for command in commands:
        if command != "kpibot values":  # only its subcommands are used on their own
            assert f"`{command}" in README, f"README does not document {command}"
