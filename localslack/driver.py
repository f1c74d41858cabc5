"""Acting as Slack towards an app: signed requests to its request URL.

`SlackDriver` sends what Slack sends when a person uses the app (slash commands, clicks,
modal submissions, events) and then does what Slack does with the app's answer: a slash
command's acknowledgement body becomes a message for the person, a view_submission's
`response_action` updates, pushes or closes the modal, and so on. Trigger ids and response
URLs come from the workspace, so the app's follow-up Web API calls work against it.

Each request is built by a factory in `payloads.py`; the `send_*` methods take such a dict,
so a test can change any field before sending.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from localslack import payloads
from localslack.driver_lookup import DriverLookups, ack_message
from localslack.models import Ephemeral, Message, View
from localslack.workspace import Workspace


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver(DriverLookups):
    """Sends Slack's requests to an app served at `app_url` (e.g. ".../slack/events")."""

    def __init__(
        self,
        workspace: Workspace,
        app_url: str,
        signing_secret: str,
        team_id: str | None = None,
        *,
        timeout: float = 10.0,
        verification_token: str = payloads.VERIFICATION_TOKEN,
        commands_url: str | None = None,
        interactivity_url: str | None = None,
        events_url: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.app_url = app_url
        self.commands_url = commands_url or app_url
        self.interactivity_url = interactivity_url or app_url
        self.events_url = events_url or app_url
        self.signing_secret = signing_secret  # set a wrong one to test rejection
        self.team_id = team_id or workspace.team_id
        self.verification_token = verification_token
        self.timestamp_skew = 0.0  # seconds added to the signed timestamp (-600: too old)
        self.http = httpx.Client(timeout=timeout, trust_env=False)
        self._event_ids = itertools.count(1)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # =========================================================================================
    # sending
    # =========================================================================================

    def signature_headers(self, body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
        ts = timestamp if timestamp is not None else str(int(time.time() + self.timestamp_skew))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(self.signing_secret, ts, body),
        }

    def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: str | None = None,
    ) -> httpx.Response:
        """POST a signed body as Slack does."""
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signature_headers(body, timestamp=timestamp),
            **(headers or {}),
        }
        return self.http.post(url, content=body, headers=all_headers)

    def send_command(self, form: Mapping[str, str]) -> httpx.Response:
        """Send a slash command's form; its acknowledgement body becomes a message."""
        body = urlencode(dict(form)).encode()
        response = self.post(self.commands_url, body, "application/x-www-form-urlencoded")
        ack = ack_message(response)
        if ack is not None:
            self.workspace.apply_message_response(
                form["user_id"], form["channel_id"], ack, source="ack"
            )
        return response

    def send_interaction(self, payload: Mapping[str, Any]) -> httpx.Response:
        """Send an interaction payload (as the form field `payload`), then apply the answer
        the way Slack does for modal submissions and closes."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = self.post(self.interactivity_url, body, "application/x-www-form-urlencoded")
        kind = payload.get("type")
        view = payload.get("view")
        if isinstance(view, dict) and view.get("id") and response.status_code == 200:
            user_id = str(payload.get("user", {}).get("id", ""))
            if kind == "view_submission":
                self._apply_submission_answer(user_id, str(view["id"]), response)
            elif kind == "view_closed":
                if payload.get("is_cleared"):
                    self.workspace.clear_views(user_id)
                else:
                    self.workspace.close_view(str(view["id"]))
        return response

    def send_event(
        self,
        envelope: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> httpx.Response:
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = json.dumps(envelope).encode()
        return self.post(self.events_url, body, "application/json", headers=headers)

    # =========================================================================================
    # what people do
    # =========================================================================================

    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        channel_id: str | None = None,
        command: str = "/kpi",
    ) -> httpx.Response:
        """`user_id` types `/kpi text` in a channel (by default, their DM with the app)."""
        channel = self._where(user_id, channel_id)
        form = payloads.slash_command(
            command=command,
            text=text,
            user_id=user_id,
            user_name=self._username(user_id),
            channel_id=channel,
            channel_name=self._channel_name(channel),
            team_id=self.team_id,
            team_domain=self.workspace.domain,
            api_app_id=self.workspace.app_id,
            response_url=self.workspace.issue_response_url(user_id, channel),
            trigger_id=self.workspace.issue_trigger_id(user_id),
            token=self.verification_token,
        )
        return self.send_command(form)

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
        message: Message | Ephemeral | Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        view: View | Mapping[str, Any] | str | None = None,
        selected_option: str | None = None,
        selected_user: str | None = None,
        selected_date: str | None = None,
        action_type: str | None = None,
        state: Mapping[str, Mapping[str, Any]] | None = None,
        element: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """`user_id` uses an interactive element: a button (with `value`), a select, ...

        Say where with `message` or `view`; with neither, the element is looked for in the
        person's open modals, then the newest messages they can see, then their home tab.
        `element` names the exact element used when several share its action_id (the first
        one with that action_id is assumed otherwise)."""
        ws = self.workspace
        if message is None and view is None:
            message, view = self._locate(user_id, action_id, channel_id)
        if isinstance(view, str):
            found_view = ws.view(view)
            if found_view is None:
                raise LookupError(f"no view {view} in the workspace")
            view = found_view

        blocks: list[Any] = []
        context: dict[str, Any] = {}
        if view is not None:
            view_api = self._view_api(view)
            blocks = list(view_api.get("blocks") or [])
            if state is not None:
                view_api["state"] = {"values": payloads.state_values(state, blocks)}
            context["view"] = view_api
            context["container"] = {"type": "view", "view_id": view_api.get("id", "")}
        else:
            assert message is not None
            channel, ts, message_api, is_ephemeral = self._message_context(message, channel_id)
            blocks = list((message_api or {}).get("blocks") or [])
            context["channel"] = {"id": channel, "name": self._channel_name(channel)}
            context["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": is_ephemeral,
            }
            if message_api is not None and not is_ephemeral:
                context["message"] = message_api
            context["response_url"] = ws.issue_response_url(
                user_id, channel, message_ts=ts, message_is_ephemeral=is_ephemeral
            )
            if state is not None:
                context["state"] = payloads.state_values(state, blocks)

        found_block = ""
        if element is None:
            try:
                found_block, element = payloads.find_element(blocks, action_id)
            except KeyError:
                element = None
        if selected_option is not None:
            guessed, value = "static_select", selected_option
        elif selected_user is not None:
            guessed, value = "users_select", selected_user
        elif selected_date is not None:
            guessed, value = "datepicker", selected_date
        else:
            guessed = "button"
        kind = action_type or (str(element["type"]) if element else guessed)
        entry = payloads.action(
            action_id,
            block_id=block_id or found_block or "localslack",
            action_ts=ws.new_ts(),
            action_type=kind,
            value=value,
            element=element,
        )
        payload = payloads.block_actions(
            user=self._user_ref(user_id),
            team=payloads.team_ref(self.team_id, ws.domain),
            api_app_id=ws.app_id,
            trigger_id=ws.issue_trigger_id(user_id),
            actions=[entry],
            token=self.verification_token,
            **context,
        )
        return self.send_interaction(payload)

    def view_submission(
        self,
        user_id: str,
        view_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        callback_id: str | None = None,
        private_metadata: str | None = None,
    ) -> httpx.Response:
        """`user_id` submits a modal with these input values ({block_id: {action_id: v}})."""
        ws = self.workspace
        view = ws.view(view_id)
        if view is not None:
            view_api = self._view_api(view)
        else:  # a view the workspace never opened: enough of one for the app to route it
            view_api = {"id": view_id, "type": "modal", "blocks": [], "hash": "", "state": {}}
            view_api["callback_id"], view_api["private_metadata"] = "", ""
        if callback_id is not None:
            view_api["callback_id"] = callback_id
        if private_metadata is not None:
            view_api["private_metadata"] = private_metadata
        state = payloads.state_values(values, view_api.get("blocks") or [])
        view_api["state"] = {"values": state}
        if view is not None:
            ws.set_view_state(view_id, state)
        payload = payloads.view_submission(
            user=self._user_ref(user_id),
            team=payloads.team_ref(self.team_id, ws.domain),
            api_app_id=ws.app_id,
            trigger_id=ws.issue_trigger_id(user_id),
            view=view_api,
            token=self.verification_token,
        )
        return self.send_interaction(payload)

    def view_closed(
        self, user_id: str, view_id: str, *, is_cleared: bool = False
    ) -> httpx.Response:
        """`user_id` closes a modal (Slack sends this only for `notify_on_close` views)."""
        ws = self.workspace
        view = ws.view(view_id)
        view_api = self._view_api(view) if view is not None else {"id": view_id, "type": "modal"}
        payload = payloads.view_closed(
            user=self._user_ref(user_id),
            team=payloads.team_ref(self.team_id, ws.domain),
            api_app_id=ws.app_id,
            view=view_api,
            is_cleared=is_cleared,
            token=self.verification_token,
        )
        return self.send_interaction(payload)

    def shortcut(self, user_id: str, callback_id: str) -> httpx.Response:
        ws = self.workspace
        payload = payloads.shortcut(
            callback_id=callback_id,
            user=self._user_ref(user_id),
            team=payloads.team_ref(self.team_id, ws.domain),
            api_app_id=ws.app_id,
            trigger_id=ws.issue_trigger_id(user_id),
            action_ts=ws.new_ts(),
            token=self.verification_token,
        )
        return self.send_interaction(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> httpx.Response:
        """Deliver an event in an event_callback envelope (a retry when `retry_num` is set)."""
        ws = self.workspace
        event = dict(event)
        event.setdefault("event_ts", ws.new_ts())
        envelope = payloads.event_callback(
            event,
            team_id=self.team_id,
            api_app_id=ws.app_id,
            event_id=event_id or f"Ev0LS{next(self._event_ids):08d}",
            event_time=int(ws.clock()),
            bot_user_id=ws.bot_user_id,
            token=self.verification_token,
        )
        return self.send_event(envelope, retry_num=retry_num, retry_reason=retry_reason)

    def url_verification(self, challenge: str) -> httpx.Response:
        body = json.dumps(payloads.url_verification(challenge, token=self.verification_token))
        return self.post(self.events_url, body.encode(), "application/json")

    def app_home_opened(self, user_id: str, *, tab: str = "home") -> httpx.Response:
        ws = self.workspace
        channel, _ = ws.open_dm(user_id)
        home = ws.home_for(user_id)
        view = (
            home.to_api(team_id=ws.team_id, app_id=ws.app_id, bot_id=ws.bot_id)
            if home is not None
            else None
        )
        return self.event(
            payloads.app_home_opened_event(
                user_id, channel=channel.id, event_ts=ws.new_ts(), tab=tab, view=view
            )
        )

    def say(
        self,
        user_id: str,
        text: str,
        *,
        channel_id: str | None = None,
        thread_ts: str | None = None,
    ) -> httpx.Response:
        """`user_id` writes a message (by default in their DM with the app); the app gets the
        message event (an app_mention too when the text mentions the bot in a channel)."""
        ws = self.workspace
        channel = self._where(user_id, channel_id)
        message = ws.post_as_user(user_id, channel, text, thread_ts=thread_ts)
        found = ws.channel(channel)
        channel_type = {
            "im": "im",
            "mpim": "mpim",
            "private_channel": "group",
            "public_channel": "channel",
        }[found.kind if found else "public_channel"]
        response = self.event(
            payloads.message_event(
                user_id,
                channel,
                text,
                ts=message.ts,
                channel_type=channel_type,
                thread_ts=message.thread_ts,
                team_id=self.team_id,
            )
        )
        if channel_type != "im" and f"<@{ws.bot_user_id}>" in text:
            return self.event(
                payloads.app_mention_event(
                    user_id, channel, text, ts=message.ts, thread_ts=message.thread_ts
                )
            )
        return response
