"""The local workspace in a browser: a Slack-like page and the small JSON API behind it.

`WebUi` adds these routes to the stand-in's Starlette app (`create_app(workspace, ui=...)`):

  GET  /                   the page (static files under /static/, no build step, no CDN)
  GET  /ui/state           what one person sees; with `since=VERSION` it waits for a change
  POST /ui/command         type in the message box: `/kpi ...` or a plain message
  POST /ui/action          press a button, pick from a select or a date picker
  POST /ui/submit          submit a modal;  POST /ui/close: close one
  POST /ui/home            open the app's Home tab (the app gets app_home_opened)
  GET  /ui/jobs            the app's scheduled jobs and the workspace clock
  POST /ui/jobs/run        run them as of a time (moving the clock there);  POST /ui/clock/reset
  GET  /ui/files/{id}      a file's bytes, for images

Every person's action reaches the app as Slack would send it: `SlackDriver` signs it and posts
it to the app's request URL. Only loopback hosts are served, and POSTs must be JSON, so another
web site open in the same browser cannot drive the workspace.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from localslack import payloads
from localslack.clock import TravelClock
from localslack.compose import encode
from localslack.control import AppControl, NoJobs
from localslack.driver import SlackDriver
from localslack.jobnews import suggested_time, what_happened
from localslack.models import Ephemeral, Message, View
from localslack.snapshot import resolve_channel, snapshot
from localslack.webio import (
    BadRequest,
    answer,
    guarded,
    is_loopback,
    parse_when,
    parse_zone,
    read_json,
    send,
    text_field,
)
from localslack.workspace import Workspace

STATIC = Path(__file__).parent / "static"
MESSAGE_EVENTS = {
    "im": "message.im",
    "mpim": "message.mpim",
    "private_channel": "message.groups",
    "public_channel": "message.channels",
}


class WebUi:
    """The page's server side. Give it the driver once the app's URL is known."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        driver: SlackDriver | None = None,
        control: AppControl | None = None,
        default_user: str | None = None,
        commands: Sequence[str] = ("/kpi",),
        events: Collection[str] | None = None,
        messages_tab_read_only: bool = False,
        poll_timeout: float = 25.0,
    ) -> None:
        """`commands` are the app's slash commands; `events` the bot events it subscribes to
        (None: every event), and `messages_tab_read_only` its manifest setting of that name."""
        self.workspace = workspace
        self.driver = driver
        self.control: AppControl = control if control is not None else NoJobs()
        self.default_user = default_user
        self.commands = tuple(commands)
        self.events = None if events is None else frozenset(events)
        self.messages_tab_read_only = messages_tab_read_only
        self.poll_timeout = poll_timeout

    def _subscribed(self, event: str) -> bool:
        return self.events is None or event in self.events

    def routes(self) -> list[BaseRoute]:
        api: list[tuple[str, Callable[[Request], Any], str]] = [
            ("/ui/state", self._state, "GET"),
            ("/ui/command", self._command, "POST"),
            ("/ui/action", self._action, "POST"),
            ("/ui/submit", self._submit, "POST"),
            ("/ui/close", self._close, "POST"),
            ("/ui/home", self._home, "POST"),
            ("/ui/jobs", self._jobs, "GET"),
            ("/ui/jobs/run", self._run_jobs, "POST"),
            ("/ui/clock/reset", self._reset_clock, "POST"),
            ("/ui/files/{file_id}", self._file, "GET"),
        ]
        routes: list[BaseRoute] = [Route("/", self._page, methods=["GET"])]
        routes += [Route(path, guarded(handler), methods=[m]) for path, handler, m in api]
        routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
        return routes

    @property
    def clock(self) -> TravelClock | None:
        clock = self.workspace.clock
        return clock if isinstance(clock, TravelClock) else None

    # --- reading -----------------------------------------------------------------------------

    async def _page(self, request: Request) -> Response:
        if not is_loopback(request):
            return JSONResponse({"ok": False, "error": "loopback only"}, status_code=403)
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _state(self, request: Request) -> Any:
        params = request.query_params
        user = self._viewer(params.get("user") or "")
        since = params.get("since")
        if since is not None and since.lstrip("-").isdigit():
            deadline = time.monotonic() + self.poll_timeout
            while self.workspace.version == int(since) and time.monotonic() < deadline:
                if await request.is_disconnected():
                    return Response(status_code=204)
                await asyncio.sleep(0.1)
        clock = self.clock
        return await run_in_threadpool(
            snapshot,
            self.workspace,
            user,
            channel=params.get("channel") or None,
            thread_ts=params.get("thread") or None,
            travelled=clock.travelled if clock else False,
        )

    def _viewer(self, asked: str) -> str:
        """Who the page shows: the person asked for, else the default one, else anyone."""
        people = [u.id for u in self.workspace.users if not u.is_bot and not u.deleted]
        for candidate in (asked, self.default_user):
            if candidate in people:
                return candidate
        if not people:
            raise BadRequest("the workspace has nobody in it", 409)
        return people[0]

    async def _jobs(self, request: Request) -> Any:
        tz = parse_zone(request.query_params.get("tz") or "UTC")
        names = await run_in_threadpool(self.control.job_names)
        clock = self.clock
        real_now = clock.real() if clock else self.workspace.clock()
        return {
            "jobs": names,
            "now": self.workspace.clock(),
            "real_now": real_now,
            "suggested": suggested_time(real_now, tz),
            "travelled": clock.travelled if clock else False,
            "can_travel": clock is not None,
        }

    async def _file(self, request: Request) -> Response:
        file = self.workspace.file(request.path_params["file_id"])
        if file is None or file.content is None:
            return JSONResponse({"ok": False, "error": "file_not_found"}, status_code=404)
        return Response(file.content, media_type=file.mimetype)

    # --- acting ------------------------------------------------------------------------------

    async def _command(self, request: Request) -> Any:
        body = await read_json(request)
        user = self._user(body)
        text = text_field(body, "text").strip()
        if not text:
            raise BadRequest("type a message or a command first")
        channel = resolve_channel(self.workspace, user, text_field(body, "channel") or "app")
        thread_ts = text_field(body, "thread_ts") or None
        ws, driver = self.workspace, self._driver()
        if text.startswith("/"):
            command, _, args = text.partition(" ")
            if command not in self.commands:
                raise BadRequest(
                    f"{command} is not a valid command. In Slack, all messages that start "
                    'with "/" are interpreted as commands.'
                )
            args = encode(args.strip(), ws.users, ws.channels, command=True)
            response = await send(driver.command, user, args, channel_id=channel)
            return answer(response)
        found = ws.channel(channel) if channel else None
        kind = "im" if found is None or found.is_im else found.kind
        if kind == "im" and self.messages_tab_read_only:
            raise BadRequest("Sending messages to this app has been turned off.")
        text = encode(text, ws.users, ws.channels)
        if self._subscribed(MESSAGE_EVENTS[kind]):
            await send(driver.say, user, text, channel_id=channel, thread_ts=thread_ts)
            return {"ok": True}  # posted, whatever the app answers to the event
        message = ws.post_as_user(user, channel or user, text, thread_ts=thread_ts)
        if kind != "im" and f"<@{ws.bot_user_id}>" in text and self._subscribed("app_mention"):
            event = payloads.app_mention_event(
                user, message.channel, text, ts=message.ts, thread_ts=message.thread_ts
            )
            await send(driver.event, event)
        return {"ok": True}

    async def _action(self, request: Request) -> Any:
        body = await read_json(request)
        user = self._user(body)
        where = body.get("where")
        if not isinstance(where, dict):
            raise BadRequest("where: say which message or view the element is in")
        source = self._source(user, where)
        blocks = source.blocks if isinstance(source, View) else (source.blocks or [])
        block, element = _element(blocks, body.get("path"), text_field(body, "action_id"))
        kind = str(element.get("type", "button"))
        value = element.get("value") if kind == "button" else body.get("value")
        state = body.get("state") if isinstance(body.get("state"), dict) else None
        response = await send(
            self._driver().block_action,
            user,
            str(element["action_id"]),
            value,
            block_id=str(block.get("block_id") or "") or None,
            message=None if isinstance(source, View) else source,
            view=source if isinstance(source, View) else None,
            action_type=kind,
            state=state,
            element=element,
        )
        return answer(response)

    async def _submit(self, request: Request) -> Any:
        body = await read_json(request)
        user = self._user(body)
        view = self._open_view(user, text_field(body, "view_id"))
        values = body.get("values") if isinstance(body.get("values"), dict) else {}
        response = await send(self._driver().view_submission, user, view.id, values)
        return answer(response)

    async def _close(self, request: Request) -> Any:
        body = await read_json(request)
        user = self._user(body)
        view = self._open_view(user, text_field(body, "view_id"))
        if body.get("all"):
            stack = self.workspace.views_for(user)
            view = stack[0] if stack else view
        if view.definition.get("notify_on_close"):
            return answer(await send(self._driver().view_closed, user, view.id))
        self.workspace.close_view(view.id)
        return {"ok": True}

    async def _home(self, request: Request) -> Any:
        body = await read_json(request)
        return answer(await send(self._driver().app_home_opened, self._user(body)))

    async def _run_jobs(self, request: Request) -> Any:
        body = await read_json(request)
        at = parse_when(text_field(body, "at"), text_field(body, "tz") or "UTC")
        known = await run_in_threadpool(self.control.job_names)
        asked = body.get("jobs")
        names = [str(n) for n in asked] if isinstance(asked, list) else known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BadRequest(f"no such job: {', '.join(unknown)}")
        clock = self.clock
        # The page runs the jobs of one run one request at a time; the later ones leave the
        # clock ticking on from the first move rather than turning it back to `at`.
        if clock is not None and body.get("keep_clock") is not True:
            clock.travel_to(at.timestamp())
        reports = []
        for name in names:  # one at a time, to tell what each one posted
            mark = self.workspace.mark()
            report = (await run_in_threadpool(self.control.run_jobs, [name], at))[0]
            said = what_happened(self.workspace, name, mark)
            reports.append({**report.to_json(), "said": said})
        return {"ok": all(r["ok"] for r in reports), "at": at.isoformat(), "reports": reports}

    async def _reset_clock(self, request: Request) -> Any:
        await read_json(request)
        clock = self.clock
        if clock is not None and clock.travelled:
            clock.reset()
            # Undo the move: what was posted and logged ahead of real time would otherwise stay
            # in the future, and every message after it would be stamped hours ahead.
            now = clock()
            self.workspace.forget_after(now)
            await run_in_threadpool(self.control.back_to, datetime.fromtimestamp(now, UTC))
        return {"ok": True, "now": self.workspace.clock()}

    # --- helpers -----------------------------------------------------------------------------

    def _driver(self) -> SlackDriver:
        if self.driver is None:
            raise BadRequest("the app is not connected yet", 503)
        return self.driver

    def _user(self, body: dict[str, Any]) -> str:
        user = text_field(body, "user")
        found = self.workspace.user(user)
        if found is None or found.is_bot:
            raise BadRequest(f"no person {user!r} in the workspace")
        return user

    def _open_view(self, user: str, view_id: str) -> View:
        view = self.workspace.view(view_id)
        if view is None or view.user != user or not view.is_open:
            raise BadRequest("that modal is no longer open", 409)
        return view

    def _source(self, user: str, where: dict[str, Any]) -> Message | Ephemeral | View:
        ws = self.workspace
        if where.get("type") == "view":
            view = ws.view(str(where.get("view_id", "")))
            if view is None or view.user != user or not view.is_open:
                raise BadRequest("that view is no longer open", 409)
            return view
        channel, ts = str(where.get("channel", "")), str(where.get("ts", ""))
        if where.get("ephemeral"):
            found = [e for e in ws.ephemerals_for(user, channel) if e.ts == ts]
            if not found:
                raise BadRequest("that message is gone", 409)
            return found[0]
        message = ws.message(channel, ts)
        if message is None:
            raise BadRequest("that message is gone", 409)
        return message


def _element(
    blocks: list[dict[str, Any]], path: Any, action_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The block and element at `path` ([block index] or [block index, element index])."""
    if not isinstance(path, list) or not path or not all(isinstance(i, int) for i in path):
        raise BadRequest("path: [block index, element index]")
    try:
        block = blocks[path[0]]
        if len(path) == 1:
            element = block.get("accessory") or block.get("element")
        else:
            element = block["elements"][path[1]]
    except (IndexError, KeyError, TypeError):
        raise BadRequest("no such element in that message", 409) from None
    if not isinstance(element, dict) or element.get("action_id") != action_id:
        raise BadRequest("that element has changed; try again", 409)
    return block, element
