"""Digest messages in Slack: upload the chart, post or update the message, tell a lead.

Calls are paced (bot.pacing) and a 429 that still comes is waited out here, in the digest
thread, pausing that method for every digest thread; past ``max_wait`` seconds of waiting for
one call, :class:`RateLimited` is raised so the caller can put the digest back in the outbox.
Other Slack errors surface as SlackApiError; :func:`error_of` names them.

The chart is uploaded privately (no channel) and shown through an image block that points at
the file, so the digest is one message that chat.update can change, image included.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Message
from bot.delivery.slack import EVENT_TYPE, NO_ANSWER, RateLimited, wait_out
from bot.pacing import Pacer
from charts import Chart

log = logging.getLogger(__name__)

UPLOAD_METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")
# The channel is the problem: a person has to fix it, retrying cannot.
CHANNEL_ERRORS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
)


class DigestSlack:
    def __init__(
        self,
        client: WebClient,
        pacer: Pacer,
        *,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.pacer = pacer
        self.max_wait = max_wait
        self.sleep = sleep

    def _call(self, methods: tuple[str, ...], channel: str, call: Callable[[], Any]) -> Any:
        """``call()``, paced, with 429s waited out (they pause ``methods`` for every thread)."""

        def limited(seconds: float) -> None:
            for method in methods:
                self.pacer.pause(method, seconds, channel=channel)

        return wait_out(
            call,
            max_wait=self.max_wait,
            sleep=self.sleep,
            before=lambda: self.pacer.take(*methods, channel=channel),
            limited=limited,
        )

    def upload(self, chart: Chart, *, filename: str, title: str) -> str:
        """Upload the chart privately; its file ID for an image block."""
        upload = self._call(
            UPLOAD_METHODS,
            "",
            lambda: self.client.files_upload_v2(
                content=chart.png, filename=filename, title=title, alt_txt=chart.alt_text
            ),
        )
        files = upload.get("files") or [upload.get("file")]
        return str(files[0]["id"])

    def post(self, channel: str, message: Message, *, key: str | None = None) -> tuple[str, str]:
        """Post ``message`` in ``channel`` (with ``key`` in its metadata, to be found after a
        crash); the (channel, ts) Slack gave it."""
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key}} if key else None
        response = self._call(
            ("chat.postMessage",),
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return str(response["channel"]), str(response["ts"])

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._call(
            ("chat.update",),
            "",
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            ),
        )

    def tell(self, user_id: str, text: str) -> None:
        """A DM (best effort: a failure is logged, never raised)."""
        try:
            self._call(
                ("chat.postMessage",),
                user_id,
                lambda: self.client.chat_postMessage(channel=user_id, text=text),
            )
        except (SlackApiError, RateLimited, *NO_ANSWER) as exc:
            log.warning("could not tell %s: %s", user_id, exc)


def without_image(message: Message, note: str) -> Message:
    """The message with its image block replaced by a note."""
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        if block.get("type") == "image"
        else block
        for block in message.blocks
    ]
    return Message(text=message.text, blocks=blocks, in_channel=message.in_channel)


def channel_fix(error: str, channel: str) -> str:
    """What a lead can do about a channel kpibot could not post in."""
    if error == "not_in_channel":
        return f"kpibot is not a member of <#{channel}>. Invite it there with `/invite @kpibot`."
    if error == "is_archived":
        return (
            f"<#{channel}> is archived. Give the team a channel that is in use (`kpibot import`)."
        )
    if error == "channel_not_found":
        return (
            f"kpibot cannot see channel `{channel}`: it may be private (invite kpibot with "
            "`/invite @kpibot`) or deleted (set the team's channel with `kpibot import`)."
        )
    return f"Slack refused to let kpibot post in <#{channel}> ({error})."
