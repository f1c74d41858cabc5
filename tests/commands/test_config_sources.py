"""A KPI's pull source, confirm and pull_after in a config file: imported, exported, checked."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from storage import repo

from ..conftest import NOW

FILE = """\
kpis:
  - key: pipeline
    name: Pipeline
    owner: U0ALICE01
    cadence: weekly
    target: 1
    unit: USD
    source:
      sql:
        url_env: WAREHOUSE_URL
        query: "select sum(amount) from deals where closed_at >= :period_start"
    confirm: true
    pull_after: 90m
  - key: signups
    name: Signups
    owner: U0ALICE01
    cadence: weekly
    target: 1
    source: {csv: {url: "http://127.0.0.1:8000/s.csv", cell: b7, timeout: 10}}
  - key: nps
    name: NPS
    owner: U0ALICE01
    cadence: monthly
    target: 1
"""


def test_sources_are_imported_exported_and_reimported_unchanged(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    pipeline, signups, nps = (repo.get_kpi(session, k) for k in ("pipeline", "signups", "nps"))
    assert pipeline is not None and signups is not None and nps is not None
    assert json.loads(pipeline.source_spec or "") == {
        "sql": {
            "url_env": "WAREHOUSE_URL",
            "query": "select sum(amount) from deals where closed_at >= :period_start",
        }
    }
    assert (pipeline.confirm_pulls, pipeline.pull_after_minutes) == (True, 90)
    assert json.loads(signups.source_spec or "") == {
        "csv": {"url": "http://127.0.0.1:8000/s.csv", "cell": "B7", "timeout": 10}
    }
    assert (signups.confirm_pulls, signups.pull_after_minutes) == (False, None)
    assert (nps.source_spec, nps.confirm_pulls) == (None, False)
    exported = export_config(session)
    assert "pull_after: 1h30m" in exported and exported.count("confirm:") == 1
    assert "WAREHOUSE_URL" in exported
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed
    # Leaving the fields out takes the source away again.
    plain = (
        FILE.split("    source:\n")[0]
        + "  - {key: signups, name: Signups, owner: U0ALICE01, cadence: weekly, target: 1}\n"
    )
    apply_config(session, parse_config(plain, "plain.yml"), actor="cli", now=NOW)
    session.refresh(pipeline)
    assert (pipeline.source_spec, pipeline.confirm_pulls, pipeline.pull_after_minutes) == (
        None,
        False,
        None,
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "url_env: WAREHOUSE_URL",
            "url_env: postgresql://u:secret@db/x",
            r"kpis.yml:8: .*not an environment variable name",
        ),
        ("        query:", "        querry:", r"kpis.yml:8: .*unknown setting"),
        ("{csv: {url", "{ftp: {url", r"kpis.yml:19: .*'ftp' is not a source kind"),
        ("cell: b7", "cell: 7B", r"kpis.yml:19: .*not a cell like B7"),
        ("pull_after: 90m", "pull_after: soon", r"kpis.yml:13: .*not a duration"),
        ("pull_after: 90m", "pull_after: 40d", r"kpis.yml:13: .*too long"),
        ("confirm: true", "confirm: maybe", r"kpis.yml:12: .*not true or false"),
    ],
)
def test_a_bad_source_names_the_line_and_writes_nothing(old: str, new: str, message: str) -> None:
    assert old in FILE
    with pytest.raises(ConfigError, match=message):
        parse_config(FILE.replace(old, new), "kpis.yml")
