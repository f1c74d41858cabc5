"""Looking at a KPI after a stored value (commands.alerts.observe): the projection's flip from
hit to miss alerts once, the state is kept, and looking again queues nothing new."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from commands.alerts.observe import check, observe
from commands.configfile import apply_config, parse_config
from commands.context import Policy
from storage import repo
from storage.models import Delivery

COMPANY = """
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: UTC, lead: U0LEAD001}
goals:
  - {key: h1, title: Pipeline in H1, team: sales, deadline: 2027-06-30}
kpis:
  - {key: pipeline, name: Pipeline, team: sales, goal: h1, owner: U0ALICE01, unit: USD,
     direction: up, target: 4000000, cadence: weekly}
"""
POLICY = Policy()
MONDAY = datetime(2026, 11, 23, 12, tzinfo=UTC)  # 2026-W48; a working day in UTC


def log(session: Session, week: int, value: float, now: datetime) -> None:
    kpi = repo.get_kpi(session, "pipeline")
    assert kpi is not None
    repo.log_value(
        session, kpi, period_key=f"2026-W{week}", period_start=date.fromisocalendar(2026, week, 1),
        value=value, note=None, source="test", by="U0ALICE01", now=now,
    )  # fmt: skip


def alert_texts(session: Session) -> dict[str, str]:
    rows = session.exec(select(Delivery).where(Delivery.kind == "alert"))
    return {row.key: json.loads(row.payload)["text"] for row in rows}


def test_a_projection_that_flips_to_a_miss_alerts_once(session: Session) -> None:
    apply_config(session, parse_config(COMPANY, "c.yml"), actor="test", now=MONDAY)
    for week, value in [(40, 4.0e6), (41, 4.2e6), (42, 4.4e6), (43, 4.6e6)]:
        log(session, week, value, MONDAY)
    first = observe(session, "pipeline", now=MONDAY, policy=POLICY)
    assert first.queued == ()  # at the target and heading above it: nothing to say

    for week, value in [(44, 4.4e6), (45, 4.1e6), (46, 3.8e6), (47, 3.5e6)]:
        log(session, week, value, MONDAY)  # the trend turns down: the projection now misses
    turned = observe(session, "pipeline", now=MONDAY + timedelta(hours=1), policy=POLICY)
    texts = alert_texts(session)
    assert list(turned.queued) == list(texts)
    assert any("is now projected to miss its target" in text for text in texts.values()), texts
    (key,) = [k for k in texts if k.startswith("alert:pipeline:owner:")]
    assert "projected_miss" in key and key.endswith(":2026-W48")

    again = observe(session, "pipeline", now=MONDAY + timedelta(hours=2), policy=POLICY)
    assert again.queued == ()  # the same state: debounced
    looked = check(session, now=MONDAY + timedelta(hours=3), policy=POLICY)
    assert [o.kpi_key for o in looked] == ["pipeline"]  # an open episode is looked at again
    assert all(o.queued == () for o in looked)
    assert len(alert_texts(session)) == len(texts)


def test_a_retired_or_unknown_kpi_is_not_looked_at(session: Session) -> None:
    apply_config(session, parse_config(COMPANY, "c.yml"), actor="test", now=MONDAY)
    assert observe(session, "nope", now=MONDAY, policy=POLICY).queued == ()
    kpi = repo.get_kpi(session, "pipeline")
    assert kpi is not None
    kpi.active = False
    session.add(kpi)
    log(session, 48, 1.0, MONDAY)
    assert observe(session, "pipeline", now=MONDAY, policy=POLICY).queued == ()
    assert check(session, now=MONDAY, policy=POLICY) == []
