"""History backfill: importing and exporting KPI values as CSV."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from commands.values_file import (
    ValuesFileError,
    ValuesImportSummary,
    export_values,
    import_values,
)
from core.kinds import Cadence, Direction
from storage import repo
from storage.db import session_scope
from storage.models import AuditEvent, Kpi, Measurement, MeasurementRevision, Team

from ..conftest import NOW

LATER = NOW + timedelta(hours=1)

# NOW is Thursday 2026-11-26: ISO week 2026-W48, November 2026.
GOOD = """\
kpi,period,value,note
pipeline,2026-W46,"$3,100,000",
pipeline,2026-W47,3.2M,
pipeline,2026-11-26,3.4M,after the trade show
nps,2026-10,48,
nps,2026-11,52%,"survey of 120, mostly EMEA"
"""


@pytest.fixture
def kpis(engine: Engine) -> None:
    with session_scope(engine) as session:
        team = Team(
            key="sales", name="Sales", timezone="America/New_York", created_at=NOW, updated_at=NOW
        )
        session.add(team)
        session.flush()
        session.add(
            Kpi(
                key="pipeline",
                name="Qualified pipeline",
                unit="USD",
                target=4_000_000,
                cadence=Cadence.WEEKLY,
                owner_user_id="U0ALICE01",
                team_id=team.id,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.add(
            Kpi(
                key="nps",
                name="NPS",
                unit="%",
                direction=Direction.BAND,
                band_low=40,
                band_high=60,
                cadence=Cadence.MONTHLY,
                owner_user_id="U0BOB0001",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def count(session: Session, model: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def backfill(
    engine: Engine,
    text: str,
    *,
    now: datetime = NOW,
    source: str = "csv",
    name: str | None = None,
) -> ValuesImportSummary:
    with session_scope(engine) as session:
        return import_values(session, text, actor="cli", now=now, source=source, name=name)


def stored(engine: Engine) -> list[tuple[str, str, date, float, str | None, str]]:
    with Session(engine) as session:
        return [
            (k.key, m.period_key, m.period_start, m.value, m.note, m.source)
            for k, m in repo.all_measurements(session)
        ]


def failure_of(engine: Engine, text: str) -> str:
    with pytest.raises(ValuesFileError) as failure:
        backfill(engine, text, name="values.csv")
    return str(failure.value)


@pytest.mark.usefixtures("kpis")
def test_good_backfill(engine: Engine) -> None:
    summary = backfill(engine, GOOD)
    assert summary == ValuesImportSummary(written=5, replaced=0, unchanged=0)
    assert stored(engine) == [
        ("nps", "2026-10", date(2026, 10, 1), 48, None, "csv"),
        ("nps", "2026-11", date(2026, 11, 1), 52, "survey of 120, mostly EMEA", "csv"),
        ("pipeline", "2026-W46", date(2026, 11, 9), 3_100_000, None, "csv"),
        ("pipeline", "2026-W47", date(2026, 11, 16), 3_200_000, None, "csv"),
        ("pipeline", "2026-W48", date(2026, 11, 23), 3_400_000, "after the trade show", "csv"),
    ]
    with Session(engine) as session:
        events = repo.audit_trail(session)
        assert len(events) == 1
        assert (events[0].action, events[0].entity, events[0].actor) == (
            "values.import",
            "values",
            "cli",
        )
        details = json.loads(events[0].details)
        assert details["written"] == 5
        assert details["kpis"] == {"nps": 2, "pipeline": 3}


@pytest.mark.usefixtures("kpis")
def test_importing_again_changes_nothing(engine: Engine) -> None:
    backfill(engine, GOOD)
    assert backfill(engine, GOOD, now=LATER) == ValuesImportSummary(0, 0, 5)
    with Session(engine) as session:
        assert count(session, AuditEvent) == 1
        assert count(session, MeasurementRevision) == 0


@pytest.mark.usefixtures("kpis")
def test_edits_keep_the_earlier_value_as_a_revision(engine: Engine) -> None:
    backfill(engine, GOOD)
    edited = GOOD.replace("pipeline,2026-W47,3.2M,", "pipeline,2026-W47,3.25M,corrected")
    summary = backfill(engine, edited, now=LATER)
    assert summary == ValuesImportSummary(written=1, replaced=1, unchanged=4)
    with Session(engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        assert kpi.id is not None
        current = repo.get_measurement(session, kpi.id, "2026-W47")
        assert current is not None
        assert (current.value, current.note, current.version) == (3_250_000, "corrected", 2)
        assert current.logged_at == LATER
        assert current.id is not None
        [old] = repo.revisions(session, current.id)
        assert (old.value, old.note, old.version, old.replaced_at) == (3_200_000, None, 1, LATER)
        assert count(session, AuditEvent) == 2


@pytest.mark.usefixtures("kpis")
def test_one_bad_row_among_good_ones_writes_nothing(engine: Engine) -> None:
    text = GOOD.replace("pipeline,2026-W47,3.2M,", "pipline,2026-W47,3.2M,")
    message = failure_of(engine, text)
    assert message == "values.csv line 3: 'pipline' is not a known KPI (did you mean 'pipeline'?)"
    assert stored(engine) == []
    with Session(engine) as session:
        assert count(session, Measurement) == 0
        assert count(session, AuditEvent) == 0


@pytest.mark.usefixtures("kpis")
def test_every_bad_row_is_listed(engine: Engine) -> None:
    text = """\
