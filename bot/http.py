"""The HTTP front: Slack's requests at POST /slack/events, a health check at GET /healthz,
and the values API under /api/v1 when its routes are given (see bot.api).

Bolt's dispatch is synchronous; it runs on Starlette's thread pool so one slow request never
holds up the event loop (Bolt's own Starlette adapter calls it on the loop).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd


def build_http_app(app: App, engine: Engine, api_routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("payload too large", status_code=413)
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_: Request) -> Response:
        def ping() -> bool:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True

        try:
            await run_in_threadpool(ping)
        except Exception as exc:
            return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *api_routes,
        ]
    )
