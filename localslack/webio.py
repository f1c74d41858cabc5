"""Plumbing of the page's JSON API: the guard every endpoint passes, bodies and answers.

Only requests naming a loopback host are served (a DNS-rebinding page cannot reach the
workspace), every POST must be JSON (a form on another site cannot post without a CORS
preflight, which is never granted), and failures become `{"ok": false, "error": ...}`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def guarded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Loopback only; JSON bodies only; BadRequest and an unreachable app become JSON."""

    async def endpoint(request: Request) -> Response:
        if not is_loopback(request):
            return JSONResponse({"ok": False, "error": "loopback only"}, status_code=403)
        if request.method == "POST" and media_type(request) != "application/json":
            return JSONResponse({"ok": False, "error": "send JSON"}, status_code=415)
        try:
            result = await handler(request)
        except BadRequest as exc:
            return JSONResponse({"ok": False, "error": exc.message}, status_code=exc.status)
        except httpx.HTTPError as exc:
            error = f"the app did not answer: {type(exc).__name__}"
            return JSONResponse({"ok": False, "error": error}, status_code=502)
        if isinstance(result, Response):
            return result
        return JSONResponse(result, headers={"Cache-Control": "no-store"})

    return endpoint


def is_loopback(request: Request) -> bool:
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in LOOPBACK_HOSTS


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


async def send(send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> httpx.Response:
    response: httpx.Response = await run_in_threadpool(send, *args, **kwargs)
    return response


def answer(response: httpx.Response) -> dict[str, Any]:
    """How the app answered a request: the page shows a failure as Slack would."""
    if response.status_code == 200:
        return {"ok": True}
    return {
        "ok": False,
        "status": response.status_code,
        "error": f"the app answered HTTP {response.status_code}",
    }


def parse_zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"unknown time zone {tz_name!r}") from None


def parse_when(text: str, tz_name: str) -> datetime:
    """A time from the page: ISO, with an offset or in the zone named by `tz`."""
    tz = parse_zone(tz_name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not a time like 2026-11-30T09:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
