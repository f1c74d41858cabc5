"""The browser page's JSON API: what it shows a person, and how each thing a person does there
reaches the app as a signed Slack request (the app here is a recorder that checks them)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localslack import (
    FakeClock,
    JobReport,
    LocalSlackServer,
    ServerThread,
    SlackDriver,
    TravelClock,
    WebUi,
    Workspace,
)

SECRET = "web-ui-signing-secret"
START = 1_764_200_000.0
STATIC = Path(__file__).resolve().parents[2] / "localslack" / "static"

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


def _button(text: str, value: str) -> dict[str, Any]:
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


@pytest.fixture(scope="module")
def served_app() -> Iterator[tuple[App, str]]:
    app = App()
    starlette = Starlette(routes=[Route("/slack/events", app.handle, methods=["POST"])])
    with ServerThread(starlette) as served:
        yield app, served.url + "/slack/events"


class FakeControl:
    def __init__(self) -> None:
        self.runs: list[tuple[list[str], datetime]] = []

    def job_names(self) -> list[str]:
        return ["reminders", "digest"]

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        self.runs.append((list(names), at))
        return [JobReport(name, True, f"{name} ran") for name in names]


@pytest.fixture
def fake_time() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ws(fake_time: FakeClock) -> Workspace:
    workspace = Workspace(clock=TravelClock(real=fake_time))
    workspace.add_user("U0ANN", "ann", tz="America/New_York", real_name="Ann Lee")
    workspace.add_user("U0BOB", "bob", tz="Europe/Berlin", real_name="Bob Stone")
    workspace.add_channel("C0SALES", "sales", members=["U0ANN", "U0BOB"])
    workspace.add_channel("C0QUIET", "quiet", members=["U0BOB"])
    return workspace


@pytest.fixture
def app(served_app: tuple[App, str]) -> App:
    recorder, _ = served_app
    recorder.requests.clear()
    recorder.answers.clear()
    return recorder


@pytest.fixture
def ui(ws: Workspace, served_app: tuple[App, str], app: App) -> Iterator[WebUi]:
    _, url = served_app
    web = WebUi(ws, default_user="U0ANN", poll_timeout=0.3)
    with SlackDriver(ws, url, SECRET) as driver:
        web.driver = driver
        yield web


def _client(ws: Workspace, ui: WebUi) -> Iterator[httpx.Client]:
    with (
        LocalSlackServer(ws, ui=ui) as server,
        httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client,
    ):
        yield client


@pytest.fixture
def page(ws: Workspace, ui: WebUi) -> Iterator[httpx.Client]:
    yield from _client(ws, ui)


def post(page: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    return page.post(path, json=body)


# --- the page itself ---------------------------------------------------------------------------


def test_page_and_its_files_are_served_without_any_outside_address(page: httpx.Client) -> None:
    html = page.get("/")
    assert html.status_code == 200
    assert "text/html" in html.headers["content-type"]
    referenced = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert "/static/app.js" in referenced
    for name in ("app.js", "api.js", "blocks.js", "clock.js", "messages.js", "modal.js"):
        assert page.get(f"/static/{name}").status_code == 200
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        # nothing loaded from elsewhere: no absolute URLs in src/href/imports/url()
        assert not re.search(
            r"""(src|href)=["']https?://|from\s+["']https?://|url\(\s*["']?https?:""", text
        ), path
        assert not re.search(r"""@import|cdn\.""", text), path


def test_state_shows_one_persons_window(page: httpx.Client, ws: Workspace) -> None:
    ws.post_message("C0SALES", "hello *team*")
    ws.post_ephemeral("C0SALES", "U0ANN", "only for Ann")
    ws.post_ephemeral("C0SALES", "U0BOB", "only for Bob")
    state = page.get("/ui/state", params={"user": "U0ANN", "channel": "C0SALES"}).json()
    assert state["me"] == "U0ANN"
    names = [c["name"] for c in state["conversations"]]
    assert names == ["sales", "kpibot"]  # Ann is not in #quiet; the app DM comes last
    texts = [(m["text"], m["ephemeral"]) for m in state["messages"]]
    assert texts == [("hello *team*", False), ("only for Ann", True)]
    assert state["home"] is None
    assert state["modals"] == []
    # an unknown person falls back to the default one
    assert page.get("/ui/state", params={"user": "U0NOBODY"}).json()["me"] == "U0ANN"


def test_state_waits_for_a_change_when_asked_since_a_version(
    page: httpx.Client, ws: Workspace
) -> None:
    version = page.get("/ui/state").json()["version"]
    unchanged = page.get("/ui/state", params={"since": version}).json()
    assert unchanged["version"] == version  # nothing happened before the poll gave up

    changer = threading.Timer(0.05, lambda: ws.post_message("C0SALES", "news"))
    changer.start()
    try:
        changed = page.get("/ui/state", params={"since": version, "channel": "C0SALES"}).json()
    finally:
        changer.join()
    assert changed["version"] > version
    assert [m["text"] for m in changed["messages"]] == ["news"]


def test_threads_show_parent_replies_and_ephemeral_replies(
    page: httpx.Client, ws: Workspace
) -> None:
    parent = ws.post_message("C0SALES", "review thread")
    ws.post_message("C0SALES", "first", thread_ts=parent.ts, user="U0BOB")
    ws.post_ephemeral("C0SALES", "U0ANN", "psst", thread_ts=parent.ts)
    state = page.get(
        "/ui/state", params={"user": "U0ANN", "channel": "C0SALES", "thread": parent.ts}
    ).json()
    assert [m["text"] for m in state["messages"]] == ["review thread"]
    assert state["messages"][0]["reply_count"] == 1
    thread = state["thread"]
    assert thread["parent"]["text"] == "review thread"
    assert [r["text"] for r in thread["replies"]] == ["first", "psst"]


# --- typing ------------------------------------------------------------------------------------


def test_slash_command_reaches_the_app_signed_with_slack_escaping(
    page: httpx.Client, app: App
) -> None:
    answer = post(
        page,
        "/ui/command",
        {"user": "U0ANN", "channel": "C0SALES", "text": "/kpi away delegate @bob & <x>"},
    )
    assert answer.json() == {"ok": True}
    command = app.last("command")
    assert command["command"] == "/kpi"
    assert command["text"] == "away delegate <@U0BOB|bob> &amp; &lt;x&gt;"
    assert (command["user_id"], command["channel_id"]) == ("U0ANN", "C0SALES")
    assert command["trigger_id"]


def test_slash_command_from_the_app_dm_opens_it(
    page: httpx.Client, app: App, ws: Workspace
) -> None:
    post(page, "/ui/command", {"user": "U0ANN", "channel": "app", "text": "/kpi help"})
    assert app.last("command")["channel_id"] == ws.dm_id("U0ANN")


def test_unknown_slash_command_is_refused_like_slack_does(page: httpx.Client, app: App) -> None:
    answer = post(page, "/ui/command", {"user": "U0ANN", "channel": "C0SALES", "text": "/nope x"})
    assert answer.status_code == 400
    assert "/nope is not a valid command" in answer.json()["error"]
    assert app.requests == []


def test_plain_message_is_posted_and_sent_only_to_a_subscribed_app(
    page: httpx.Client, app: App, ws: Workspace, ui: WebUi
) -> None:
    post(page, "/ui/command", {"user": "U0ANN", "channel": "C0SALES", "text": "hi @bob <!x>"})
    assert ws.messages_in("C0SALES")[-1].text == "hi <@U0BOB> &lt;!x&gt;"
    assert app.last("message")["event"]["channel"] == "C0SALES"  # every event by default

    app.requests.clear()
    ui.events = frozenset({"app_home_opened"})
    post(page, "/ui/command", {"user": "U0ANN", "channel": "C0SALES", "text": "quiet now"})
    assert ws.messages_in("C0SALES")[-1].text == "quiet now"
    assert app.requests == []


def test_a_read_only_messages_tab_takes_commands_but_no_messages(
    page: httpx.Client, ui: WebUi, app: App
) -> None:
    ui.messages_tab_read_only = True
    refused = post(page, "/ui/command", {"user": "U0ANN", "channel": "app", "text": "hello"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "Sending messages to this app has been turned off."
    assert post(page, "/ui/command", {"user": "U0ANN", "channel": "app", "text": "/kpi"}).json()[
        "ok"
    ]


def test_replies_in_a_thread(page: httpx.Client, ws: Workspace) -> None:
    parent = ws.post_message("C0SALES", "thread me")
    body = {"user": "U0BOB", "channel": "C0SALES", "text": "a reply", "thread_ts": parent.ts}
    assert post(page, "/ui/command", body).json()["ok"]
    assert [m.text for m in ws.replies_to("C0SALES", parent.ts)] == ["a reply"]


# --- clicking ----------------------------------------------------------------------------------


def test_the_button_pressed_is_the_one_sent_even_when_action_ids_repeat(
    page: httpx.Client, app: App, ws: Workspace
) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Pipeline"}},
        {"type": "actions", "elements": [_button("Log pipeline", "pipeline")]},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Churn"},
            "accessory": _button("Log churn", "churn"),
        },
    ]
    message = ws.post_message("C0SALES", "due", blocks=blocks)
    where = {"type": "message", "channel": "C0SALES", "ts": message.ts}
    body = {"user": "U0ANN", "action_id": "log_open", "path": [2], "where": where}
    assert post(page, "/ui/action", body).json() == {"ok": True}
    action = app.last("block_actions")
    assert action["actions"][0]["value"] == "churn"
    assert action["container"]["message_ts"] == message.ts
    assert action["response_url"].startswith(f"{page.base_url}/response/")

    post(page, "/ui/action", {**body, "path": [1, 0]})
    assert app.last("block_actions")["actions"][0]["value"] == "pipeline"

    stale = post(page, "/ui/action", {**body, "path": [0]})
    assert stale.status_code == 409


def test_a_select_in_an_ephemeral_message_sends_the_chosen_option(
    page: httpx.Client, app: App, ws: Workspace
) -> None:
    select = {
        "type": "static_select",
        "action_id": "pick",
        "options": [
            {"text": {"type": "plain_text", "text": "Weekly"}, "value": "weekly"},
            {"text": {"type": "plain_text", "text": "Monthly"}, "value": "monthly"},
        ],
    }
    blocks = [{"type": "actions", "block_id": "b", "elements": [select]}]
    ephemeral = ws.post_ephemeral("C0SALES", "U0ANN", "pick one", blocks=blocks)
    where = {"type": "message", "channel": "C0SALES", "ts": ephemeral.ts, "ephemeral": True}
    body = {
        "user": "U0ANN",
        "action_id": "pick",
        "path": [0, 0],
        "value": "monthly",
        "where": where,
    }
    assert post(page, "/ui/action", body).json()["ok"]
    action = app.last("block_actions")["actions"][0]
    assert action["selected_option"]["value"] == "monthly"
    assert action["block_id"] == "b"
    assert app.last("block_actions")["container"]["is_ephemeral"] is True


def test_home_tab_opens_and_its_buttons_work(page: httpx.Client, app: App, ws: Workspace) -> None:
    assert post(page, "/ui/home", {"user": "U0ANN"}).json()["ok"]
    assert app.last("app_home_opened")["event"]["user"] == "U0ANN"
    home = ws.publish_home(
        "U0ANN",
        {"type": "home", "blocks": [{"type": "actions", "elements": [_button("Log", "k")]}]},
    )
    state = page.get("/ui/state", params={"user": "U0ANN"}).json()
    assert state["home"]["id"] == home.id
    where = {"type": "view", "view_id": home.id}
    post(
        page,
        "/ui/action",
        {"user": "U0ANN", "action_id": "log_open", "path": [0, 0], "where": where},
    )
    action = app.last("block_actions")
    assert action["view"]["id"] == home.id
    assert action["actions"][0]["value"] == "k"


# --- modals ------------------------------------------------------------------------------------


def test_submitting_a_modal_sends_its_state_and_applies_the_answer(
    page: httpx.Client, app: App, ws: Workspace
) -> None:
    view = ws.open_view("U0ANN", MODAL)
    state = page.get("/ui/state", params={"user": "U0ANN"}).json()
    assert [m["id"] for m in state["modals"]] == [view.id]

    app.answers["view_submission"] = {
        "response_action": "errors",
        "errors": {"value": "A number, please"},
    }
    values = {"value": {"value": "lots"}, "when": {"when": "2026-11-23"}}
    assert post(page, "/ui/submit", {"user": "U0ANN", "view_id": view.id, "values": values}).json()[
        "ok"
    ]
    sent = app.last("view_submission")["view"]["state"]["values"]
    assert sent["value"]["value"] == {"type": "plain_text_input", "value": "lots"}
    assert sent["when"]["when"] == {"type": "datepicker", "selected_date": "2026-11-23"}
    modal = page.get("/ui/state", params={"user": "U0ANN"}).json()["modals"][0]
    assert modal["errors"] == {"value": "A number, please"}

    app.answers.clear()  # an empty answer closes the modal
    values["value"]["value"] = "12"
    post(page, "/ui/submit", {"user": "U0ANN", "view_id": view.id, "values": values})
    assert page.get("/ui/state", params={"user": "U0ANN"}).json()["modals"] == []
    gone = post(page, "/ui/submit", {"user": "U0ANN", "view_id": view.id, "values": values})
    assert gone.status_code == 409


def test_someone_else_cannot_submit_your_modal(page: httpx.Client, ws: Workspace) -> None:
    view = ws.open_view("U0ANN", MODAL)
    answer = post(page, "/ui/submit", {"user": "U0BOB", "view_id": view.id, "values": {}})
    assert answer.status_code == 409


def test_closing_a_modal_tells_the_app_only_when_it_asked(
    page: httpx.Client, app: App, ws: Workspace
) -> None:
    quiet = ws.open_view("U0ANN", MODAL)
    assert post(page, "/ui/close", {"user": "U0ANN", "view_id": quiet.id}).json()["ok"]
    assert ws.views_for("U0ANN") == []
    assert app.requests == []

    noisy = ws.open_view("U0ANN", {**MODAL, "notify_on_close": True})
    post(page, "/ui/close", {"user": "U0ANN", "view_id": noisy.id})
    assert app.last("view_closed")["view"]["id"] == noisy.id
    assert ws.views_for("U0ANN") == []


# --- the clock control ---------------------------------------------------------------------------


def test_without_jobs_running_only_moves_the_clock(
    page: httpx.Client, ws: Workspace, fake_time: FakeClock
) -> None:
    info = page.get("/ui/jobs").json()
    assert info["jobs"] == []
    assert info["travelled"] is False
    ran = post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "Europe/Berlin"}).json()
    assert ran["reports"] == []
    assert ran["at"] == "2025-12-01T09:00:00+01:00"
    monday = datetime(2025, 12, 1, 8, 0, tzinfo=UTC).timestamp()
    assert ws.clock() == monday
    fake_time.advance(30)
    assert ws.clock() == monday + 30  # the moved clock keeps ticking
    assert page.get("/ui/state").json()["travelled"] is True
    assert post(page, "/ui/clock/reset", {}).json()["ok"]
    assert ws.clock() == fake_time()


def test_jobs_run_as_of_the_chosen_time(page: httpx.Client, ui: WebUi) -> None:
    control = FakeControl()
    ui.control = control
    assert page.get("/ui/jobs").json()["jobs"] == ["reminders", "digest"]
    ran = post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00:00-05:00", "jobs": ["digest"]})
    assert ran.json()["reports"] == [{"name": "digest", "ok": True, "summary": "digest ran"}]
    names, at = control.runs[-1]
    assert names == ["digest"]
    assert at == datetime(2025, 12, 1, 14, 0, tzinfo=UTC)
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    assert control.runs[-1][0] == ["reminders", "digest"]  # none named: all of them

    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "jobs": ["nope"]}).status_code == 400
    )
    assert post(page, "/ui/jobs/run", {"at": "Monday"}).status_code == 400
    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "Mars/Base"}).status_code == 400
    )


# --- files and guards ----------------------------------------------------------------------------


def test_files_are_served_to_the_page(page: httpx.Client, ws: Workspace) -> None:
    file = ws.start_upload("chart.png", 4)
    ws.receive_upload(file.id, b"\x89PNG")
    answer = page.get(f"/ui/files/{file.id}")
    assert answer.content == b"\x89PNG"
    assert answer.headers["content-type"] == "image/png"
    assert page.get("/ui/files/F0NOPE").status_code == 404


def test_only_json_from_loopback_is_accepted(page: httpx.Client, app: App) -> None:
    form = page.post("/ui/command", data={"user": "U0ANN", "text": "/kpi"})
    assert form.status_code == 415
    elsewhere = page.post(
        "/ui/command",
        json={"user": "U0ANN", "text": "/kpi"},
        headers={"host": "attacker.example"},
    )
    assert elsewhere.status_code == 403
    assert page.get("/", headers={"host": "attacker.example"}).status_code == 403
    assert post(page, "/ui/command", {"user": "U0KPIBOT", "text": "/kpi"}).status_code == 400
    assert app.requests == []


def test_an_app_that_is_not_connected_yet_is_reported(ws: Workspace) -> None:
    for client in _client(ws, WebUi(ws)):
        answer = client.post("/ui/command", json={"user": "U0ANN", "text": "/kpi"})
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "error": "the app is not connected yet"}


def test_an_app_that_does_not_answer_is_reported(ws: Workspace) -> None:
    ui = WebUi(ws)
    with SlackDriver(ws, "http://127.0.0.1:9/slack/events", SECRET, timeout=2) as driver:
        ui.driver = driver
        for client in _client(ws, ui):
            answer = client.post("/ui/command", json={"user": "U0ANN", "text": "/kpi"})
    assert answer.status_code == 502
    assert "did not answer" in answer.json()["error"]
