"""What a person types and clicks on the page reaches the app as a signed Slack request."""

from __future__ import annotations

from typing import Any

import httpx

from localslack import WebUi, Workspace
from tests.localslack.web.helpers import (
    MODAL,
    App,
    button,
    post,
)

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
        {"type": "actions", "elements": [button("Log pipeline", "pipeline")]},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Churn"},
            "accessory": button("Log churn", "churn"),
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
        {"type": "home", "blocks": [{"type": "actions", "elements": [button("Log", "k")]}]},
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
