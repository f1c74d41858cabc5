"""Pulled values end to end: the sources job pulls SQL (the test database: SQLite and
PostgreSQL), HTTP JSON and CSV (a local server), stores through `/kpi log`'s use case, retries
failures and tells the owner once in a DM, and never overwrites a value a person logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.events import ValueStored
from commands.context import Context
from commands.values import log_to
from storage import repo
from storage.db import session_scope
from storage.models import Delivery
from tests.commands import source_site as pulls

from .conftest import ALICE, NOW, Harness
from .reminder_helpers import reminder_dms
from .source_helpers import configure, deals, make_job, sql_kpi, value

__all__ = ["deals"]  # the fixture, shared
W47 = "2026-W47"  # 16-22 Nov 2026: the last closed week at NOW; due Mon 23 Nov 02:00 NY


@pytest.fixture
def site() -> Iterator[pulls.Site]:
    s = pulls.Site()
    yield s
    s.stop()


def published(harness: Harness) -> list[ValueStored]:
    seen: list[ValueStored] = []
    harness.runtime.events.subscribe(seen.extend)
    return seen


def test_a_sql_source_is_pulled_once_when_due_and_stored(harness: Harness, deals: str) -> None:
    configure(harness, sql_kpi(deals))
    events = published(harness)
    job = make_job(harness)
    early = job.run(NOW.replace(day=23, hour=6))  # 01:00 in New York: not yet due
    assert early.pulled == 0 and value(harness, "pipeline", W47) is None
    report = job.run(NOW)
    assert (report.pulled, report.stored) == (1, 1), str(report)
    stored = value(harness, "pipeline", W47)
    assert stored is not None and stored.value == 1300000 and stored.source == "pulled"
    assert events == [ValueStored("pipeline", W47, "pulled from sql")]
    again = make_job(harness).run(NOW + timedelta(hours=1))  # another process, later
    assert again.pulled == 0 and len(events) == 1
    assert reminder_dms(harness.workspace, ALICE) == []  # nothing to tell


def test_http_and_csv_sources_are_pulled_and_stored(harness: Harness, site: pulls.Site) -> None:
    site.json(f"/crm/{W47}", {"data": {"total": "42"}})
    site.csv("/sheet.csv", f"metric,{W47},2026-W48\nleads,17,3\n")
    configure(
        harness,
        "  - {key: signups, name: Signups, team: sales, owner: U0ALICE01, target: 50,\n"
        f'     cadence: weekly, source: {{http: {{url: "{site.url}/crm/{{period_key}}", '
        "path: data.total}}}\n"
        "  - {key: leads, name: Leads, team: sales, owner: U0ALICE01, target: 20,\n"
        f'     cadence: weekly, source: {{csv: {{url: "{site.url}/sheet.csv", row: leads, '
        'column: "{period_key}"}}}\n',
    )
    report = make_job(harness).run(NOW)
    assert (report.pulled, report.stored) == (2, 2), str(report)
    signups, leads = value(harness, "signups", W47), value(harness, "leads", W47)
    assert signups is not None and signups.value == 42
    assert leads is not None and leads.value == 17


def test_a_failing_source_retries_then_tells_the_owner_once(
    harness: Harness, site: pulls.Site
) -> None:
    site.json("/broken", {"error": "down"}, status=500)
    configure(
        harness,
        "  - {key: signups, name: Signups, team: sales, owner: U0ALICE01, target: 50,\n"
        f'     cadence: weekly, source: {{http: {{url: "{site.url}/broken", path: total}}}}}}\n',
    )
    job = make_job(harness, tries=3)
    first = job.run(NOW)
    assert (first.pulled, first.retried, first.gave_up) == (1, 1, 0)
    assert job.run(NOW + timedelta(minutes=4)).pulled == 0  # the back-off: 5 minutes
    second = job.run(NOW + timedelta(minutes=6))
    assert (second.pulled, second.retried) == (1, 1)
    assert job.run(NOW + timedelta(minutes=20)).pulled == 0  # then 15 minutes
    last = job.run(NOW + timedelta(minutes=22))
    assert (last.pulled, last.gave_up) == (1, 1), str(last)
    for minutes in (30, 120, 600):
        assert job.run(NOW + timedelta(minutes=minutes)).pulled == 0
    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 1, [m.text for m in dms]
    assert "could not pull *signups* for 2026-W47" in dms[0].text
    assert "answered HTTP 500" in dms[0].text
    assert value(harness, "signups", W47) is None


def log_as_alice(harness: Harness, kpi: str, amount: str, period: str) -> None:
    with session_scope(harness.engine) as session:
        ctx = Context(session=session, actor=ALICE, now=NOW, policy=harness.runtime.policy)
        row = repo.get_kpi(session, kpi)
        assert row is not None
        log_to(ctx, row, amount, period_text=period, note=None, source="slack")


@pytest.mark.parametrize("choice", ["Use $1.3M", "Keep mine"])
def test_a_persons_value_is_never_overwritten_the_pull_is_offered(
    harness: Harness, deals: str, choice: str
) -> None:
    configure(harness, sql_kpi(deals))
    log_as_alice(harness, "pipeline", "1.2M", W47)
    report = make_job(harness).run(NOW)
    assert (report.pulled, report.stored) == (1, 0), str(report)
    kept = value(harness, "pipeline", W47)
    assert kept is not None and (kept.value, kept.logged_by) == (1200000, ALICE)
    dms = reminder_dms(harness.workspace, ALICE)
    assert len(dms) == 1
    assert "*sql* says $1.3M for week 47 (16-22 Nov 2026) of *pipeline*; you logged $1.2M" in (
        dms[0].text
    )
    buttons = [e for b in dms[0].blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Use $1.3M", "Keep mine"]
    chosen = next(b for b in buttons if b["text"]["text"] == choice)
    harness.driver.block_action(ALICE, chosen["action_id"], chosen["value"], message=dms[0])
    harness.drain()
    after = value(harness, "pipeline", W47)
    assert after is not None
    assert after.value == (1300000 if choice.startswith("Use") else 1200000)
    assert after.logged_by == ALICE
    with session_scope(harness.engine) as session:
        keys = [d.key for d in session.exec(select(Delivery))]
    assert keys.count(f"source-correction:pipeline:{W47}") == 1
