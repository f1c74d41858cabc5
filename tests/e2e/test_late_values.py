"""A value logged late in the local workspace updates the digest already posted for its week,
without anyone running the digests job again (issue 13: it said "no value" until then)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from bot.local import demo
from bot.local.stack import LocalStack
from bot.settings import load_settings
from localslack import Workspace

pytestmark = pytest.mark.e2e
LEO, SALES = "U0DEMOLEO", "C0DEMOSALES"
NEW_YORK = ZoneInfo("America/New_York")  # Sales's timezone; its digest goes out Mondays 09:00


@pytest.fixture
def stack(engine: Engine) -> Iterator[LocalStack]:
    with LocalStack(load_settings(env_file=None), engine) as running:
        yield running
        assert running.runtime is not None
        running.runtime.close()


def _workspace(stack: LocalStack) -> Workspace:
    assert stack.slack is not None
    return stack.slack.workspace


def _next_monday_10(now: datetime) -> datetime:
    today = now.astimezone(NEW_YORK).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(10, 0), NEW_YORK)


def _sales_digest(ws: Workspace) -> object:
    (digest,) = [m for m in ws.messages_in(SALES) if "digest" in (m.text or "")]
    return digest


def test_a_late_value_updates_the_posted_digest_without_another_run(stack: LocalStack) -> None:
    assert demo.DEFAULT_USER  # the demo company is seeded
    ws = _workspace(stack)
    monday = _next_monday_10(stack.now())
    with httpx.Client(base_url=stack.url, timeout=60, trust_env=False) as page:
        ran = page.post(
            "/ui/jobs/run", json={"at": monday.strftime("%Y-%m-%dT%H:%M"), "tz": str(NEW_YORK)}
        )
        assert ran.status_code == 200, ran.text
        before = _sales_digest(ws)
        week = date.fromisocalendar(*(monday - timedelta(days=7)).isocalendar()[:2], 1)
        week_key = f"{week.isocalendar().year}-W{week.isocalendar().week:02d}"
        assert "$7.77M" not in json.dumps(before.blocks)  # type: ignore[attr-defined]

        typed = page.post(
            "/ui/command",
            json={"user": LEO, "channel": SALES, "text": f"/kpi log pipeline 7.77M for {week_key}"},
        )
        assert typed.status_code == 200, typed.text
        reply = ws.wait_for(lambda: ws.ephemerals_for(LEO, SALES), timeout=20)[-1]
        assert "Logged" in reply.text, reply.text

    assert stack.runtime is not None
    # The reply can reach the page a moment before the listener publishes the event, so drain
    # what is queued, then wait for the event pump (running in the stack) to do the rest.
    stack.runtime.events.drain()
    ws.wait_for(
        lambda: [c for c in ws.calls_to("chat.update") if c.params.get("channel") == SALES],
        timeout=30,
    )
    after = _sales_digest(ws)
    assert after.ts == before.ts  # type: ignore[attr-defined]
    assert "$7.77M" in json.dumps(after.blocks)  # type: ignore[attr-defined]
