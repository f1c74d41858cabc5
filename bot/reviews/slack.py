"""The Web API calls the reviews job makes: post a message with its key in Slack metadata,
upload a chart, find a message an interrupted run posted, and wait out 429s meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Message, context
from bot.delivery.lease import retry_after
from bot.reminders.job import EVENT_TYPE, TRANSIENT
from charts import Chart

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Stop(Exception):
    """Stop working on a delivery; ``outcome`` (cancel, retry, fail, lost) says how to leave it."""

    def __init__(self, outcome: str, reason: str = "", retry_after: float = 0.0) -> None:
        super().__init__(outcome, reason)
        self.outcome, self.reason, self.retry_after = outcome, reason, retry_after


@dataclass
class Counts:
    messages: int = 0
    found_already_posted: int = 0
    waited: float = 0.0


@dataclass
class Poster:
    """Posts for one delivery: ``keep`` renews its lease before each call (raising Stop("lost")
    when another process took it), ``attempts`` says how often it was claimed."""

    client: WebClient
    keep: Callable[[], None]
    sleep: Callable[[float], None]
    max_wait: float
    attempts: int
    posted: Callable[[str], None] | None = None  # a test's crash point
    counts: Counts = field(default_factory=Counts)

    def post(self, channel: str, message: Message, key: str, *, thread: str | None = None) -> str:
        """Post ``message``; its key goes into the metadata, to be found after a crash."""
        arguments: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": key}},
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread:
            arguments["thread_ts"] = thread
        try:
            response = self.call(lambda: self.client.chat_postMessage(**arguments))
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error != "invalid_blocks" or not any(b["type"] == "image" for b in message.blocks):
                raise self.failure(exc) from None
            # A chart Slack has not finished processing is refused: post the words without it.
            log.warning("the chart of %s was refused (%s); posting without it", key, error)
            blocks = [b for b in message.blocks if b["type"] != "image"]
            arguments["blocks"] = [*blocks, context("_The chart could not be shown._")]
            try:
                response = self.call(lambda: self.client.chat_postMessage(**arguments))
            except SlackApiError as again:
                raise self.failure(again) from None
        if self.posted:
            self.posted(key)
        self.counts.messages += 1
        return str(response["ts"])

    def upload(self, chart: Chart | None, filename: str, title: str) -> str | None:
        """Upload a chart privately (the message shows it); None if there is none or it failed."""
        if chart is None:
            return None
        try:
            upload = self.call(
                lambda: self.client.files_upload_v2(
                    content=chart.png, filename=filename, title=title, alt_txt=chart.alt_text
                )
            )
        except SlackApiError as exc:
            log.warning("chart upload %s failed: %s", filename, exc.response.get("error"))
            return None
        files = upload.get("files") or [upload.get("file") or {}]
        found = files[0].get("id") if files else None
        return str(found) if found else None

    def find(self, channel: str, key: str, *, thread: str | None = None) -> str | None:
        """The ts of the message an interrupted run posted under ``key``, if Slack has it."""
        try:
            if thread:
                page = self.call(
                    lambda: self.client.conversations_replies(channel=channel, ts=thread, limit=200)
                )
            else:
                page = self.call(
                    lambda: self.client.conversations_history(
                        channel=channel, limit=100, include_all_metadata=True
                    )
                )
        except SlackApiError as exc:
            log.warning("cannot check whether %s was posted (%s)", key, exc.response.get("error"))
            return None
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                self.counts.found_already_posted += 1
                return str(message["ts"])
        return None

    def call(self, request: Callable[[], Any]) -> Any:
        """A Web API call that waits out 429s (up to ``max_wait``), keeping the lease."""
        waited = 0.0
        while True:
            self.keep()
            try:
                return request()
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                wait = retry_after(exc)
                if waited + wait > self.max_wait:
                    raise Stop("retry", "rate limited", retry_after=wait) from None
                waited += wait
                self.counts.waited += wait
                self.sleep(wait)

    def failure(self, exc: SlackApiError) -> Stop:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if error in TRANSIENT and self.attempts < MAX_ATTEMPTS:
            return Stop("retry", error, retry_after=60.0 * 2**self.attempts)
        return Stop("fail", error)
