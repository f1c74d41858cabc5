"""Putting one digest in Slack, recording it so a late value can update it, and updating it.

:meth:`Publisher.publish` runs in this order, so that a crash at any point never posts twice:

1. upload the chart (a private file: harmless to repeat);
2. record the post in ``digest_post`` without a message ts, and commit;
3. chat.postMessage;
4. record the ts (and, for a scheduled digest, mark its outbox row sent) in one transaction.

A sender that later finds a record without a ts cannot know whether Slack got the message
(it crashed, or got no answer, between 2 and 4): a scheduled digest carries its delivery key
in Slack message metadata, so the sender looks for it in the channel and records what it
finds, or posts it when it is not there (bot.digests.job); when Slack cannot say, the lease
is left to run out and the next holder looks again. Channel problems
(kpibot not invited, archived, private) fail for good and the lead is told how to fix them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.blocks import Message
from bot.delivery.slack import NO_ANSWER, RateLimited, error_of, transient
from bot.digests import blocks as digest_blocks
from bot.digests.render import ChartRenderer
from bot.digests.slack import CHANNEL_ERRORS, DigestSlack, without_image
from charts import Chart
from commands.results import TeamDigest
from commands.rollup import RollupDigest
from storage import digests
from storage.db import session_scope
from storage.models import DigestPost

log = logging.getLogger(__name__)

GONE = frozenset({"message_not_found", "cant_update_message", *CHANNEL_ERRORS})


@dataclass(frozen=True)
class Content:
    """A team digest or the roll-up, with what publishing it needs."""

    digest: TeamDigest | RollupDigest
    team_id: int | None = None

    @property
    def is_team(self) -> bool:
        return isinstance(self.digest, TeamDigest)

    @property
    def name(self) -> str:
        return self.digest.team_name if isinstance(self.digest, TeamDigest) else "Company"

    @property
    def lead(self) -> str | None:
        return self.digest.lead if isinstance(self.digest, TeamDigest) else None

    @property
    def key(self) -> str:
        return self.digest.team_key if isinstance(self.digest, TeamDigest) else "company"

    @property
    def filename(self) -> str:
        return f"digest-{self.key}-{self.digest.week_key}.png"

    def chart(self, renderer: ChartRenderer) -> Future[Chart]:
        if isinstance(self.digest, TeamDigest):
            return renderer.team(self.digest.series, self.digest.chart_title)
        return renderer.rollup(self.digest.bars, self.digest.chart_title)

    def message(
        self, file_id: str | None, alt_text: str, *, note: str | None = None, preview: bool = False
    ) -> Message:
        if isinstance(self.digest, TeamDigest):
            return digest_blocks.team_digest(
                self.digest, file_id=file_id, alt_text=alt_text, preview=preview, chart_note=note
            )
        return digest_blocks.rollup(self.digest, file_id=file_id, alt_text=alt_text)


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "failed", "postponed", "in_doubt"]
    reason: str = ""
    channel: str = ""
    ts: str = ""
    retry_after: float = 60.0
    channel_problem: bool = False


OnPosted = Callable[[Session, str, str], bool]


class Publisher:
    def __init__(self, engine: Engine, slack: DigestSlack, clock: Callable[[], datetime]) -> None:
        self.engine, self.slack, self.clock = engine, slack, clock

    def attach(self, content: Content, chart: Chart | None) -> tuple[str | None, str, str | None]:
        """Upload the chart: (file ID or None, alt text, a note when it could not be)."""
        if chart is None:
            return None, "", "_The chart could not be drawn this time._"
        title = f"{content.name} — {content.digest.week_label}"
        try:
            return (
                self.slack.upload(chart, filename=content.filename, title=title),
                chart.alt_text,
                None,
            )
        except SlackApiError as exc:
            reason = error_of(exc)
        except NO_ANSWER as exc:
            reason = type(exc).__name__
        log.warning("digest chart upload failed for %s: %s", content.name, reason)
        return None, chart.alt_text, f"_The chart could not be attached ({reason})._"

    def publish(
        self,
        content: Content,
        chart: Chart | None,
        channel: str,
        *,
        delivery_id: int | None = None,
        key: str | None = None,
        on_posted: OnPosted | None = None,
    ) -> Outcome:
        """Post ``content``; ``key`` (a scheduled digest's delivery key) goes in the message's
        metadata, so a run that takes over after a crash can look for it."""
        file_id, alt_text, note = self.attach(content, chart)  # RateLimited: nothing done yet
        message = content.message(file_id, alt_text, note=note)
        with session_scope(self.engine) as session:
            post_id = digests.start_post(
                session,
                team_id=content.team_id,
                week_key=content.digest.week_key,
                moment=content.digest.moment,
                channel_id=channel,
                delivery_id=delivery_id,
                fingerprint=content.digest.fingerprint(),
                file_id=file_id,
                now=self.clock(),
            ).id
        assert post_id is not None
        try:
            posted_channel, ts = self._post(channel, message, key)
        except RateLimited as limited:
            self._forget(post_id)
            return Outcome("postponed", "rate limited", retry_after=limited.retry_after)
        except SlackApiError as exc:
            self._forget(post_id)
            error = error_of(exc)
            if transient(exc):
                return Outcome("postponed", error)
            return Outcome(
                "failed", error, channel=channel, channel_problem=error in CHANNEL_ERRORS
            )
        except ConnectionRefusedError:
            self._forget(post_id)  # refused before anything was sent
            return Outcome("postponed", "Slack could not be reached")
        except NO_ANSWER as exc:
            return Outcome("in_doubt", f"no answer from Slack ({type(exc).__name__})")
        with session_scope(self.engine) as session:
            digests.posted(session, post_id, channel_id=posted_channel, ts=ts, now=self.clock())
            if on_posted is not None and not on_posted(session, posted_channel, ts):
                log.warning("digest %s was posted after its lease ran out", content.filename)
        return Outcome("sent", channel=posted_channel, ts=ts)

    def _post(self, channel: str, message: Message, key: str | None) -> tuple[str, str]:
        try:
            return self.slack.post(channel, message, key=key)
        except SlackApiError as exc:
            if error_of(exc) != "invalid_blocks" or not any(
                b.get("type") == "image" for b in message.blocks
            ):
                raise
            log.warning("Slack refused the digest's image block; posting it without the chart")
            return self.slack.post(
                channel, without_image(message, "_The chart could not be shown._"), key=key
            )

    def _forget(self, post_id: int) -> None:
        with session_scope(self.engine) as session:
            digests.forget_post(session, post_id)

    def refresh(
        self, post: DigestPost, content: Content, chart: Chart | None, *, built_at: datetime
    ) -> bool:
        """Update a posted digest in place; True when Slack's message was changed.

        ``built_at`` is when ``content`` was read from the database: values logged after it
        make the next run look again.
        """
        assert post.id is not None
        assert post.message_ts is not None
        fingerprint = content.digest.fingerprint()
        if fingerprint == post.fingerprint:
            self._refreshed(post.id, fingerprint, post.file_id, built_at, changed=False)
            return False
        try:
            file_id, alt_text, note = self.attach(content, chart)
            message = content.message(file_id, alt_text, note=note)
            self.slack.update(post.channel_id, post.message_ts, message)
        except (RateLimited, *NO_ANSWER) as exc:
            log.warning("digest %s not updated this run (%s)", post.id, exc)
            return False  # looked at again next run
        except SlackApiError as exc:
            error = error_of(exc)
            log.warning("could not update digest %s: %s", post.id, error)
            if error in GONE:  # deleted, or the channel is out of reach: nothing to update
                self._forget(post.id)
            else:
                self._refreshed(post.id, post.fingerprint, post.file_id, built_at, changed=False)
            return False
        self._refreshed(post.id, fingerprint, file_id, built_at, changed=True)
        return True

    def _refreshed(
        self, post_id: int, fingerprint: str, file_id: str | None, at: datetime, *, changed: bool
    ) -> None:
        with session_scope(self.engine) as session:
            digests.refreshed(
                session, post_id, fingerprint=fingerprint, file_id=file_id, now=at, changed=changed
            )
