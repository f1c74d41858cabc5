"""Config as code: importing and exporting teams, goals and KPIs as YAML."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, SQLModel, select

from commands.configfile import (
    ConfigError,
    ImportSummary,
    apply_config,
    export_config,
    load_config,
    parse_config,
)
from core.kinds import Cadence, Direction, Indicator
from storage import repo
from storage.db import session_scope
from storage.models import AuditEvent, Goal, Kpi, Person, Team, V2Mom

from ..conftest import NOW

LATER = NOW + timedelta(days=1)

MINIMAL = """\
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
goals:
  - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
  - {key: pipeline-h1, title: Build a $4M qualified pipeline in H1, parent: grow-arr, team: sales,
     deadline: 2027-06-30, description: Enough pipeline to hit the H2 number}
kpis:
  - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1, owner: U0ALICE01,
     unit: USD, direction: up, target: 4000000, baseline: 1500000, cadence: weekly,
     indicator: leading, definition: Sum of open opportunities past stage 2,
     decision: Below 3M by May we add two SDRs, active: true}
"""

FULL = (
    MINIMAL
    + """\
  - key: nps
    name: Net promoter score
    owner: U0BOB0001
    direction: within
    band: [40, "60"]
    cadence: monthly
    definition: |
      Promoters minus detractors,
      from the quarterly survey.
  - {key: churn, name: Logo churn, owner: W0CAROL01, unit: "%", direction: lower, target: 2%,
     baseline: "5", cadence: quarterly, active: false}
v2mom:
  - {team: sales, vision: Every buyer hears of us, values: "yes", methods: Outbound,
     obstacles: Hiring}
people:
  - {id: U0ALICE01, name: Alice, timezone: Europe/Berlin}
