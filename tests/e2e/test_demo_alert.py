"""The local workspace's demo raises an alert (issue 12): a KPI already off track when the demo
is seeded alerts its owner once, when the clock control runs kpibot's jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from bot.local.stack import LocalStack
from bot.settings import load_settings

pytestmark = pytest.mark.e2e
SAM = "U0DEMOSAM"  # owns customer acquisition cost, which the demo has off track
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def stack(engine: Engine) -> Iterator[LocalStack]:
    with LocalStack(load_settings(env_file=None), engine) as running:
        yield running
        assert running.runtime is not None
        running.runtime.close()


def _next_monday(now: datetime, at: time) -> datetime:
    today: date = now.astimezone(BERLIN).date()
    return datetime.combine(today + timedelta(days=(7 - today.weekday()) % 7 or 7), at, BERLIN)


def _alerts(stack: LocalStack) -> list[str]:
    assert stack.slack is not None
    return [m.text or "" for m in stack.slack.workspace.dm_with(SAM) if "alert" in (m.text or "")]


def test_the_demo_alerts_the_owner_of_an_off_track_kpi_once(stack: LocalStack) -> None:
    monday = _next_monday(stack.now(), time(10, 30))
    with httpx.Client(base_url=stack.url, timeout=120, trust_env=False) as page:
        for at in (monday, monday + timedelta(hours=1)):  # a second run sends nothing new
            ran = page.post(
                "/ui/jobs/run", json={"at": at.strftime("%Y-%m-%dT%H:%M"), "tz": str(BERLIN)}
            )
            assert ran.status_code == 200, ran.text
    alerts = _alerts(stack)
    assert len(alerts) == 1, alerts
    assert "Customer acquisition cost" in alerts[0]
