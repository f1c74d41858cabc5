"""targets: and formula: in a config file: imported, exported and re-imported unchanged, checked
with line numbers; and formula KPIs worked out from imported values."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from commands.configfile import ConfigError, apply_config, export_config, parse_config
from commands.values_file import ValuesFileError, export_values, import_values
from storage import reminders as reminder_store
from storage import repo

from ..conftest import NOW

FILE = """\
teams:
  - {key: sales, name: Sales}
kpis:
  - key: bookings
    name: Bookings
    owner: U0OWNER
    cadence: monthly
    unit: USD
    target: 100k
    targets: {2026-12: 150k, 2027-01: 60000}
  - key: calls
    name: Calls
    owner: U0OWNER
    cadence: weekly
    target: 50
    targets:
      ramp: {from: 2026-W40, start: 10, to: 2026-W52, end: 50}
      2026-W48: 5
  - {key: won, name: Deals won, owner: U0OWNER, cadence: weekly, target: 10}
  - {key: opportunities, name: Opportunities, owner: U0OWNER, cadence: weekly, target: 40}
  - key: win-rate
    name: Win rate
    owner: U0OWNER
    cadence: weekly
    unit: "%"
    target: 25
    formula: won / opportunities * 100
"""


def test_targets_and_formulas_round_trip(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    bookings, calls, rate = (repo.get_kpi(session, k) for k in ("bookings", "calls", "win-rate"))
    assert bookings is not None and calls is not None and rate is not None
    assert json.loads(bookings.targets or "") == {"2026-12": 150000, "2027-01": 60000}
    assert json.loads(calls.targets or "") == {
        "2026-W48": 5,
        "ramp": {"from": "2026-W40", "start": 10, "to": "2026-W52", "end": 50},
    }
    assert rate.formula == "won / opportunities * 100" and bookings.formula is None
    exported = export_config(session)
    assert "formula: won / opportunities * 100" in exported
    assert "2026-12: 150000" in exported and "from: 2026-W40" in exported
    again = apply_config(session, parse_config(exported, "export.yml"), actor="cli", now=NOW)
    assert not again.changed


def test_removing_targets_clears_them(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    plain = FILE.replace("    targets: {2026-12: 150k, 2027-01: 60000}\n", "")
    summary = apply_config(session, parse_config(plain, "kpis.yml"), actor="cli", now=NOW)
    assert summary.changed
    bookings = repo.get_kpi(session, "bookings")
    assert bookings is not None and bookings.targets is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "targets: {2026-12: 150k, 2027-01: 60000}",
            "targets: {2026-13: 150k}",
            r"kpis.yml:10: KPI 'bookings': targets: .*2026-13",
        ),
        (
            "targets: {2026-12: 150k, 2027-01: 60000}",
            "targets: 150k",
            r"kpis.yml:10: .*expected a mapping of periods to targets",
        ),
        (
            "targets: {2026-12: 150k, 2027-01: 60000}",
            "targets: {2026-12: lots}",
            r"kpis.yml:10: KPI 'bookings': the target for 2026-12",
        ),
        (
            "targets: {2026-12: 150k, 2027-01: 60000}",
            "targets: {2026-12: 1, 2026-12-05: 2}",
            r"kpis.yml:10: .*two entries for 2026-12",
        ),
        (
            "ramp: {from: 2026-W40, start: 10, to: 2026-W52, end: 50}",
            "ramp: {from: 2026-W40, start: 10, end: 50}",
            r"kpis.yml:16: .*targets.ramp is missing to",
        ),
        (
            "    target: 100k\n",
            "    direction: band\n    band: [1, 2]\n",
            r"kpis.yml:11: KPI 'bookings': targets: is for KPIs with a target; a band KPI",
        ),
    ],
)
def test_bad_targets_name_the_line(old: str, new: str, message: str) -> None:
    assert old in FILE
    with pytest.raises(ConfigError, match=message):
        parse_config(FILE.replace(old, new), "kpis.yml")


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("won / opportunites * 100", r"kpis.yml:27: KPI win-rate: .*opportunites"),
        ("won / (opportunities * 100", r"kpis.yml:27: KPI win-rate: "),
        ("won + bookings", r"kpis.yml:27: KPI win-rate: formula: 'bookings' is reported monthly"),
        ("win-rate * 2", r"kpis.yml:27: KPI win-rate: .*win-rate -> win-rate"),
    ],
)
def test_bad_formulas_name_the_line(session: Session, formula: str, message: str) -> None:
    text = FILE.replace("won / opportunities * 100", formula)
    with pytest.raises(ConfigError, match=message):
        apply_config(session, parse_config(text, "kpis.yml"), actor="cli", now=NOW)
    assert repo.get_kpi(session, "win-rate") is None  # nothing written


def test_a_formula_mixing_units_is_refused(session: Session) -> None:
    text = FILE.replace(
        "  - {key: won, name: Deals won, owner: U0OWNER, cadence: weekly, target: 10}",
        "  - {key: won, name: Deals won, owner: U0OWNER, cadence: weekly, target: 10, unit: EUR}",
    ).replace("won / opportunities * 100", "won + opportunities")
    with pytest.raises(ConfigError, match=r"kpis.yml:27: KPI win-rate: "):
        apply_config(session, parse_config(text, "kpis.yml"), actor="cli", now=NOW)


def test_imported_values_work_out_the_formula_kpi(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    import_values(
        session,
        "kpi,period,value,note\nwon,2026-W47,6,\nopportunities,2026-W47,24,\nwon,2026-W48,3,\n",
        actor="cli",
        now=NOW,
    )
    rate = repo.get_kpi(session, "win-rate")
    assert rate is not None and rate.id is not None
    computed = repo.get_measurement(session, rate.id, "2026-W47")
    assert computed is not None and computed.value == 25.0
    assert (computed.source, computed.note) == ("formula", "computed from won, opportunities")
    assert repo.get_measurement(session, rate.id, "2026-W48") is None  # opportunities missing
    assert "win-rate" not in export_values(session)  # worked out again on import


def test_a_formula_set_by_import_is_worked_out_for_past_values(session: Session) -> None:
    without = FILE.replace("    formula: won / opportunities * 100\n", "")
    apply_config(session, parse_config(without, "kpis.yml"), actor="cli", now=NOW)
    import_values(
        session,
        "kpi,period,value,note\nwon,2026-W47,5,\nopportunities,2026-W47,20,\n",
        actor="cli",
        now=NOW,
    )
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    rate = repo.get_kpi(session, "win-rate")
    assert rate is not None and rate.id is not None
    computed = repo.get_measurement(session, rate.id, "2026-W47")
    assert computed is not None and computed.value == 25.0


def test_csv_values_for_a_formula_kpi_are_refused(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    with pytest.raises(ValuesFileError, match=r"win-rate is computed from won, opportunities"):
        import_values(
            session, "kpi,period,value,note\nwin-rate,2026-W47,30,\n", actor="cli", now=NOW
        )


def test_nobody_is_reminded_to_log_a_formula_kpi(session: Session) -> None:
    apply_config(session, parse_config(FILE, "kpis.yml"), actor="cli", now=NOW)
    reminded = {row.id for row in reminder_store.active_kpis(session)}
    rate, won = repo.get_kpi(session, "win-rate"), repo.get_kpi(session, "won")
    assert rate is not None and won is not None
    assert won.id in reminded and rate.id not in reminded
