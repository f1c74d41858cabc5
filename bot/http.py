"""The HTTP front: Slack's requests at POST /slack/events, a health check at GET /healthz,
and the values API under /api/v1 when its routes are given (see bot.api).

Bolt's dispatch is synchronous; it runs on Starlette's thread pool so one slow request never
holds up the event loop (Bolt's own Starlette adapter calls it on the loop).

Before Bolt sees a request, the edge refuses what no Slack request looks like, with a status
and a sentence saying what was wrong: a body over MAX_BODY (413, counted as it arrives, so an
endless body is never held in memory) and a body that does not parse: an Events API body or an
interaction's ``payload`` field that is not a JSON object (400). Nothing is written for either.

/healthz answers 503 when the database fails or does not answer within HEALTH_TIMEOUT, and
200 again as soon as it answers: the pool reconnects, no restart is needed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

# Slack's own requests are far smaller (a modal's state, an event); refuse anything absurd.
MAX_BODY = 1_000_000
HEALTH_TIMEOUT = 5.0  # seconds: a database that does not answer by then counts as gone


class TooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, or TooLarge as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def malformed(body: bytes, content_type: str) -> str | None:
    """Why ``body`` is no Slack request, or None: JSON bodies and interaction payloads must
    be JSON objects (commands are plain forms and are left to Bolt)."""
    media = content_type.split(";")[0].strip().lower()
    what = "the body" if media == "application/json" else "the payload field"
    try:
        if media == "application/json":
            data = json.loads(body)
        elif media == "application/x-www-form-urlencoded":
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "payload" not in fields:
                return None
            data = json.loads(fields["payload"][0])
        else:
            return None
    except (UnicodeDecodeError, ValueError) as exc:
        return f"The request could not be read: {what} is not valid JSON ({exc})."
    if not isinstance(data, dict):
        return f"The request could not be read: {what} is JSON but not an object."
    return None


def build_http_app(app: App, engine: Engine, api_routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def slack_events(request: Request) -> Response:
        try:
            body = await read_body(request)
        except TooLarge:
            return PlainTextResponse(
                f"The request body is too large: kpibot accepts at most {MAX_BODY} bytes, "
                "far more than any Slack request needs.",
                status_code=413,
            )
        problem = malformed(body, request.headers.get("content-type", ""))
        if problem is not None:
            return PlainTextResponse(problem, status_code=400)
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_: Request) -> Response:
        def ping() -> bool:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True

        try:
            await asyncio.wait_for(run_in_threadpool(ping), HEALTH_TIMEOUT)
        except TimeoutError:
            return JSONResponse({"ok": False, "database": "no answer"}, status_code=503)
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
