"""End to end: the real kpibot app over HTTP, Slack played by localslack on loopback.

Each test gets a fresh workspace (people, channels) and a fresh database with a small
company seeded through the same YAML import operators use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import Engine

from bot.app import build_app
from bot.http import build_http_app
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.slack_client import make_client
from commands.configfile import apply_config, parse_config
from localslack import LocalSlackServer, ServerThread, SlackDriver, Workspace
from localslack.models import Ephemeral
from storage.db import session_scope

SECRET = "e2e-signing-secret"
ALICE, BOB, LEAD, ADMIN, EVE = "U0ALICE01", "U0BOB0001", "U0LEAD001", "U0ADMIN01", "U0EVE0001"
SALES, MARKETING = "C0SALES01", "C0MKTG001"
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday, in 2026-W48

COMPANY = """
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
  - {key: marketing, name: Marketing, channel: C0MKTG001, timezone: Europe/Berlin, lead: U0BOB0001}
goals:
  - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
  - {key: pipeline-h1, title: Build a $4M qualified pipeline in H1, parent: grow-arr, team: sales, deadline: 2027-06-30}
kpis:
  - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1, owner: U0ALICE01, unit: USD,
     direction: up, target: 4000000, baseline: 1500000, cadence: weekly, indicator: leading,
     decision: Whether to hire another SDR}
  - {key: win-rate, name: Win rate, team: sales, goal: pipeline-h1, owner: U0ALICE01, unit: "%",
     direction: up, target: 30, baseline: 20, cadence: monthly, indicator: lagging}
  - {key: churn, name: Monthly churn, team: sales, goal: grow-arr, owner: U0BOB0001, unit: "%",
     direction: down, target: 2, baseline: 4, cadence: monthly, indicator: lagging}
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is end to end: `-m "not e2e"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def slack_server() -> Iterator[LocalSlackServer]:
    server = LocalSlackServer().start()
    yield server
    server.stop()


@dataclass
class Harness:
    workspace: Workspace
    driver: SlackDriver
    engine: Engine
    runtime: Runtime
    clock: list[datetime] = field(default_factory=lambda: [NOW])
    app: App | None = None

    def kpi(self, text: str, *, user: str = ALICE, channel: str | None = SALES) -> Ephemeral:
        """Type `/kpi text` and return the reply it gets (waits for the work after ack)."""
        before = len(self.workspace.ephemerals_for(user))
        response = self.driver.command(user, text, channel_id=channel)
        assert response.status_code == 200, response.text
        reply: Ephemeral = self.workspace.wait_for(
            lambda: _nth(self.workspace.ephemerals_for(user), before)
        )
        return reply

    def send(self, text: str, *, user: str = ALICE, channel: str | None = SALES) -> Any:
        response = self.driver.command(user, text, channel_id=channel)
        assert response.status_code == 200, response.text
        return response

    def wait(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        return self.workspace.wait_for(predicate, timeout=timeout)

    def drain(self) -> None:
        """Wait until every listener the requests so far started has finished (Bolt hands them
        to its pool before it acks), so the call log is final and a test can assert that
        something did NOT happen. The app takes no more requests afterwards."""
        assert self.app is not None, "this harness has no app to drain"
        self.app.listener_runner.listener_executor.shutdown(wait=True)


def _nth(items: list[Any], index: int) -> Any:
    return items[index] if len(items) > index else None


def seed(engine: Engine, text: str = COMPANY) -> None:
    with session_scope(engine) as session:
        apply_config(session, parse_config(text, "company.yml"), actor="test", now=NOW)


def make_workspace() -> Workspace:
    ws = Workspace()
    for user_id, name, tz in [
        (ALICE, "alice", "America/New_York"),
        (BOB, "bob", "Europe/Berlin"),
        (LEAD, "lead", "America/New_York"),
        (ADMIN, "admin", "UTC"),
        (EVE, "eve", "Asia/Tokyo"),
    ]:
        ws.add_user(user_id, name, tz=tz)
    members = [ALICE, BOB, LEAD, ADMIN, EVE]
    ws.add_channel(SALES, "sales", members=members)
    ws.add_channel(MARKETING, "marketing", members=members)
    return ws


@pytest.fixture
def harness(
    slack_server: LocalSlackServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    workspace = make_workspace()
    slack_server.workspace = workspace
    monkeypatch.setenv("SLACK_BOT_TOKEN", workspace.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack_server.api_url)
    monkeypatch.setenv("KPIBOT_ADMINS", ADMIN)
    settings = load_settings(env_file=None)
    seed(engine)
    clock = [NOW]
    runtime = Runtime(
        settings=settings, engine=engine, client=make_client(settings), clock=lambda: clock[0]
    )
    app = build_app(runtime)
    server = ServerThread(build_http_app(app, engine)).start()
    driver = SlackDriver(workspace, f"{server.url}/slack/events", SECRET)
    try:
        yield Harness(workspace, driver, engine, runtime, clock, app)
    finally:
        driver.close()
        server.stop()
        app.listener_runner.listener_executor.shutdown(wait=True)
        runtime.close()  # background work (alerts, digest refreshes) ends before the data goes
