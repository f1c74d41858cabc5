"""The Web API calls every delivery kind makes, with Slack's rate limits waited out.

:func:`wait_out` is the one 429 loop: it sleeps for Retry-After and tries again, up to
``max_wait`` seconds per call, then raises :class:`RateLimited` so the caller can put the
delivery back in the outbox. :class:`SlackCalls` is what a kind gets for one claimed delivery:
post a message with the delivery's key in Slack message metadata, upload a chart, and find the
message an interrupted run already posted under a key.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Message, context
from bot.delivery.report import RunReport
from charts import Chart

log = logging.getLogger(__name__)

EVENT_TYPE = "kpibot_delivery"  # Slack message metadata naming the delivery a message is for
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
NO_ANSWER = (OSError, http.client.HTTPException)  # Slack may or may not have acted on it


class RateLimited(RuntimeError):
    """Slack kept answering 429 for longer than a run may wait; the message waits for later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class Stop(Exception):
    """Stop working on a delivery; ``outcome`` says how the engine leaves it in the outbox:
    cancel (no longer needed), retry (after ``retry_after`` s), fail (for good), lost (another
    process holds its lease now) or doubt (Slack may have it: leave the lease to expire)."""

    def __init__(self, outcome: str, reason: str = "", retry_after: float = 0.0) -> None:
        super().__init__(outcome, reason)
        self.outcome, self.reason, self.retry_after = outcome, reason, retry_after


def retry_after(exc: SlackApiError) -> float:
    """Seconds Slack asked to wait (at least one)."""
    try:
        return max(1.0, float(exc.response.headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


def error_of(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"HTTP {exc.response.status_code}")


def transient(exc: SlackApiError) -> bool:
    """Slack failed on its side (an internal error, any HTTP 5xx): trying later may work."""
    return error_of(exc) in TRANSIENT or exc.response.status_code >= 500


def wait_out(
    request: Callable[[], Any],
    *,
    max_wait: float,
    sleep: Callable[[float], None],
    before: Callable[[], None] | None = None,
    limited: Callable[[float], None] | None = None,
) -> Any:
    """``request()``, waiting out 429s: ``before`` runs before each try (keep a lease, take a
    pacing token), ``limited`` hears each Retry-After; past ``max_wait`` s, RateLimited."""
    waited = 0.0
    while True:
        if before is not None:
            before()
        try:
            return request()
        except SlackApiError as exc:
            if exc.response.status_code != 429:
                raise
            wait = retry_after(exc)
            if limited is not None:
                limited(wait)
            if waited + wait > max_wait:
                raise RateLimited(wait) from None
            waited += wait
            sleep(wait)


class SlackCalls:
    """The calls made for one claimed delivery, leased to ``owner``. ``keep`` renews its lease
    before each call (raising Stop("lost") once another process took it); waits and posts are counted in
    ``report``; ``posted`` is a test's crash point, after Slack took a message."""

    def __init__(
        self,
        client: WebClient,
        report: RunReport,
        *,
        keep: Callable[[], None],
        sleep: Callable[[float], None],
        max_wait: float,
        owner: str = "",
        posted: Callable[[str], None] | None = None,
    ) -> None:
        self.client, self.report, self.keep, self.owner = client, report, keep, owner
        self.sleep, self.max_wait, self.posted = sleep, max_wait, posted

    def call(self, request: Callable[[], Any]) -> Any:
        try:
            return wait_out(
                request,
                max_wait=self.max_wait,
                sleep=self.sleep,
                before=self.keep,
                limited=lambda wait: self.report.count("waited", wait),
            )
        except RateLimited as limited:
            raise Stop("retry", "rate limited", retry_after=limited.retry_after) from None

    def post(
        self, channel: str, message: Message, key: str, *, thread: str | None = None
    ) -> tuple[str, str]:
        """Post ``message`` with ``key`` in its metadata; the (channel, ts) Slack gave it.
        A chart Slack has not finished processing is refused: then the words go without it."""
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
            if error_of(exc) != "invalid_blocks" or not any(
                b["type"] == "image" for b in message.blocks
            ):
                raise
            log.warning("the chart of %s was refused; posting without it", key)
            blocks = [b for b in message.blocks if b["type"] != "image"]
            arguments["blocks"] = [*blocks, context("_The chart could not be shown._")]
            response = self.call(lambda: self.client.chat_postMessage(**arguments))
        if self.posted:
            self.posted(key)
        self.report.count("messages")
        return str(response["channel"]), str(response["ts"])

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

    def find(self, channel: str, key: str, *, thread: str | None = None) -> tuple[str, str] | None:
        """The (channel, ts) of the message an interrupted run posted under ``key``, if Slack
        has it: in the DM when ``channel`` is a user, in ``thread`` when given. Raises
        Stop("doubt") when Slack cannot say (a 5xx): the lease is left to run out and the next
        holder looks again, rather than posting what may be there already."""
        try:
            if channel.startswith(("U", "W")):
                opened = self.call(lambda: self.client.conversations_open(users=channel))
                channel = str(opened["channel"]["id"])
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
            if transient(exc):  # Slack may have it: posting blind could post it twice
                raise Stop(
                    "doubt", f"cannot check whether it was posted ({error_of(exc)})"
                ) from None
            log.warning("cannot check whether %s was posted (%s)", key, error_of(exc))
            return None
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                self.report.count("found_already_sent")
                return channel, str(message["ts"])
        return None