"""
)


def count(session: Session, model: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def import_text(engine: Engine, text: str, now: datetime = NOW) -> ImportSummary:
    spec = parse_config(text, "cfg.yml")
    with session_scope(engine) as session:
        return apply_config(session, spec, actor="cli", now=now)


def export(engine: Engine) -> str:
    with session_scope(engine) as session:
        return export_config(session)


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE sent to the database inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- importing and exporting -----------------------------------------------------------------


def test_minimal_example_creates_everything(engine: Engine) -> None:
    summary = import_text(engine, MINIMAL)
    assert summary.created == {
        "person": ["U0ALICE01", "U0LEAD001"],
        "team": ["sales"],
        "goal": ["grow-arr", "pipeline-h1"],
        "kpi": ["pipeline"],
    }
    assert summary.updated == {}
    assert summary.unchanged == 0
    assert summary.lines()[0] == "Created 2 people: U0ALICE01, U0LEAD001"

    with Session(engine) as session:
        team = repo.get_team(session, "sales")
        assert team is not None
        assert (team.name, team.channel_id, team.timezone, team.lead_user_id) == (
            "Sales",
            "C0SALES01",
            "America/New_York",
            "U0LEAD001",
        )
        parent, child = repo.get_goal(session, "grow-arr"), repo.get_goal(session, "pipeline-h1")
        assert parent is not None
        assert child is not None
        assert child.parent_id == parent.id
        assert child.team_id == team.id
        assert child.deadline == date(2027, 6, 30)
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert (kpi.target, kpi.baseline, kpi.unit) == (4_000_000, 1_500_000, "USD")
        assert (kpi.direction, kpi.cadence, kpi.indicator) == (
            Direction.UP,
            Cadence.WEEKLY,
            Indicator.LEADING,
        )
        assert kpi.goal_id == child.id
        assert kpi.owner_user_id == "U0ALICE01"
        assert kpi.active
        assert repo.get_person(session, "U0LEAD001") is not None
        created = [(e.action, e.entity, e.entity_key) for e in repo.audit_trail(session)]
        assert ("config.create", "kpi", "pipeline") in created
        assert len(created) == 6


def test_export_import_export_is_identical(engine: Engine) -> None:
    import_text(engine, FULL)
    first = export(engine)

    # Import the export into an empty database: the same import, rolled back, is "empty".
    with Session(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(table.delete())
        assert count(session, Kpi) == 0
        apply_config(session, parse_config(first, "export.yml"), actor="cli", now=LATER)
        second = export_config(session)
        session.rollback()
    assert second == first

    assert first.startswith("# kpibot configuration")
    assert "  deadline: 2027-12-31\n" in first  # dates as YYYY-MM-DD
    assert "band: [40, 60]" in first
    assert "values: 'yes'" in first  # stays text, not a boolean
    assert "    Promoters minus detractors,\n" in first
    assert "active: false" in first
    assert "retired" not in first
    assert "None" not in first
    assert "null" not in first
    assert first.index("key: grow-arr") < first.index("key: pipeline-h1")  # parents first
    kpis = first[first.index("kpis:") :]
    assert kpis.index("key: churn") < kpis.index("key: nps") < kpis.index("key: pipeline\n")


def test_export_of_an_empty_database_imports_as_nothing(engine: Engine) -> None:
    text = export(engine)
    assert "teams: []" in text
    summary = import_text(engine, text)
    assert summary == ImportSummary(created={}, updated={}, unchanged=0)


def test_importing_twice_writes_nothing_the_second_time(engine: Engine) -> None:
    first = import_text(engine, FULL)
    assert first.changed
    with Session(engine) as session:
        trail = len(repo.audit_trail(session))
        updated_at = repo.get_kpi(session, "pipeline").updated_at  # type: ignore[union-attr]

    with writes(engine) as statements:
        second = import_text(engine, FULL, now=LATER)
    assert statements == []
    assert second.created == {}
    assert second.updated == {}
    assert second.unchanged == 8  # 1 team, 2 goals, 3 KPIs, 1 V2MOM and 1 person
    assert not second.changed
    assert second.lines() == ["Nothing to change: all 8 entries already match."]
    with Session(engine) as session:
        assert len(repo.audit_trail(session)) == trail
        assert repo.get_kpi(session, "pipeline").updated_at == updated_at  # type: ignore[union-attr]


def test_a_changed_field_updates_only_that_entity(engine: Engine) -> None:
    import_text(engine, FULL)
    with Session(engine) as session:
        trail = len(repo.audit_trail(session))

    changed = FULL.replace("target: 4000000", "target: 4.5M")
    summary = import_text(engine, changed, now=LATER)
    assert summary.created == {}
    assert summary.updated == {"kpi": ["pipeline"]}
    assert summary.unchanged == 7
    assert summary.lines() == ["Updated 1 KPI: pipeline", "7 entries unchanged."]

    with Session(engine) as session:
        events = repo.audit_trail(session)
        assert len(events) == trail + 1
        event_ = events[-1]
        assert (event_.action, event_.entity, event_.entity_key) == (
            "config.update",
            "kpi",
            "pipeline",
        )
        assert event_.at == LATER
        assert event_.actor == "cli"
        details = json.loads(event_.details)
        assert details["changed"] == {"target": {"from": 4_000_000, "to": 4_500_000}}
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert kpi.target == 4_500_000
        assert kpi.updated_at == LATER
        team = repo.get_team(session, "sales")
        assert team is not None
        assert team.updated_at == NOW


def test_fields_left_out_are_cleared_but_people_keep_theirs(engine: Engine) -> None:
    import_text(engine, FULL)
    without = (
        FULL.replace(", description: Enough pipeline to hit the H2 number", "")
        .replace("timezone: Europe/Berlin", "name: Alice")
        .replace("name: Alice, name: Alice", "name: Alice")
    )
    summary = import_text(engine, without, now=LATER)
    assert summary.updated == {"goal": ["pipeline-h1"]}
    with Session(engine) as session:
        goal = repo.get_goal(session, "pipeline-h1")
        assert goal is not None
        assert goal.description is None
        alice = repo.get_person(session, "U0ALICE01")
        assert alice is not None
        assert alice.timezone == "Europe/Berlin"
        details = json.loads(repo.audit_trail(session, "goal", "pipeline-h1")[-1].details)
        assert details["changed"]["description"]["to"] is None


def test_retiring_and_reviving_a_kpi(engine: Engine) -> None:
    import_text(engine, MINIMAL)
    import_text(engine, MINIMAL.replace("active: true", "active: false"), now=LATER)
    with Session(engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert not kpi.active
        assert kpi.retired_at == LATER
    import_text(engine, MINIMAL.replace(", active: true", ""), now=LATER + timedelta(days=1))
    with Session(engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert kpi.active
        assert kpi.retired_at is None


def test_import_never_deletes_and_may_refer_to_the_database(engine: Engine) -> None:
    import_text(engine, MINIMAL)
    only_a_new_kpi = """\
