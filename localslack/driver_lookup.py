"""What the driver looks up in the workspace to build Slack's requests, and how it reads an
app's acknowledgements: where a person acts, who and what a payload names, which message or
view holds a clicked element, and what Slack does with a view_submission's answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from localslack import payloads
from localslack.errors import SlackError
from localslack.models import Ephemeral, Message, View
from localslack.workspace import Workspace


class DriverLookups:
    """Mixed into `SlackDriver`, which sets `workspace` and `team_id`."""

    workspace: Workspace
    team_id: str

    def _where(self, user_id: str, channel_id: str | None) -> str:
        if channel_id is not None:
            return channel_id
        try:
            return self.workspace.open_dm(user_id)[0].id
        except SlackError:
            raise ValueError(
                f"{user_id} is not in the workspace: pass channel_id to act from elsewhere"
            ) from None

    def _username(self, user_id: str) -> str:
        user = self.workspace.user(user_id)
        return user.name if user is not None else user_id.lower()

    def _user_ref(self, user_id: str) -> dict[str, Any]:
        return payloads.user_ref(user_id, self._username(user_id), self.team_id)

    def _channel_name(self, channel_id: str) -> str:
        channel = self.workspace.channel(channel_id)
        if channel is None:
            return channel_id
        return "directmessage" if channel.is_im else channel.name

    def _view_api(self, view: View | Mapping[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        if isinstance(view, View):
            return view.to_api(team_id=ws.team_id, app_id=ws.app_id, bot_id=ws.bot_id)
        return dict(view)

    def _message_context(
        self, message: Message | Ephemeral | Mapping[str, Any], channel_id: str | None
    ) -> tuple[str, str, dict[str, Any] | None, bool]:
        """(channel, ts, message JSON, is_ephemeral) of the message an action came from."""
        ws = self.workspace
        if isinstance(message, Message):
            return message.channel, message.ts, message.to_api(ws.team_id), False
        if isinstance(message, Ephemeral):
            return message.channel, message.ts, message.to_api(ws.bot_id, ws.app_id), True
        channel = channel_id or str(message.get("channel", ""))
        if not channel:
            raise ValueError("a message given as a dict needs channel_id")
        return channel, str(message.get("ts", "")), dict(message), False

    def _locate(
        self, user_id: str, action_id: str, channel_id: str | None
    ) -> tuple[Message | Ephemeral | None, View | None]:
        """Where a person would find an element with this action_id, newest first."""
        ws = self.workspace

        def has(blocks: Any) -> bool:
            try:
                payloads.find_element(blocks or [], action_id)
            except KeyError:
                return False
            return True

        for view in reversed(ws.views_for(user_id)):
            if has(view.blocks):
                return None, view
        candidates: list[Message | Ephemeral] = [
            e for e in ws.ephemerals_for(user_id) if has(e.blocks)
        ]
        for channel in ws.channels:
            if channel_id is not None and channel.id != channel_id:
                continue
            if not (channel.user == user_id or user_id in channel.members):
                continue
            candidates.extend(m for m in ws.messages_in(channel.id) if has(m.blocks))
        candidates = [c for c in candidates if channel_id is None or c.channel == channel_id]
        if candidates:
            return max(candidates, key=lambda c: float(c.ts)), None
        home = ws.home_for(user_id)
        if home is not None and has(home.blocks):
            return None, home
        raise LookupError(f"{user_id} can see no element with action_id {action_id!r}")

    def _apply_submission_answer(
        self, user_id: str, view_id: str, response: httpx.Response
    ) -> None:
        """Slack's reaction to a view_submission acknowledgement."""
        ws = self.workspace
        answer = json_body(response)
        action = answer.get("response_action") if answer else None
        if action == "errors":
            errors = answer.get("errors") if answer else None
            ws.set_view_errors(view_id, dict(errors) if isinstance(errors, dict) else {})
        elif action == "update" and answer and isinstance(answer.get("view"), dict):
            ws.update_view(answer["view"], view_id=view_id)
        elif action == "push" and answer and isinstance(answer.get("view"), dict):
            ws.push_view(user_id, answer["view"])
        elif action == "clear":
            ws.clear_views(user_id)
        else:
            ws.close_view(view_id)


def json_body(response: httpx.Response) -> dict[str, Any] | None:
    if not response.content.strip():
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def ack_message(response: httpx.Response) -> dict[str, Any] | None:
    """The message in a slash command's acknowledgement, if it carries one."""
    if response.status_code != 200 or not response.content.strip():
        return None
    data = json_body(response)
    if data is not None:
        return data if (data.get("text") or data.get("blocks")) else None
    return {"text": response.text}
