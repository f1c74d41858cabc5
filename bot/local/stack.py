"""kpibot and a local Slack workspace, wired together over HTTP on 127.0.0.1.

`LocalStack` is what `kpibot local` runs (and what the browser tests start): the local
workspace (localslack) serves the Web API and the browser page; kpibot serves its request URL
exactly as in production, with SLACK_API_URL pointing at the workspace and a signing secret
made up for this run. The page's clicks reach kpibot as signed Slack requests through
`SlackDriver`. Both share one clock, which the page's clock control can move.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from pydantic import SecretStr
from slack_bolt import App
from sqlalchemy import Engine

from bot.app import build_app
from bot.http import build_http_app
from bot.listeners.slash import COMMAND as SLASH_COMMAND
from bot.local import demo
from bot.local.jobs import KpibotControl
from bot.runtime import Runtime, policy_from
from bot.settings import Settings
from bot.slack_client import make_client
from localslack import LocalSlackServer, ServerThread, SlackDriver, TravelClock, WebUi

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
# What Slack knows of kpibot from app_manifest.yml (tests/bot/test_local.py compares).
BOT_EVENTS = frozenset({"app_home_opened", "message.channels", "message.groups", "user_change"})
MESSAGES_TAB_READ_ONLY = True


@dataclass
class LocalStack:
    """Start with `start()` (or `with`), stop with `stop()`; `url` is the page."""

    settings: Settings
    engine: Engine
    port: int = 0  # the page's port; 0 picks a free one
    seed: bool = True
    clock: TravelClock = field(default_factory=TravelClock)
    slack: LocalSlackServer | None = None
    kpibot: ServerThread | None = None
    runtime: Runtime | None = None
    ui: WebUi | None = None
    seeded: demo.Seeded | None = None
    _app: App | None = None

    @property
    def url(self) -> str:
        if self.slack is None:
            raise RuntimeError("the local stack is not started")
        return self.slack.url + "/"

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def start(self) -> Self:
        settings = self.settings
        if not settings.admins:
            settings = settings.model_copy(update={"admins": (demo.ADMIN,)})
        now = self.now()
        spec = demo.company(now.astimezone(settings.tz).date())
        workspace = demo.make_workspace(spec, self.clock)
        self.ui = WebUi(
            workspace,
            default_user=demo.DEFAULT_USER,
            commands=(SLASH_COMMAND,),
            events=BOT_EVENTS,
            messages_tab_read_only=MESSAGES_TAB_READ_ONLY,
        )
        self.slack = LocalSlackServer(workspace, host=LOOPBACK, port=self.port, ui=self.ui)
        self.slack.start()  # first, so a busy port fails before anything is written
        try:
            if self.seed:
                self.seeded = demo.seed(self.engine, now=now, policy=policy_from(settings))
            demo.add_database_people(workspace, self.engine)
            self._start_kpibot(settings, workspace.bot_token)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_kpibot(self, settings: Settings, bot_token: str) -> None:
        assert self.slack is not None
        assert self.ui is not None
        secret = secrets.token_hex(16)  # made up per run: only this stack knows it
        settings = settings.model_copy(
            update={
                "slack_bot_token": SecretStr(bot_token),
                "slack_signing_secret": SecretStr(secret),
                "slack_app_token": None,
                "slack_api_url": self.slack.api_url,
            }
        )
        self.runtime = Runtime(
            settings=settings, engine=self.engine, client=make_client(settings), clock=self.now
        )
        self._app = build_app(self.runtime)
        self.runtime.events.start()  # no scheduler here: stored values reach digests this way
        self.kpibot = ServerThread(build_http_app(self._app, self.engine), host=LOOPBACK).start()
        self.ui.driver = SlackDriver(
            self.slack.workspace, f"{self.kpibot.url}/slack/events", secret
        )
        self.ui.control = KpibotControl(self.runtime)
        log.info("kpibot serves the local workspace at %s/slack/events", self.kpibot.url)

    def stop(self) -> None:
        if self.ui is not None and self.ui.driver is not None:
            self.ui.driver.close()
            self.ui.driver = None
        if self.kpibot is not None:
            self.kpibot.stop()
            self.kpibot = None
        if self._app is not None:
            self._app.listener_runner.listener_executor.shutdown(wait=True)
            self._app = None
        if self.runtime is not None:
            self.runtime.close()  # joins the chart worker processes
            self.runtime = None
        if self.slack is not None:
            self.slack.stop()
            self.slack = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