kpi,period,value,note
pipeline,2026-W47,3.2M,
pipeline,2026-W47,3.3M,
nps,2026-Q3,50,
pipeline,2026-W46,€3M,
pipeline,2026-W45,lots,
nps,2026-09,50,
,2026-09,50,
nps,2026-09-12,51,
pipeline,2026-W50,1,
pipeline,2026-W44,1
"""
    lines = failure_of(engine, text).splitlines()
    assert lines[0] == (
        "values.csv line 3: pipeline 2026-W47 is already given on line 2; "
        "give one value per KPI and period"
    )
    assert lines[1].startswith(
        "values.csv line 4: '2026-Q3' looks like a quarterly period, but this KPI is reported "
        "monthly; monthly periods look like 2026-11"
    )
    assert lines[2].startswith("values.csv line 5: You sent €3M, an amount in EUR")
    assert lines[3].startswith("values.csv line 6: 'lots' has no number in it")
    assert lines[4] == "values.csv line 8: the kpi column is empty; give a KPI key"
    assert lines[5].startswith("values.csv line 9: nps 2026-09 is already given on line 7")
    assert lines[6] == (
        "values.csv line 10: 2026-W50 has not started yet; values can be backfilled for the "
        "current period (2026-W48) or earlier ones"
    )
    assert lines[7].startswith("values.csv line 11: 3 columns where 4 are expected")
    assert len(lines) == 8
    assert stored(engine) == []


@pytest.mark.usefixtures("kpis")
def test_a_period_of_the_wrong_cadence_shows_the_right_format(engine: Engine) -> None:
    message = failure_of(engine, "kpi,period,value,note\npipeline,2026-11,3M,\n")
    assert message == (
        "values.csv line 2: '2026-11' looks like a monthly period, but this KPI is reported "
        "weekly; weekly periods look like 2026-W48 (a date such as 2026-11-26 works too)"
    )


@pytest.mark.usefixtures("kpis")
def test_a_byte_order_mark_is_fine(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    with session_scope(engine) as session:
        summary = import_values(session, path, actor="cli", now=NOW)
    assert summary.written == 5
    assert backfill(engine, "\ufeff" + GOOD).unchanged == 5


@pytest.mark.usefixtures("kpis")
def test_messages_name_the_file_as_given(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text("kpi,period,value,note\nnope,2026-W40,1,\n", encoding="utf-8")
    expected = rf"^{re.escape(str(path))} line 2: 'nope' is not a known KPI$"
    with pytest.raises(ValuesFileError, match=expected), session_scope(engine) as session:
        import_values(session, path, actor="cli", now=NOW)
    path.write_bytes(b"kpi,period,value,note\npipeline,2026-W40,1,caf\xe9\n")
    with (
        pytest.raises(ValuesFileError, match=r"line 2: not UTF-8 text"),
        session_scope(engine) as session,
    ):
        import_values(session, path, actor="cli", now=NOW)


HEADER_PROBLEMS = [
    ("kpi,period,value\npipeline,2026-W47,1\n", "line 1: the header is 'kpi,period,value'"),
    ("kpi,period,value,note,extra\n", "line 1: the header is 'kpi,period,value,note,extra'"),
    ("pipeline,2026-W47,1,\n", "line 1: the header is 'pipeline,2026-W47,1,'"),
    ("", "values.csv: the file is empty"),
]


@pytest.mark.usefixtures("kpis")
@pytest.mark.parametrize(("text", "expected"), HEADER_PROBLEMS)
def test_a_wrong_header_names_the_expected_one(engine: Engine, text: str, expected: str) -> None:
    message = failure_of(engine, text)
    assert expected in message
    assert "kpi,period,value,note" in message
    assert stored(engine) == []


@pytest.mark.usefixtures("kpis")
def test_header_case_and_blank_lines_are_forgiven(engine: Engine) -> None:
    text = "\nKPI, Period ,Value,Note\n\npipeline,2026-W47,3.2M,\n\n"
    assert backfill(engine, text).written == 1


@pytest.mark.usefixtures("kpis")
def test_notes_are_limited_and_may_span_lines(engine: Engine) -> None:
    long_note = "x" * 2001
    message = failure_of(engine, f"kpi,period,value,note\npipeline,2026-W47,1,{long_note}\n")
    assert message == "values.csv line 2: the note is 2001 characters; keep it to 2000"

    text = 'kpi,period,value,note\npipeline,2026-W47,1,"two\nlines"\nnope,2026-W46,1,\n'
    assert failure_of(engine, text).startswith("values.csv line 4: 'nope'")


@pytest.mark.usefixtures("kpis")
def test_export_then_import_round_trips(engine: Engine) -> None:
    backfill(engine, GOOD + 'pipeline,2026-W45,0.125,"multi\nline, quoted"\n')
    with Session(engine) as session:
        text = export_values(session)
    assert text.splitlines()[:4] == [
        "kpi,period,value,note",
        "nps,2026-10,48,",
        'nps,2026-11,52,"survey of 120, mostly EMEA"',
        'pipeline,2026-W45,0.125,"multi',
    ]
    assert "pipeline,2026-W48,3400000,after the trade show\n" in text
    assert backfill(engine, text, now=LATER) == ValuesImportSummary(0, 0, 6)

    # And into a database with the same KPIs but no values, the export rebuilds the same values.
    with session_scope(engine) as session:
        for model in (AuditEvent, Measurement):
            for row in session.exec(select(model)):
                session.delete(row)
    assert backfill(engine, text).written == 6
    with Session(engine) as session:
        assert export_values(session) == text


def test_export_of_no_values_is_just_the_header(session: Session) -> None:
    assert export_values(session) == "kpi,period,value,note\n"


@pytest.mark.usefixtures("kpis")
def test_source_is_recorded(engine: Engine) -> None:
    backfill(engine, GOOD, source="sheet")
    assert {row[5] for row in stored(engine)} == {"sheet"}
