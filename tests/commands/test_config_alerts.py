"""Alert levels, channel alerts and the digest's scorecard in a config file (issue 12):
imported, exported, imported again unchanged, and bad values named at their line."""

from __future__ import annotations

from datetime import time

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from storage import repo

from ..conftest import NOW

FILE = """\
teams:
  - {key: sales, name: Sales, channel: C0SALES01, alerts: {channel: true},
     digest: {at: fri 16:00, scorecard: true}}
  - {key: ops, name: Ops, digest: {scorecard: true}}
  - {key: hr, name: HR, alerts: {channel: false}, digest: mon 10:00}
kpis:
  - {key: pipeline, name: Pipeline, team: sales, owner: U0ALICE01, cadence: weekly, unit: USD,
     target: 4M, alert_below: $1M, alert_above: 9M}
  - {key: churn, name: Churn, team: sales, owner: U0ALICE01, cadence: monthly, unit: "%",
     direction: down, target: 2, alert_above: 5%}
  - {key: hires, name: Hires, team: hr, owner: U0ALICE01, cadence: monthly, target: 3}
"""


def test_alert_fields_round_trip(session: Session) -> None:
    apply_config(session, parse_config(FILE, "company.yml"), actor="cli", now=NOW)
    sales, ops, hr = (repo.get_team(session, key) for key in ("sales", "ops", "hr"))
    assert sales is not None and ops is not None and hr is not None
    assert (sales.alerts_channel, sales.digest_scorecard) == (True, True)
    assert (sales.digest_weekday, sales.digest_time) == (4, time(16))
    assert (ops.alerts_channel, ops.digest_scorecard, ops.digest_weekday) == (False, True, None)
    assert (hr.alerts_channel, hr.digest_scorecard, hr.digest_weekday) == (False, False, 0)
    pipeline, churn, hires = (repo.get_kpi(session, key) for key in ("pipeline", "churn", "hires"))
    assert pipeline is not None and churn is not None and hires is not None
    assert (pipeline.alert_below, pipeline.alert_above) == (1_000_000, 9_000_000)
    assert (churn.alert_below, churn.alert_above) == (None, 5)
    assert (hires.alert_below, hires.alert_above) == (None, None)

    exported = export_config(session)
    assert "alerts:\n    channel: true" in exported
    assert "digest:\n    at: fri 16:00\n    scorecard: true" in exported
    assert "digest:\n    scorecard: true" in exported  # ops: the default time, with a scorecard
    assert "digest: mon 10:00" in exported
    assert "alert_below: 1000000" in exported and "alert_above: 5" in exported
    assert exported.count("alerts:") == 1 and exported.count("alert_below") == 1
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed, again.lines()

    plain = FILE.replace(", alerts: {channel: true}", "").replace(", alert_below: $1M", "")
    plain = plain.replace("{at: fri 16:00, scorecard: true}", "fri 16:00")
    apply_config(session, parse_config(plain, "company.yml"), actor="cli", now=NOW)
    assert (sales.alerts_channel, sales.digest_scorecard, sales.digest_weekday) == (False, False, 4)
    assert (pipeline.alert_below, pipeline.alert_above) == (None, 9_000_000)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "alert_above: 9M",
            "alert_above: 500k",
            r"company.yml:8: .*alert_below \(1e\+06\) is above alert_above",
        ),
        ("alert_below: $1M", "alert_below: €1M", r"company.yml:8: .*alert_below: '€1M' is in EUR"),
        ("alert_above: 5%", "alert_above: lots", r"company.yml:10: .*alert_above: "),
        (
            "alerts: {channel: true}",
            "alerts: {chanel: true}",
            r"company.yml:2: .*unknown key 'chanel'",
        ),
        (
            "alerts: {channel: true}",
            "alerts: yes",
            r"company.yml:2: .*expected a mapping like \{channel: true\}",
        ),
        (
            "scorecard: true}}",
            "scorecard: maybe}}",
            r"company.yml:3: .*'maybe' is not true or false",
        ),
        ("{at: fri 16:00,", "{when: fri 16:00,", r"company.yml:3: .*unknown key 'when'"),
    ],
)
def test_bad_alert_fields_name_the_line(old: str, new: str, message: str) -> None:
    assert old in FILE
    with pytest.raises(ConfigError, match=message):
        parse_config(FILE.replace(old, new), "company.yml")