kpis:
  - {key: demos, name: Demos booked, team: sales, goal: pipeline-h1, owner: U0ALICE01,
     target: 40, cadence: weekly}
"""
    summary = import_text(engine, only_a_new_kpi, now=LATER)
    assert summary.created == {"kpi": ["demos"]}
    with Session(engine) as session:
        assert count(session, Kpi) == 2
        assert count(session, Goal) == 2
        assert count(session, Team) == 1
        demos = repo.get_kpi(session, "demos")
        team = repo.get_team(session, "sales")
        assert demos is not None
        assert team is not None
        assert demos.team_id == team.id


def test_goals_may_come_before_their_parents_in_the_file(engine: Engine) -> None:
    text = """\
goals:
  - {key: child, title: Child, parent: root}
  - {key: root, title: Root}
"""
    import_text(engine, text)
    with Session(engine) as session:
        child, root = repo.get_goal(session, "child"), repo.get_goal(session, "root")
        assert child is not None
        assert root is not None
        assert child.parent_id == root.id
    assert export(engine).index("key: root") < export(engine).index("key: child")


def test_numbers_in_words_and_symbols(engine: Engine) -> None:
    text = """\
kpis:
  - {key: a, name: A, owner: U0ALICE01, cadence: weekly, unit: usd, target: 4M,
     baseline: "$1,500,000"}
  - {key: b, name: B, owner: U0ALICE01, cadence: daily, target: 1_200, baseline: 0.5}
"""
    import_text(engine, text)
    with Session(engine) as session:
        a, b = repo.get_kpi(session, "a"), repo.get_kpi(session, "b")
        assert a is not None
        assert b is not None
        assert (a.unit, a.target, a.baseline) == ("USD", 4_000_000, 1_500_000)
        assert (b.target, b.baseline) == (1200, 0.5)


def test_load_config_reads_a_file_with_its_name_in_messages(tmp_path: Path) -> None:
    good = tmp_path / "kpis.yml"
    good.write_text("\ufeff" + MINIMAL, encoding="utf-8")
    spec = load_config(good)
    assert [e.key for e in spec.kpis] == ["pipeline"]

    bad = tmp_path / "bad.yml"
    bad.write_text("teams:\n  - {key: sales}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=rf"^{re.escape(str(bad))}:2: team 'sales': missing required field"
    ):
        load_config(bad)

    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "missing.yml")


def test_files_over_5_mb_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    big.write_text("# " + "x" * (5 * 1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at most 5 MB"):
        load_config(big)
    with pytest.raises(ConfigError, match="at most 5 MB"):
        parse_config(big.read_text(encoding="utf-8"))


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"""\
teams:
  - key: sales
    name: !!python/object/apply:os.system ["touch {marker}"]
  - !!python/object:builtins.dict {{key: x, name: X}}
