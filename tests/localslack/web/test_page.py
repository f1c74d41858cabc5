"""What the page shows a person, its files, and the guards in front of its API."""

from __future__ import annotations

import re
import threading

import httpx

from localslack import SlackDriver, WebUi, Workspace
from tests.localslack.web.helpers import (
    SECRET,
    STATIC,
    App,
    post,
    serve_page,
)

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
    for client in serve_page(ws, WebUi(ws)):
        answer = client.post("/ui/command", json={"user": "U0ANN", "text": "/kpi"})
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "error": "the app is not connected yet"}


def test_an_app_that_does_not_answer_is_reported(ws: Workspace) -> None:
    ui = WebUi(ws)
    with SlackDriver(ws, "http://127.0.0.1:9/slack/events", SECRET, timeout=2) as driver:
        ui.driver = driver
        for client in serve_page(ws, ui):
            answer = client.post("/ui/command", json={"user": "U0ANN", "text": "/kpi"})
    assert answer.status_code == 502
    assert "did not answer" in answer.json()["error"]
