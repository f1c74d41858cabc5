"""`kpibot local` end to end without a browser: the page's JSON API in front of the real kpibot
over HTTP, with the demo company seeded in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bot.local import demo
from bot.local.jobs import registered_jobs
from bot.local.stack import LocalStack
from bot.settings import load_settings
from localslack import Workspace
from storage import repo
from storage.db import session_scope

pytestmark = pytest.mark.e2e
MAYA, LEO, SALES = demo.DEFAULT_USER, "U0DEMOLEO", "C0DEMOSALES"


@pytest.fixture
def stack(engine: Engine) -> Iterator[LocalStack]:
    with LocalStack(load_settings(env_file=None), engine) as running:
        yield running


@pytest.fixture
def page(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=20, trust_env=False) as client:
        yield client


def workspace(stack: LocalStack) -> Workspace:
    assert stack.slack is not None
    return stack.slack.workspace


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["ok"], body
    return body


def test_typed_kpi_log_is_answered_in_the_channel(stack: LocalStack, page: httpx.Client) -> None:
    ws = workspace(stack)
    ok(
        page.post(
            "/ui/command", json={"user": LEO, "channel": SALES, "text": "/kpi log pipeline 3.2M"}
        )
    )
    reply = ws.wait_for(lambda: ws.ephemerals_for(LEO, SALES), timeout=20)[-1]
    assert "Logged" in reply.text
    assert "$3.2M" in reply.text
    state = page.get("/ui/state", params={"user": LEO, "channel": SALES}).json()
    assert any(m["ephemeral"] and "Logged" in m["text"] for m in state["messages"])
    with session_scope(stack.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        latest = repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0]
        assert latest.value == 3_200_000


def test_home_tab_log_value_modal_round_trip(stack: LocalStack, page: httpx.Client) -> None:
    ws = workspace(stack)
    ok(page.post("/ui/home", json={"user": MAYA}))
    home = ws.wait_for(lambda: ws.home_for(MAYA), timeout=20)
    index = next(
        i
        for i, block in enumerate(home.blocks)
        if block.get("accessory", {}).get("action_id") == "log_open"
    )
    kpi_key = home.blocks[index]["accessory"]["value"]
    where = {"type": "view", "view_id": home.id}
    ok(
        page.post(
            "/ui/action",
            json={"user": MAYA, "action_id": "log_open", "path": [index], "where": where},
        )
    )
    modal = ws.wait_for(lambda: ws.views_for(MAYA), timeout=20)[-1]
    assert modal.callback_id == "log_value"
    state = page.get("/ui/state", params={"user": MAYA}).json()
    assert state["modals"][0]["id"] == modal.id

    period = next(b for b in modal.blocks if b.get("block_id") == "period")
    values = {
        "value": {"value": "301k"},
        "period": {"period": period["element"]["initial_value"]},
        "note": {"note": "two renewals & one <b>upsell</b>"},
    }
    ok(page.post("/ui/submit", json={"user": MAYA, "view_id": modal.id, "values": values}))
    done = ws.wait_for(
        lambda: next((v for v in ws.views_for(MAYA) if "Logged" in str(v.blocks)), None),
        timeout=20,
    )
    text = str(done.blocks)
    assert "$301k" in text
    assert (
        "&lt;b&gt;upsell&lt;/b&gt;" in text
    )  # kpibot escaped the note; the page shows it as typed
    with session_scope(stack.engine) as session:
        kpi = repo.get_kpi(session, kpi_key)
        assert kpi is not None
        assert repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0].value == 301_000


def test_the_clock_control_lists_kpibots_jobs_and_runs_them(
    stack: LocalStack, page: httpx.Client
) -> None:
    info = page.get("/ui/jobs").json()
    assert info["jobs"] == list(registered_jobs())
    assert info["can_travel"] is True
    ran = page.post("/ui/jobs/run", json={"at": "2030-01-07T09:00", "tz": "Europe/Berlin"}).json()
    assert [r["name"] for r in ran["reports"]] == info["jobs"]
    assert ran["at"] == "2030-01-07T09:00:00+01:00"
    assert stack.now().year == 2030  # kpibot's clock moved with the workspace's
    assert page.get("/ui/state").json()["travelled"] is True
    ok(page.post("/ui/clock/reset", json={}))
    assert stack.now().year < 2030