"""
    with pytest.raises(ConfigError) as failure:
        parse_config(text, "cfg.yml")
    assert "cfg.yml:3: team 'sales': name: the YAML tag !!python/object/apply:os.system" in str(
        failure.value
    )
    assert "cfg.yml:4: teams entry 2: the YAML tag !!python/object:builtins.dict" in str(
        failure.value
    )
    assert not marker.exists()


# --- malformed files -------------------------------------------------------------------------

MALFORMED = [
    ("teams:\n  - {key: a, name: A\ngoals: []\n", "cfg.yml:3: not valid YAML"),
    ("teams:\n\t- {key: a}\n", "cfg.yml:2: not valid YAML: found character"),
    ("teams:\n\t- {key: a}\n", "(YAML is indented with spaces; this line has a tab)"),
    ("", "cfg.yml: the file is empty"),
    ("- just a list", "cfg.yml:1: the top level must be a mapping of sections"),
    ("teams: []\nkpi: []\n", "cfg.yml:2: unknown section 'kpi' (did you mean 'kpis'?)"),
    ("teams: []\nteams: []\n", "cfg.yml:2: section 'teams' appears twice (first at line 1)"),
    ("teams: {key: sales}\n", "cfg.yml:1: section 'teams' must be a list of entries"),
    ("teams:\n  - sales\n", "cfg.yml:2: teams entry 1: each entry must be a mapping"),
    (
        "teams:\n  - {key: sales, name: Sales, chanel: C0SALES01}\n",
        "cfg.yml:2: team 'sales': unknown field 'chanel' (did you mean 'channel'?)",
    ),
    (
        "teams:\n  - key: sales\n    name: Sales\n    name: Sales again\n",
        "cfg.yml:4: team 'sales': field 'name' appears twice (first at line 3)",
    ),
    ("teams:\n  - {name: Sales}\n", "cfg.yml:2: teams entry 1: missing required field 'key'"),
    (
        "teams:\n  - {key: sales, name: }\n",
        "cfg.yml:2: team 'sales': required field 'name' is empty",
    ),
    (
        "goals:\n  - {key: Grow ARR, title: G}\n",
        "cfg.yml:2: goals entry 1: key: 'Grow ARR' is not a valid key: keys must match "
        "^[a-z0-9][a-z0-9-_]{0,63}$",
    ),
    (
        "teams:\n  - {key: sales, name: S}\n  - {key: sales, name: T}\n",
        "cfg.yml:3: team 'sales' is defined twice (first at line 2)",
    ),
    (
        "teams:\n  - {key: sales, name: S, lead: alice}\n",
        "cfg.yml:2: team 'sales': lead: 'alice' is not a Slack user ID",
    ),
    (
        "teams:\n  - {key: sales, name: S, channel: '#sales'}\n",
        "cfg.yml:2: team 'sales': channel: '#sales' is not a Slack channel ID",
    ),
    (
        "teams:\n  - {key: sales, name: S, timezone: Europe/Berln}\n",
        "cfg.yml:2: team 'sales': timezone: 'Europe/Berln' is not a known timezone "
        "(did you mean 'Europe/Berlin'?)",
    ),
    (
        "goals:\n  - {key: g, title: G, deadline: 2027-02-30}\n",
        "cfg.yml:2: goal 'g': deadline: '2027-02-30' is not a valid date",
    ),
    (
        "goals:\n  - {key: g, title: G, deadline: 30/06/2027}\n",
        "cfg.yml:2: goal 'g': deadline: '30/06/2027' is not a date; write dates as YYYY-MM-DD",
    ),
    (
        "goals:\n  - {key: a, title: A, parent: b}\n  - {key: b, title: B, parent: a}\n",
        "cfg.yml:2: goal 'a': parent: the parents form a cycle (a -> b -> a)",
    ),
    (
        "goals:\n  - {key: a, title: A, parent: a}\n",
        "cfg.yml:2: goal 'a': a goal cannot be its own parent",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, target: 1}\n",
        "cfg.yml:2: KPI 'k': missing required field 'cadence'",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly}\n",
        "cfg.yml:2: KPI 'k': missing required field 'target'",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, direction: band}\n",
        "cfg.yml:2: KPI 'k': missing required field 'band' (direction band needs band: [low, high])",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weakly, target: 1}\n",
        "cfg.yml:2: KPI 'k': cadence: 'weakly' is not one of: daily, weekly, biweekly",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: 1,\n"
        "     direction: sideways}\n",
        "cfg.yml:3: KPI 'k': direction: 'sideways' is not one of: up, down, band",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: .inf}\n",
        "cfg.yml:2: KPI 'k': target: '.inf' is not a finite number",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: lots}\n",
        "cfg.yml:2: KPI 'k': target: 'lots' has no number in it",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: yes}\n",
        "cfg.yml:2: KPI 'k': target: 'yes' is not a number",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: 5, baseline: 5.0}\n",
        "cfg.yml:2: KPI 'k': target and baseline are both 5",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, unit: EUR, target: $4M}\n",
        "cfg.yml:2: KPI 'k': target: '$4M' is in USD but the KPI has unit EUR",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, direction: band,\n"
        "     band: [60, 40]}\n",
        "cfg.yml:3: KPI 'k': band: the low end (60) is above the high end (40)",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, direction: band,\n"
        "     band: 50}\n",
        "cfg.yml:3: KPI 'k': band: expected two numbers [low, high]",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: 9, band: [1, 2]}\n",
        "cfg.yml:2: KPI 'k': band is only for direction: band",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: 1, active: maybe}\n",
        "cfg.yml:2: KPI 'k': active: 'maybe' is not true or false",
    ),
    (
        "teams:\n  - &t {key: a, name: A}\n  - {<<: *t, key: b}\n",
        "cfg.yml:3: team 'b': merge keys (<<) are not supported",
    ),
    (
        "teams:\n  - {key: a, name: [A]}\n",
        "cfg.yml:2: team 'a': name: expected a single value, not a list",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_files_are_explained(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as failure:
        parse_config(text, "cfg.yml")
    assert expected in str(failure.value)


def test_every_problem_is_listed_in_line_order() -> None:
    text = """\
