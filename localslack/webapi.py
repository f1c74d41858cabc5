"""The stand-in's HTTP face: a Starlette app serving the Web API and Slack's side URLs.

Routes
  POST|GET /api/{method}        Web API methods (form, multipart or JSON bodies)
  POST     /upload/{file_id}    upload URLs from files.getUploadURLExternal (raw or multipart)
  POST     /response/{id}       response URLs handed to the app in interactions
  GET      /files/{id}/{name}   a file's bytes (url_private), with the bot token
  GET      /                    the browser page, when served with a `WebUi` (see web.py)
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from localslack.errors import SlackError
from localslack.methods import WebApi
from localslack.models import Call
from localslack.web import WebUi
from localslack.workspace import Workspace


def create_app(workspace: Workspace, *, ui: WebUi | None = None) -> Starlette:
    """A Starlette app serving `workspace`; swap it later with `use_workspace()`.

    With `ui`, the browser page is served too (at "/", see web.py)."""
    routes: list[BaseRoute] = [
        Route("/api/{method}", _api, methods=["GET", "POST"]),
        Route("/upload/{file_id}", _upload, methods=["POST", "PUT"]),
        Route("/response/{response_id}", _response_url, methods=["POST"]),
        Route("/files/{file_id}/{name}", _download, methods=["GET"]),
    ]
    routes += ui.routes() if ui is not None else [Route("/", _index, methods=["GET"])]
    app = Starlette(routes=routes)
    use_workspace(app, workspace)
    return app


def use_workspace(app: Starlette, workspace: Workspace) -> None:
    app.state.workspace = workspace
    app.state.api = WebApi(workspace)


def _workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


def _base_url(request: Request) -> str:
    return _workspace(request).base_url or str(request.base_url).rstrip("/")


# --- request bodies ----------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(field name, filename or None, bytes) for each part of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts.append((str(name or ""), filename, data))
    return parts


async def _read_params(request: Request) -> tuple[dict[str, Any], str | None]:
    """The call's arguments and its token, wherever the client put them."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    media_type = _media_type(request)
    token_allowed_in_body = True
    if body:
        if media_type == "application/json":
            # Slack reads the token of a JSON call only from the Authorization header.
            token_allowed_in_body = False
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise SlackError("invalid_json") from None
            if not isinstance(data, dict):
                raise SlackError("invalid_json")
            params.update(data)
        elif media_type == "multipart/form-data":
            for name, filename, data_bytes in parse_multipart(
                request.headers["content-type"], body
            ):
                params[name] = data_bytes if filename else data_bytes.decode("utf-8", "replace")
        else:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    token = params.pop("token", None) if token_allowed_in_body else None
    params.pop("token", None)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return params, token if isinstance(token, str) else None


# --- endpoints ---------------------------------------------------------------------------------


async def _api(request: Request) -> Response:
    workspace = _workspace(request)
    api: WebApi = request.app.state.api
    method = request.path_params["method"]
    delay = workspace.latency_for(method)
    if delay > 0:
        await asyncio.sleep(delay)
    try:
        params, token = await _read_params(request)
    except SlackError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    response = api.call(method, params, token=token, base_url=_base_url(request))
    return JSONResponse(response.body, status_code=response.status, headers=response.headers)


async def _upload(request: Request) -> Response:
    workspace = _workspace(request)
    file_id = request.path_params["file_id"]
    body = await request.body()
    if _media_type(request) == "multipart/form-data":
        parts = parse_multipart(request.headers["content-type"], body)
        files = [data for _, filename, data in parts if filename is not None]
        body = files[0] if files else (parts[0][2] if parts else b"")
    try:
        workspace.receive_upload(file_id, body)
    except SlackError as exc:
        workspace.record_call(Call("upload", {"file_id": file_id}, workspace.clock(), exc.status))
        return PlainTextResponse(exc.error, status_code=exc.status)
    workspace.record_call(
        Call("upload", {"file_id": file_id, "length": len(body)}, workspace.clock())
    )
    return PlainTextResponse(f"OK - {len(body)}")


async def _response_url(request: Request) -> Response:
    workspace = _workspace(request)
    response_id = request.path_params["response_id"]
    body = await request.body()
    payload: Any
    try:
        if _media_type(request) == "application/x-www-form-urlencoded":
            payload = json.loads(dict(parse_qsl(body.decode())).get("payload", ""))
        else:
            payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        answer = {"ok": False, "error": "invalid_payload"}
        workspace.record_call(Call("response_url", {}, workspace.clock(), 400, answer))
        return JSONResponse(answer, status_code=400)
    try:
        workspace.post_to_response_url(response_id, payload)
    except SlackError as exc:
        workspace.record_call(
            Call("response_url", payload, workspace.clock(), exc.status, exc.body())
        )
        return JSONResponse(exc.body(), status_code=exc.status)
    workspace.record_call(Call("response_url", payload, workspace.clock(), 200, {"ok": True}))
    return JSONResponse({"ok": True})


async def _download(request: Request) -> Response:
    workspace = _workspace(request)
    authorization = request.headers.get("authorization", "")
    if authorization != f"Bearer {workspace.bot_token}":
        return PlainTextResponse("not_authed", status_code=403)
    file = workspace.file(request.path_params["file_id"])
    if file is None or file.content is None:
        return PlainTextResponse("file_not_found", status_code=404)
    return Response(file.content, media_type=file.mimetype)


async def _index(request: Request) -> Response:
    workspace = _workspace(request)
    return JSONResponse(
        {"localslack": True, "team_id": workspace.team_id, "team": workspace.team_name}
    )
