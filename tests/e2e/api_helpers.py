"""The values API over real HTTP: the kpibot Starlette app, with its /api/v1 routes, under
uvicorn on a loopback port, Slack played by localslack; tokens issued as operators do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from bot.api.wiring import api_routes
from bot.app import build_app
from bot.http import build_http_app
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.slack_client import make_client
from commands.api_tokens import create_token, revoke_token
from commands.context import Context
from localslack import LocalSlackServer, ServerThread, SlackDriver
from storage.db import session_scope

from .conftest import ADMIN, NOW, SECRET, Harness, make_workspace, seed

MARKETING_KPI = """
kpis:
  - {key: signups, name: Weekly signups, team: marketing, owner: U0BOB0001, unit: signups,
     direction: up, target: 500, cadence: weekly, indicator: leading}
"""
TABLES = ("measurement", "measurement_revision", "audit_event", "api_idempotency")


@dataclass
class ApiHarness(Harness):
    base: str = ""

    def token(self, name: str = "crm-sync", **scope: Any) -> str:
        with session_scope(self.engine) as session:
            ctx = Context(session=session, actor="cli", now=NOW, policy=self.runtime.policy)
            issued = create_token(
                ctx,
                name,
                teams=scope.get("teams", []),
                kpis=scope.get("kpis", []),
                read_only=scope.get("read_only", False),
            )
        return issued.token

    def revoke(self, name: str) -> None:
        with session_scope(self.engine) as session:
            ctx = Context(session=session, actor="cli", now=NOW, policy=self.runtime.policy)
            revoke_token(ctx, name)

    def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 30)
        return httpx.request(method, self.base + path, headers=sent, trust_env=False, **kwargs)

    def counts(self) -> dict[str, int]:
        """Rows in every table an API write could touch: equal before and after = nothing
        written."""
        with self.engine.connect() as connection:
            return {
                t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
                for t in TABLES
            }


def start(
    slack_server: LocalSlackServer,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    *,
    rate_limit: int = 600,
) -> Iterator[ApiHarness]:
    workspace = make_workspace()
    slack_server.workspace = workspace
    monkeypatch.setenv("SLACK_BOT_TOKEN", workspace.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack_server.api_url)
    monkeypatch.setenv("KPIBOT_ADMINS", ADMIN)
    monkeypatch.setenv("KPIBOT_API_RATE_LIMIT", str(rate_limit))
    settings = load_settings(env_file=None)
    seed(engine)
    seed(engine, MARKETING_KPI)
    clock = [NOW]
    runtime = Runtime(
        settings=settings, engine=engine, client=make_client(settings), clock=lambda: clock[0]
    )
    app = build_app(runtime)
    server = ServerThread(build_http_app(app, engine, api_routes(runtime))).start()
    driver = SlackDriver(workspace, f"{server.url}/slack/events", SECRET)
    try:
        yield ApiHarness(workspace, driver, engine, runtime, clock, app, base=server.url)
    finally:
        driver.close()
        server.stop()
        app.listener_runner.listener_executor.shutdown(wait=True)
        runtime.close()  # background work (alerts, digest refreshes) ends before the data goes