teams:
  - {key: sales, name: Sales, timezone: Mars/Olympus}
  - {key: ops, name: Ops, lead: bob}
kpis:
  - {key: pipeline, name: P, owner: U0ALICE01, cadence: weekly}
"""
    with pytest.raises(ConfigError) as failure:
        parse_config(text, "cfg.yml")
    lines = str(failure.value).splitlines()
    assert [line.split(":")[1] for line in lines] == ["2", "3", "5"]
    assert failure.value.problems == lines


REFERENCE_ERRORS = [
    (
        "goals:\n  - {key: g, title: G, team: sale}\n",
        "cfg.yml:2: goal 'g': team: 'sale' is not a team in this file or the database "
        "(did you mean 'sales'?)",
    ),
    (
        "goals:\n  - {key: g, title: G, parent: grow}\n",
        "cfg.yml:2: goal 'g': parent: 'grow' is not a goal in this file or the database "
        "(did you mean 'grow-arr'?)",
    ),
    (
        "kpis:\n  - {key: k, name: K, owner: U0ALICE01, cadence: weekly, target: 1,\n"
        "     goal: nowhere}\n",
        "cfg.yml:3: KPI 'k': goal: 'nowhere' is not a goal in this file or the database",
    ),
    (
        "v2mom:\n  - {team: marketing, vision: V}\n",
        "cfg.yml:2: V2MOM of team 'marketing': 'marketing' is not a team",
    ),
    # A cycle through the database: pipeline-h1 already has grow-arr as its parent.
    (
        "goals:\n  - {key: grow-arr, title: G, parent: pipeline-h1}\n",
        "cfg.yml:2: goal 'grow-arr': parent: the parents form a cycle "
        "(grow-arr -> pipeline-h1 -> grow-arr)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), REFERENCE_ERRORS)
def test_references_are_checked_against_the_database(
    engine: Engine, text: str, expected: str
) -> None:
    import_text(engine, MINIMAL)
    with Session(engine) as session:
        before = {m.__name__: count(session, m) for m in (Team, Goal, Kpi, V2Mom, AuditEvent)}
    spec = parse_config(text, "cfg.yml")  # fine on its own
    with pytest.raises(ConfigError) as failure, session_scope(engine) as session:
        apply_config(session, spec, actor="cli", now=LATER)
    assert expected in str(failure.value)
    with Session(engine) as session:
        after = {m.__name__: count(session, m) for m in (Team, Goal, Kpi, V2Mom, AuditEvent)}
    assert after == before


def test_a_failed_import_writes_nothing_even_when_half_the_file_is_fine(engine: Engine) -> None:
    # Valid teams, goals, V2MOM and people; one KPI names a team nobody defined.
    text = FULL.replace("team: sales, goal: pipeline-h1", "team: sails, goal: pipeline-h1")
    spec = parse_config(text, "cfg.yml")
    with (
        pytest.raises(ConfigError, match=r"cfg\.yml:8: KPI 'pipeline': team: 'sails'"),
        session_scope(engine) as session,
    ):
        apply_config(session, spec, actor="cli", now=NOW)
    with Session(engine) as session:
        for model in (Team, Goal, Kpi, V2Mom, Person, AuditEvent):
            assert count(session, model) == 0, model.__name__

    # And a file whose first half is valid but whose end is not never gets to the database.
    broken = MINIMAL + "  - {key: second, name: S, owner: U0ALICE01, cadence: weekly}\n"
    with pytest.raises(
        ConfigError, match=r"cfg\.yml:12: KPI 'second': missing required field 'target'"
    ):
        import_text(engine, broken)
    with Session(engine) as session:
        for model in (Team, Goal, Kpi, Person, AuditEvent):
            assert count(session, model) == 0, model.__name__


def test_owners_and_leads_become_people_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        repo.ensure_person(session, "U0ALICE01", NOW)
    summary = import_text(engine, FULL)
    assert summary.created["person"] == ["U0BOB0001", "U0LEAD001", "W0CAROL01"]
    assert summary.updated == {"person": ["U0ALICE01"]}
    with Session(engine) as session:
        assert count(session, Person) == 4
        alice = repo.get_person(session, "U0ALICE01")
        assert alice is not None
        assert (alice.display_name, alice.timezone) == (
            "Alice",
            "Europe/Berlin",
        )


def test_summary_lines() -> None:
    summary = ImportSummary(
        created={"kpi": ["a", "b"], "team": ["sales"]}, updated={"goal": ["g"]}, unchanged=1
    )
    assert summary.lines() == [
        "Created 1 team: sales",
        "Created 2 KPIs: a, b",
        "Updated 1 goal: g",
        "1 entry unchanged.",
    ]


def test_timestamps_are_the_given_now(engine: Engine) -> None:
    import_text(engine, MINIMAL, now=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    with Session(engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert kpi.created_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


AWKWARD_TEXT = [
    "a: b",
    "# not a comment",
    " leading space",
    "trailing space ",
    "null",
    "~",
    "yes",
    "2027-01-01",
    "100",
    "line\nwith trailing  \n",
    "multi\n\n\nblank\n\n",
    "ünïcödé 🚀",
    "'quoted' and \"double\"",
    "- dash",
    "{brace} [bracket]",
    "tab\there",
    "\\backslash",
    "%percent @at `tick |pipe >gt &amp *star !bang",
    "\u00a0no-break space",
]


def test_awkward_text_survives_export_and_import(engine: Engine) -> None:
    with session_scope(engine) as session:
        for i, text in enumerate(AWKWARD_TEXT):
            session.add(
                Goal(key=f"g{i:02d}", title=text, description=text, created_at=NOW, updated_at=NOW)
            )
    first = export(engine)
    with Session(engine) as session:
        for goal in session.exec(select(Goal)):
            session.delete(goal)
        session.flush()
        apply_config(session, parse_config(first), actor="cli", now=LATER)
        goals = {g.key: g for g in session.exec(select(Goal))}
        assert [
            (goals[f"g{i:02d}"].title, goals[f"g{i:02d}"].description)
            for i in range(len(AWKWARD_TEXT))
        ] == [(text, text) for text in AWKWARD_TEXT]
        assert export_config(session) == first
        session.rollback()
