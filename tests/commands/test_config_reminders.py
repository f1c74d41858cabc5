"""A team's reminder settings in a config file: imported, exported, checked with line numbers."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from commands.context import Policy
from commands.reminders.planner import team_settings
from storage import repo

from ..conftest import NOW

FILE = """\
teams:
  - key: sales
    name: Sales
    timezone: America/New_York
    reminder_time: 9:30
    working_hours: 08:00 - 16:30
    workdays: sun-thu
    follow_up: 36h
    max_reminders: 3
  - {key: ops, name: Ops}
"""


def test_team_reminder_settings_are_imported_and_used(session: Session) -> None:
    apply_config(session, parse_config(FILE, "teams.yml"), actor="cli", now=NOW)
    team = repo.get_team(session, "sales")
    assert team is not None
    assert (team.reminder_time, team.working_hours_start, team.working_hours_end) == (
        time(9, 30), time(8), time(16, 30),
    )  # fmt: skip
    assert (team.workdays, team.follow_up_minutes, team.max_reminders) == ("01236", 2160, 3)

    settings = team_settings(team, Policy())
    assert settings.rules.reminder_time == time(9, 30)
    assert settings.rules.follow_up_after == timedelta(hours=36)
    assert settings.rules.max_reminders == 3
    assert settings.days == frozenset({6, 0, 1, 2, 3})
    ops = team_settings(repo.get_team(session, "ops"), Policy())
    assert ops.rules == team_settings(None, Policy()).rules  # left out: the defaults


def test_export_writes_them_back_and_reimporting_changes_nothing(session: Session) -> None:
    apply_config(session, parse_config(FILE, "teams.yml"), actor="cli", now=NOW)
    exported = export_config(session)
    for line in ("reminder_time: 09:30", "working_hours: 08:00-16:30", "workdays: sun-thu",
                 "follow_up: 1d12h", "max_reminders: 3"):  # fmt: skip
        assert line in exported
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed


def test_leaving_a_setting_out_goes_back_to_the_default(session: Session) -> None:
    apply_config(session, parse_config(FILE, "teams.yml"), actor="cli", now=NOW)
    plain = "teams:\n  - {key: sales, name: Sales, timezone: America/New_York}\n"
    apply_config(session, parse_config(plain, "teams.yml"), actor="cli", now=NOW)
    team = repo.get_team(session, "sales")
    assert team is not None and team.reminder_time is None and team.max_reminders is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("reminder_time: 25:00", "teams.yml:3: .*not a time of day"),
        ("working_hours: 17:00-09:00", "teams.yml:3: .*ends before it starts"),
        ("workdays: weekdays", "teams.yml:3: .*not a list of weekdays"),
        ("follow_up: 5m", "teams.yml:3: .*at least 10m"),
        ("max_reminders: 0", "teams.yml:3: .*whole number from 1 to 10"),
    ],
)
def test_bad_settings_name_the_line(line: str, message: str) -> None:
    text = f"teams:\n  - key: sales\n    {line}\n    name: Sales\n"
    with pytest.raises(ConfigError, match=message):
        parse_config(text, "teams.yml")
