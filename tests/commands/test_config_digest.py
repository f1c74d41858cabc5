"""A team's digest day and time in a config file: imported, exported, checked with line numbers."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from storage import repo

from ..conftest import NOW

FILE = """\
teams:
  - {key: sales, name: Sales, timezone: America/New_York, digest: Friday 4pm}
  - {key: ops, name: Ops}
"""


def test_the_digest_time_is_imported_exported_and_reimported_unchanged(session: Session) -> None:
    apply_config(session, parse_config(FILE, "teams.yml"), actor="cli", now=NOW)
    sales, ops = repo.get_team(session, "sales"), repo.get_team(session, "ops")
    assert sales is not None and ops is not None
    assert (sales.digest_weekday, sales.digest_time) == (4, time(16))
    assert (ops.digest_weekday, ops.digest_time) == (None, None)
    exported = export_config(session)
    assert "digest: fri 16:00" in exported
    assert exported.count("digest:") == 1  # the default is not written out
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed
    apply_config(session, parse_config(FILE.replace(", digest: Friday 4pm", ""), "t.yml"),
                 actor="cli", now=NOW)  # fmt: skip
    assert (sales.digest_weekday, sales.digest_time) == (None, None)  # back to Monday 09:00


def test_a_bad_digest_time_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"teams.yml:2: .*'someday' is not a weekday"):
        parse_config(FILE.replace("Friday 4pm", "someday 10:00"), "teams.yml")
