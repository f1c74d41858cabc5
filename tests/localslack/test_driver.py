"""The driver plays Slack towards an app: first towards a recorder that checks what arrives,
then towards a small real Bolt app served over HTTP, which calls back into the stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App, Respond, Say
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from localslack import LocalSlackServer, ServerThread, SlackDriver, Workspace, sign
from localslack.payloads import message_event, state_values

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

KPI_MODAL = {
    "type": "modal",
    "callback_id": "kpi_new",
    "private_metadata": "goal-7",
    "title": {"type": "plain_text", "text": "New KPI"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "name"},
            "optional": True,
        },
        {
            "type": "input",
            "block_id": "cadence",
            "label": {"type": "plain_text", "text": "Cadence"},
            "element": {
                "type": "static_select",
                "action_id": "cadence",
                "options": [
                    {"text": {"type": "plain_text", "text": "Weekly"}, "value": "weekly"},
                    {"text": {"type": "plain_text", "text": "Monthly"}, "value": "monthly"},
                ],
            },
        },
    ],
}

DONE_BUTTON = [
    {
        "type": "actions",
        "block_id": "todo",
        "elements": [
            {
                "type": "button",
                "action_id": "done",
                "text": {"type": "plain_text", "text": "Done"},
                "value": "kpi-7",
            }
        ],
    }
]


# --- a recorder: checks the requests themselves ----------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response(status_code=200)


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    rec = Recorder()
    app = Starlette(routes=[Route("/slack/events", rec.handle, methods=["POST"])])
    with ServerThread(app) as served:
        yield rec, served.url + "/slack/events"


@pytest.fixture
def recording_driver(
    recorder: tuple[Recorder, str], workspace: Workspace
) -> Iterator[tuple[SlackDriver, Recorder]]:
    rec, url = recorder
    rec.requests.clear()
    with SlackDriver(workspace, url, SECRET) as driver:
        yield driver, rec


def test_signature_verifies_with_slack_sdk(
    recording_driver: tuple[SlackDriver, Recorder],
) -> None:
    driver, rec = recording_driver
    driver.command("U0ANN", "report weekly")
    headers, body = rec.requests[-1]
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )
    assert sign(SECRET, "1", b"x") == verifier.generate_signature(timestamp="1", body="x")

    driver.signing_secret = "wrong"
    driver.command("U0ANN", "x")
    headers, body = rec.requests[-1]
    assert not verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )
    driver.signing_secret = SECRET
    driver.timestamp_skew = -600
    driver.command("U0ANN", "x")
    headers, body = rec.requests[-1]
    assert not verifier.is_valid(
        body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )


def test_slash_command_form(
    recording_driver: tuple[SlackDriver, Recorder], workspace: Workspace
) -> None:
    driver, rec = recording_driver
    driver.command("U0ANN", "report weekly", channel_id="C0GENERAL")
    headers, body = rec.requests[-1]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert form["command"] == "/kpi"
    assert form["text"] == "report weekly"
    assert (form["user_id"], form["user_name"]) == ("U0ANN", "ann")
    assert (form["channel_id"], form["channel_name"]) == ("C0GENERAL", "general")
    assert form["team_id"] == workspace.team_id
    assert form["api_app_id"] == workspace.app_id
    assert form["response_url"].startswith(workspace.base_url or "?")
    assert workspace.redeem_trigger_id(form["trigger_id"]).user == "U0ANN"

    driver.command("U0BOB", "")  # from the DM with the app, by default
    form = {k: v[0] for k, v in parse_qs(rec.requests[-1][1].decode()).items()}
    assert form["channel_id"] == workspace.dm_id("U0BOB")
    assert form["channel_name"] == "directmessage"


def test_events_and_retries(recording_driver: tuple[SlackDriver, Recorder]) -> None:
    driver, rec = recording_driver
    driver.event({"type": "app_mention", "user": "U0ANN", "text": "hi", "channel": "C0GENERAL"})
    headers, body = rec.requests[-1]
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["event"]["type"] == "app_mention"
    assert envelope["event"]["event_ts"]
    assert envelope["event_id"].startswith("Ev")
    assert isinstance(envelope["event_time"], int)
    assert "x-slack-retry-num" not in headers

    driver.event({"type": "app_mention"}, event_id="Ev123", retry_num=2, retry_reason="timeout")
    headers, body = rec.requests[-1]
    assert json.loads(body)["event_id"] == "Ev123"
    assert (headers["x-slack-retry-num"], headers["x-slack-retry-reason"]) == ("2", "timeout")


def test_interaction_payloads(
    recording_driver: tuple[SlackDriver, Recorder], workspace: Workspace
) -> None:
    driver, rec = recording_driver
    posted = workspace.post_message("C0GENERAL", "To do", blocks=DONE_BUTTON)
    driver.block_action("U0ANN", "done", "kpi-7")  # found by action_id in the channel
    payload = json.loads(parse_qs(rec.requests[-1][1].decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted.ts,
        "channel_id": "C0GENERAL",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == posted.ts
    assert payload["response_url"]
    [action] = payload["actions"]
    assert (action["type"], action["block_id"], action["value"]) == ("button", "todo", "kpi-7")

    view = workspace.open_view("U0ANN", KPI_MODAL)
    driver.view_submission(
        "U0ANN", view.id, {"name": {"name": "Revenue"}, "cadence": {"cadence": "weekly"}}
    )
    payload = json.loads(parse_qs(rec.requests[-1][1].decode())["payload"][0])
    assert payload["type"] == "view_submission"
    assert payload["view"]["callback_id"] == "kpi_new"
    assert payload["view"]["private_metadata"] == "goal-7"
    values = payload["view"]["state"]["values"]
    assert values["name"]["name"] == {"type": "plain_text_input", "value": "Revenue"}
    assert values["cadence"]["cadence"]["selected_option"]["text"]["text"] == "Weekly"
    assert workspace.views_for("U0ANN") == []  # an empty acknowledgement closes the modal


def test_state_values_shapes() -> None:
    blocks = [
        {"block_id": "who", "element": {"type": "users_select", "action_id": "who"}},
        {"block_id": "when", "element": {"type": "datepicker", "action_id": "when"}},
    ]
    shaped = state_values(
        {"who": {"who": "U0ANN"}, "when": {"when": "2026-01-05"}, "free": {"text": "hi"}}, blocks
    )
    assert shaped["who"]["who"] == {"type": "users_select", "selected_user": "U0ANN"}
    assert shaped["when"]["when"] == {"type": "datepicker", "selected_date": "2026-01-05"}
    assert shaped["free"]["text"] == {"type": "plain_text_input", "value": "hi"}


# --- a real Bolt app -------------------------------------------------------------------------


def build_bolt_app(api_url: str) -> App:
    app = App(
        client=WebClient(token="xoxb-localslack-kpibot", base_url=api_url), signing_secret=SECRET
    )

    @app.command("/kpi")
    def kpi(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = command["text"]
        if text == "hello":
            ack(f"Hello <@{command['user_id']}>")
        elif text == "new":
            ack()
            client.views_open(trigger_id=command["trigger_id"], view=KPI_MODAL)
        elif text == "todo":
            ack()
            respond(text="To do", blocks=DONE_BUTTON)
        else:
            ack()
            respond(text=f"Posted for everyone: {text}", response_type="in_channel")

    @app.view("kpi_new")
    def save(ack: Ack, view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        name = values["name"]["name"]["value"]
        if not name:
            ack(response_action="errors", errors={"name": "Give the KPI a name"})
            return
        ack()
        cadence = values["cadence"]["cadence"]["selected_option"]["value"]
        client.chat_postMessage(
            channel=body["user"]["id"],
            text=f"Created {name} ({cadence}) for {view['private_metadata']}",
        )

    @app.action("done")
    def done(ack: Ack, respond: Respond, action: dict[str, Any]) -> None:
        ack()
        respond(text=f"Done: {action['value']}", replace_original=True)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "KPIs"}}],
            },
        )

    @app.event("message")
    def echo(event: dict[str, Any], say: Say) -> None:
        say(f"echo: {event['text']}")

    return app


@pytest.fixture(scope="module")
def bolt_url(server: LocalSlackServer) -> Iterator[str]:
    app = build_bolt_app(server.api_url)
    handler = SlackRequestHandler(app)

    async def endpoint(request: Request) -> Response:
        return await handler.handle(request)

    asgi = Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])
    with ServerThread(asgi) as served:
        yield served.url + "/slack/events"


@pytest.fixture
def driver(bolt_url: str, workspace: Workspace) -> Iterator[SlackDriver]:
    with SlackDriver(workspace, bolt_url, SECRET) as slack:
        yield slack


def test_bolt_rejects_bad_signatures(driver: SlackDriver) -> None:
    driver.signing_secret = "not-the-secret"
    assert driver.command("U0ANN", "hello").status_code == 401
    driver.signing_secret = SECRET
    driver.timestamp_skew = -10 * 60
    assert driver.command("U0ANN", "hello").status_code == 401


def test_bolt_url_verification(driver: SlackDriver) -> None:
    response = driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_bolt_command_ack_and_respond(driver: SlackDriver, workspace: Workspace) -> None:
    assert driver.command("U0ANN", "hello").status_code == 200
    [ack] = workspace.ephemerals_for("U0ANN")
    assert ack.text == "Hello <@U0ANN>"
    assert ack.source == "ack"
    assert ack.channel == workspace.dm_id("U0ANN")

    driver.command("U0ANN", "weekly numbers", channel_id="C0GENERAL")
    [message] = workspace.wait_for(lambda: workspace.messages_in("C0GENERAL"))
    assert message.text == "Posted for everyone: weekly numbers"


def test_bolt_modal_round_trip(driver: SlackDriver, workspace: Workspace) -> None:
    driver.command("U0ANN", "new")
    [modal] = workspace.wait_for(lambda: workspace.views_for("U0ANN"))
    assert modal.callback_id == "kpi_new"

    response = driver.view_submission("U0ANN", modal.id, {"name": {"name": ""}})
    assert response.json()["response_action"] == "errors"
    [still_open] = workspace.views_for("U0ANN")
    assert still_open.errors == {"name": "Give the KPI a name"}

    driver.view_submission(
        "U0ANN", modal.id, {"name": {"name": "Revenue"}, "cadence": {"cadence": "monthly"}}
    )
    assert workspace.views_for("U0ANN") == []
    [dm] = workspace.wait_for(lambda: workspace.dm_with("U0ANN"))
    assert dm.text == "Created Revenue (monthly) for goal-7"


def test_bolt_button_replaces_the_message(driver: SlackDriver, workspace: Workspace) -> None:
    driver.command("U0ANN", "todo", channel_id="C0GENERAL")
    [todo] = workspace.wait_for(lambda: workspace.ephemerals_for("U0ANN"))
    assert todo.blocks == DONE_BUTTON
    driver.block_action("U0ANN", "done", "kpi-7")
    workspace.wait_for(lambda: workspace.ephemerals_for("U0ANN")[0].text == "Done: kpi-7")
    assert workspace.messages_in("C0GENERAL") == []


def test_bolt_events(driver: SlackDriver, workspace: Workspace) -> None:
    driver.app_home_opened("U0BOB")
    home = workspace.wait_for(lambda: workspace.home_for("U0BOB"))
    assert home.blocks[0]["text"]["text"] == "KPIs"

    driver.say("U0BOB", "ping")
    replies = workspace.wait_for(lambda: [m for m in workspace.dm_with("U0BOB") if m.bot_id])
    assert replies[0].text == "echo: ping"
    assert [m.text for m in workspace.dm_with("U0BOB")] == ["ping", "echo: ping"]

    # a retried delivery still reaches the app (Bolt acks retries like any event)
    dm = workspace.dm_id("U0BOB") or ""
    event = message_event("U0BOB", dm, "again", ts=workspace.new_ts())
    assert driver.event(event, retry_num=1, retry_reason="http_timeout").status_code == 200
    workspace.wait_for(lambda: len(workspace.calls_to("chat.postMessage")) == 2)
