"""`kpibot serve`: HTTP under uvicorn, or Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from bot.app import build_app
from bot.http import build_http_app
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack_client import make_client

log = logging.getLogger(__name__)


class NotConfigured(Exception):
    pass


def serve(settings: Settings, engine: Engine, *, scheduler: bool) -> None:
    missing = settings.slack_configured()
    if missing:
        raise NotConfigured(
            "kpibot needs Slack credentials to serve: set "
            + " and ".join(missing)
            + " (see README: Create the Slack app)."
        )
    rt = Runtime(settings=settings, engine=engine, client=make_client(settings))
    app = build_app(rt)
    rt.events.start()  # stored values reach reminders and posted digests as they come
    clock = None
    if scheduler:
        from bot.jobs import scheduler as jobs_scheduler

        clock = jobs_scheduler.start(rt)  # scheduled work runs on its own threads
    else:
        log.info("scheduled work is off (--no-scheduler)")
    try:
        _serve_requests(settings, engine, app, rt)
    finally:
        if clock is not None:
            clock.shutdown(wait=False)


def _serve_requests(settings: Settings, engine: Engine, app: Any, rt: Runtime) -> None:
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
        return
    import uvicorn

    from bot.api.wiring import api_routes

    log.info("serving Slack requests on http://%s:%s/slack/events", settings.host, settings.port)
    uvicorn.run(
        build_http_app(app, engine, api_routes(rt)),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )
