"""Interactivity: trigger IDs for views.open and response URLs for answering interactions."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from localslack.errors import SlackError
from localslack.models import EphemeralSource, ResponseTarget, Trigger
from localslack.workspace.chat import ChatFacet


class InteractivityFacet(ChatFacet):
    """Trigger IDs and response URLs, as Slack issues them with interactions."""

    # --- interactivity: trigger ids and response URLs ----------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id as Slack puts in an interaction; views.open takes it within 3 s."""
        with self.lock:
            now = self.clock()
            trigger_id = f"{int(now)}.{next(self._counter)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = Trigger(trigger_id, user_id, now)
            return trigger_id

    def redeem_trigger_id(self, trigger_id: str) -> Trigger:
        with self.lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if self.clock() - trigger.issued_at > self.trigger_ttl:
                raise SlackError("expired_trigger_id")
            if trigger.used:
                raise SlackError("exchanged_trigger_id")
            trigger.used = True
            return copy.deepcopy(trigger)

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str,
        *,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
    ) -> str:
        if self.base_url is None:
            raise RuntimeError("the workspace is not served yet: start a LocalSlackServer")
        with self.lock:
            response_id = f"{next(self._counter)}-{secrets.token_urlsafe(12)}"
            self._responses[response_id] = ResponseTarget(
                id=response_id,
                user=user_id,
                channel=channel_id,
                issued_at=self.clock(),
                message_ts=message_ts,
                message_is_ephemeral=message_is_ephemeral,
            )
        return f"{self.base_url.rstrip('/')}/response/{response_id}"

    def post_to_response_url(self, response_id: str, payload: Mapping[str, Any]) -> None:
        """What Slack does with a post to a response URL (up to 5 uses in 30 minutes)."""
        with self.lock:
            target = self._responses.get(response_id)
            if target is None:
                raise SlackError("no_active_hooks", status=404)
            if self.clock() - target.issued_at > self.response_url_ttl:
                raise SlackError("expired_url", status=404)
            if target.uses >= self.response_url_max_uses:
                raise SlackError("used_url", status=404)
            target.uses += 1
            self.apply_message_response(
                target.user,
                target.channel,
                payload,
                message_ts=target.message_ts,
                message_is_ephemeral=target.message_is_ephemeral,
                source="response_url",
            )

    def apply_message_response(
        self,
        user_id: str,
        channel_id: str,
        payload: Mapping[str, Any],
        *,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
        source: EphemeralSource = "response_url",
    ) -> None:
        """A message given back to Slack for an interaction: posted to its response URL, or
        the body of a slash command's acknowledgement."""
        text = str(payload.get("text") or "")
        blocks = payload.get("blocks") if isinstance(payload.get("blocks"), list) else None
        attachments = payload.get("attachments")
        attachments = attachments if isinstance(attachments, list) else None
        thread_ts = payload.get("thread_ts") or None
        with self.lock:
            if _truthy(payload.get("delete_original")) and message_ts:
                if message_is_ephemeral:
                    self._ephemerals = [
                        e
                        for e in self._ephemerals
                        if not (e.user == user_id and e.ts == message_ts)
                    ]
                    self._notify()
                elif (channel_id, message_ts) in self._message_index:
                    self.delete_message(channel_id, message_ts)
                return
            if _truthy(payload.get("replace_original")) and message_ts:
                if message_is_ephemeral:
                    for ephemeral in self._ephemerals:
                        if ephemeral.user == user_id and ephemeral.ts == message_ts:
                            ephemeral.text, ephemeral.blocks = text, blocks
                            ephemeral.attachments = attachments
                            self._notify()
                            return
                elif (channel_id, message_ts) in self._message_index:
                    self.update_message(
                        channel_id,
                        message_ts,
                        text=text,
                        blocks=blocks if blocks is not None else [],
                        attachments=attachments,
                        mark_edited=False,
                    )
                    return
            if payload.get("response_type") == "in_channel":
                self.post_message(
                    channel_id, text, blocks=blocks, attachments=attachments, thread_ts=thread_ts
                )
            else:
                self.post_ephemeral(
                    channel_id,
                    user_id,
                    text,
                    blocks=blocks,
                    attachments=attachments,
                    thread_ts=thread_ts,
                    source=source,
                )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)
