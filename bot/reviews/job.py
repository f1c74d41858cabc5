"""The reviews job: open the reviews that are due, then post review threads and summaries once.

One run (`kpibot jobs run reviews [--now ISO]`, every KPIBOT_REMINDER_INTERVAL under
`kpibot serve`, and right after `/kpi review start|close`):

1. Under the ``reviews:plan`` lease: commands.reviews.plan.plan opens every review whose thread
   is due (one outbox delivery each, keyed ``review:{team}:{meeting day}``). The same step
   forgets Events API IDs older than EVENT_MEMORY: with message.channels every channel message
   is an event, and Slack retries an event within hours, never days.
2. Drain the outbox's ``review`` and ``review_summary`` deliveries through the delivery engine
   (bot.delivery.engine; :class:`ReviewKind` is this job's part), one at a time, in order:
   a thread is the parent (agenda, open action items, the team chart) and then one reply per
   KPI; a summary goes into the thread and then to the channel. Content is built fresh from
   the database when it is posted.

Exactly once: each message's ts is recorded as soon as Slack has it (review.parent_ts,
review_item.message_ts, review.summary_thread_ts, review.summary_ts), so a run that resumes
another's work skips what was posted. Only the first unrecorded message can be in doubt (the
previous holder crashed between posting and recording it): a delivery taken over from an
expired lease looks for that one message by the key in its Slack metadata before posting it.

Slack's limits: the team chart goes with the parent and a KPI's own chart only where it pays
(commands.reviews.content.wants_chart), so a review costs few uploads. HTTP 429 is waited out
here (Retry-After), up to ``max_wait``; past that the delivery goes back to the outbox and
resumes where it stopped. A channel kpibot cannot post in fails the delivery and tells the lead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.delivery.engine import DeliveryEngine, EngineConfig, Posted, run_clock, worker_name
from bot.delivery.report import RunReport
from bot.delivery.slack import SlackCalls, Stop
from bot.reviews import blocks as review_blocks
from bot.runtime import Runtime
from bot.slack_client import make_client
from charts import kpi_chart, team_chart
from commands.context import Policy
from commands.reviews.content import item_key, item_views, parent_view, summary_view
from commands.reviews.plan import PLAN_LEASE, REVIEW, SUMMARY, plan
from storage import repo, reviews
from storage.db import session_scope
from storage.models import Review, ReviewItem
from storage.outbox import Claimed

log = logging.getLogger(__name__)
KINDS = (REVIEW, SUMMARY)
FATAL_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
FAILED = "failed"  # review.status when its thread could not be posted at all
EVENT_MEMORY = timedelta(days=2)


@dataclass(frozen=True)
class ReviewJobConfig:
    lease: timedelta = timedelta(minutes=5)
    plan_lease: timedelta = timedelta(minutes=5)
    max_wait: float = 300.0  # seconds of Retry-After one delivery may wait in one run


@dataclass
class Hooks:
    """A point a test can stop a run at, as a crash would: after Slack took a message (its
    metadata key is passed), before the ts is recorded."""

    posted: Callable[[str], None] | None = None


@dataclass
class ReviewRunReport(RunReport):
    events_forgotten: int = 0
    threads: int = 0
    summaries: int = 0

    @property
    def found_already_posted(self) -> int:
        return self.found_already_sent

    def after_plan(self) -> list[str]:
        if not self.events_forgotten:
            return []
        return [f"Forgot {self.events_forgotten} Events API IDs Slack no longer retries."]

    def summary(self) -> str:
        return (
            f"Posted {self.threads} review threads and {self.summaries} summaries "
            f"({self.messages} messages, {self.found_already_sent} found already posted by an "
            f"interrupted run); {self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; waited {self.waited:.0f} s for Slack's rate limits."
        )


class ReviewKind:
    """Review threads (parent, then a reply per KPI) and summaries, built as of ``now``.

    Each message's ts is recorded as soon as Slack has it, so only the first unrecorded one
    can be in doubt after a takeover: that one is looked for by its key before it is posted.
    """

    kinds: tuple[str, ...] = KINDS

    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        policy: Policy,
        now: datetime,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine, self.client, self.policy = engine, client, policy
        self.now, self.clock = now, clock

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        return {}  # built fresh from the database as each message is posted

    def send(self, c: Claimed, _prepared: Any, slack: SlackCalls) -> Posted:
        channel, ts = (self._thread if c.kind == REVIEW else self._summary)(c, slack)
        return Posted(channel, ts)

    def sent(self, report: RunReport, c: Claimed, posted: Posted) -> None:
        report.count("threads" if c.kind == REVIEW else "summaries")

    def failed(self, c: Claimed, reason: str) -> None:
        if c.kind == REVIEW:
            self._review_failed(c, reason)

    def _review(self, c: Claimed) -> Review:
        with session_scope(self.engine) as session:
            review = reviews.get_review(session, int(c.payload.get("review", 0)))
        if review is None:
            raise Stop("cancel", "the review is gone")
        return review

    def _thread(self, c: Claimed, slack: SlackCalls) -> tuple[str, str]:
        review = self._review(c)
        if review.status != reviews.OPEN and review.parent_ts is None:
            raise Stop("cancel", "closed before its thread was posted")
        channel = review.channel_id or c.recipient
        doubt = c.taken_over
        parent_ts = review.parent_ts
        if parent_ts is None:
            parent_ts = _ts(slack.find(channel, c.key)) if doubt else None
            if not parent_ts:
                with session_scope(self.engine) as session:
                    head = parent_view(session, review, now=self.now, policy=self.policy)
                chart = team_chart(head.series, f"{head.team_name}: KPIs") if head.series else None
                file_id = slack.upload(chart, f"review-{head.team_key}.png", head.team_name)
                message = review_blocks.parent(
                    head, chart_file_id=file_id, alt_text=chart.alt_text if chart else ""
                )
                parent_ts = slack.post(channel, message, c.key)[1]
            self._record(Review, review.id, parent_ts=parent_ts, channel_id=channel)
            doubt = False
        with session_scope(self.engine) as session:
            items = {i.id: i for i in reviews.items_of(session, review.id or 0)}
            views = item_views(session, review, now=self.now, policy=self.policy)
        for view in views:
            if items[view.item_id].message_ts:
                continue
            key = item_key(c.key, view.kpi_key)
            ts = _ts(slack.find(channel, key, thread=parent_ts)) if doubt else None
            if not ts:
                chart = kpi_chart(view.series) if view.with_chart else None
                file_id = slack.upload(chart, f"review-{view.kpi_key}.png", view.row.name)
                message = review_blocks.item(
                    view, chart_file_id=file_id, alt_text=chart.alt_text if chart else ""
                )
                ts = slack.post(channel, message, key, thread=parent_ts)[1]
            self._record(ReviewItem, view.item_id, message_ts=ts)
            doubt = False
        return channel, parent_ts

    def _summary(self, c: Claimed, slack: SlackCalls) -> tuple[str, str]:
        review = self._review(c)
        channel = review.channel_id or c.recipient
        with session_scope(self.engine) as session:
            message = review_blocks.summary(
                summary_view(session, review, now=self.now, policy=self.policy)
            )
        doubt = c.taken_over
        if review.parent_ts and not review.summary_thread_ts:
            key = f"{c.key}#thread"
            found = _ts(slack.find(channel, key, thread=review.parent_ts)) if doubt else None
            ts = found or slack.post(channel, message, key, thread=review.parent_ts)[1]
            self._record(Review, review.id, summary_thread_ts=ts)
            doubt = False
        summary_ts = review.summary_ts or (_ts(slack.find(channel, c.key)) if doubt else None)
        ts = summary_ts or slack.post(channel, message, c.key)[1]
        self._record(Review, review.id, summary_ts=ts)
        return channel, ts

    # --- the database ------------------------------------------------------------------------

    def _record(
        self, table: type[Review] | type[ReviewItem], row_id: int | None, **values: Any
    ) -> None:
        with session_scope(self.engine) as session:
            row = session.get(table, row_id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)

    def _review_failed(self, c: Claimed, reason: str) -> None:
        """The thread cannot be posted: free the team to start another, and tell its lead."""
        with session_scope(self.engine) as session:
            review = reviews.get_review(session, int(c.payload.get("review", 0)))
            if review is None or review.parent_ts is not None:
                return
            review.status, review.updated_at = FAILED, self.clock()
            session.add(review)
            team = repo.get_team_by_id(session, review.team_id)
            lead = team.lead_user_id if team else None
        if lead and reason in FATAL_CHANNEL:
            text = (
                f"I could not post the KPI review in <#{c.recipient}> ({reason}). Invite me with "
                "`/invite @kpibot` in that channel, then open it with `/kpi review start`."
            )
            try:
                self.client.chat_postMessage(channel=lead, text=text)
            except SlackApiError as exc:
                log.warning("could not tell %s: %s", lead, exc.response.get("error"))


class ReviewJob:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        policy: Policy,
        *,
        config: ReviewJobConfig | None = None,
        worker: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        hooks: Hooks | None = None,
    ) -> None:
        self.engine, self.client, self.policy = engine, client, policy
        self.config = config or ReviewJobConfig()
        self.worker = worker or worker_name()
        self.sleep = sleep
        self.hooks = hooks or Hooks()

    def _sender(self, now: datetime) -> DeliveryEngine:
        lease = self.config.lease
        return DeliveryEngine(
            self.engine,
            self.client,
            config=EngineConfig(lease=lease, batch=1, workers=1, max_wait=self.config.max_wait),
            worker=self.worker,
            clock=run_clock(now),
            sleep=self.sleep,
            posted=self._posted if self.hooks.posted else None,
        )

    def _posted(self, _c: Claimed, key: str) -> None:
        if self.hooks.posted:
            self.hooks.posted(key)

    def run(self, now: datetime) -> ReviewRunReport:
        """Plan what is due as of ``now``, then post it. Safe to run in many processes."""
        report = ReviewRunReport()
        sender = self._sender(now)
        sender.plan(PLAN_LEASE, self.config.plan_lease, report, lambda: self._plan(now, report))
        return self.send(now, report)

    def _plan(self, now: datetime, report: ReviewRunReport) -> None:
        with session_scope(self.engine) as session:
            report.planned = plan(session, now=now, policy=self.policy)
            report.events_forgotten = repo.forget_events_before(session, now - EVENT_MEMORY)

    def send(self, now: datetime, report: ReviewRunReport | None = None) -> ReviewRunReport:
        """Post every due review delivery, oldest first."""
        report = report or ReviewRunReport()
        sender = self._sender(now)
        kind = ReviewKind(self.engine, self.client, self.policy, now, sender.clock)
        sender.drain(kind, report)
        return report


def _ts(posted: tuple[str, str] | None) -> str | None:
    return posted[1] if posted else None


# --- entry points --------------------------------------------------------------------------------


def make_job(runtime: Runtime) -> ReviewJob:
    """A job with its own Web API client that leaves 429s to the job."""
    client = make_client(runtime.settings, wait_out_rate_limits=False)
    lease = runtime.settings.delivery_lease
    return ReviewJob(
        runtime.engine,
        client,
        runtime.policy,
        config=ReviewJobConfig(lease=lease, plan_lease=lease),
    )


def run(runtime: Runtime, now: datetime) -> ReviewRunReport:
    """The registry's entry point: one run as of ``now``."""
    return make_job(runtime).run(now)


_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpibot-reviews")


def kick(runtime: Runtime) -> None:
    """Post what `/kpi review start|close` just queued, off the listener pool."""
    _SENDER.submit(_send_now, runtime)


def wait_for_kicks(timeout: float = 30.0) -> None:
    """Return once the posting that kicks started has finished (the sender is one thread, so
    a no-op queued now runs after them). For orderly shutdowns and tests."""
    _SENDER.submit(lambda: None).result(timeout=timeout)


def _send_now(runtime: Runtime) -> None:
    try:
        report = make_job(runtime).send(runtime.now())
    except Exception:
        log.exception("sending reviews failed; the next run of the reviews job retries")
        return
    for line in report.lines():
        log.info("reviews: %s", line)
