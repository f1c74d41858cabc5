"""A team's review rhythm in a config file: imported, exported, checked with line numbers."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from storage import repo

from ..conftest import NOW

FILE = """\
teams:
  - {key: sales, name: Sales, review: "every other Tuesday 10am from 2026-12-01", review_before: 2d}
  - {key: ops, name: Ops, review: first mon 9:30}
  - {key: hr, name: HR}
"""


def test_the_rhythm_is_imported_exported_and_reimported_unchanged(session: Session) -> None:
    apply_config(session, parse_config(FILE, "teams.yml"), actor="cli", now=NOW)
    sales, ops, hr = (repo.get_team(session, key) for key in ("sales", "ops", "hr"))
    assert sales is not None and ops is not None and hr is not None
    assert (sales.review_schedule, sales.review_lead_hours) == (
        "every 2 weeks tue 10:00 from 2026-12-01",
        48,
    )
    assert (ops.review_schedule, ops.review_lead_hours) == ("monthly first mon 09:30", None)
    assert (hr.review_schedule, hr.review_lead_hours) == (None, None)
    exported = export_config(session)
    assert "review: every 2 weeks tue 10:00 from 2026-12-01" in exported
    assert "review_before: 48h" in exported and exported.count("review_before:") == 1
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("every other Tuesday 10am", r"teams.yml:2: .*which week the rhythm starts in"),
        ("every Tuesday", r"teams.yml:2: .*At what time"),
    ],
)
def test_a_bad_rhythm_names_the_line(replacement: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(
            FILE.replace("every other Tuesday 10am from 2026-12-01", replacement), "teams.yml"
        )


def test_a_bad_lead_time_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"teams.yml:2: .*between 0 and 144 hours"):
        parse_config(FILE.replace("review_before: 2d", "review_before: 9d"), "teams.yml")
