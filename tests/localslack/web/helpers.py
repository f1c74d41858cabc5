"""Helpers for the page's JSON API tests: the recording app, a fake job control, requests."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from localslack import JobReport, LocalSlackServer, WebUi, Workspace

SECRET = "web-ui-signing-secret"
START = 1_764_200_000.0
STATIC = Path(__file__).resolve().parents[3] / "localslack" / "static"

MODAL = {
    "type": "modal",
    "callback_id": "log_value",
    "title": {"type": "plain_text", "text": "Log value"},
    "submit": {"type": "plain_text", "text": "Log"},
    "blocks": [
        {
            "type": "input",
            "block_id": "value",
            "label": {"type": "plain_text", "text": "Value"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "when",
            "label": {"type": "plain_text", "text": "Date"},
            "element": {"type": "datepicker", "action_id": "when"},
        },
    ],
}


def button(text: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": "log_open",
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


class App:
    """Records what reaches the app and answers with `answers[type]` (else an empty 200)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.verifier = SignatureVerifier(SECRET)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        assert self.verifier.is_valid(
            body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
        )
        if headers["content-type"] == "application/json":
            data = json.loads(body)
            kind = str(data["event"]["type"])
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            data = json.loads(form["payload"]) if "payload" in form else form
            kind = str(data.get("type") or "command")
        self.requests.append({"kind": kind, **data})
        answer = self.answers.get(kind)
        return JSONResponse(answer) if answer else Response(status_code=200)

    def last(self, kind: str) -> dict[str, Any]:
        return [r for r in self.requests if r["kind"] == kind][-1]


class FakeControl:
    def __init__(self) -> None:
        self.runs: list[tuple[list[str], datetime]] = []

    def job_names(self) -> list[str]:
        return ["reminders", "digest"]

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        self.runs.append((list(names), at))
        return [JobReport(name, True, f"{name} ran") for name in names]

    def back_to(self, now: datetime) -> None:
        self.runs.append(([], now))


def serve_page(ws: Workspace, ui: WebUi) -> Iterator[httpx.Client]:
    with (
        LocalSlackServer(ws, ui=ui) as server,
        httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client,
    ):
        yield client


def post(page: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    return page.post(path, json=body)
