"""The reviews job: open the reviews that are due, then post review threads and summaries once.

One run (`kpibot jobs run reviews [--now ISO]`, every KPIBOT_REMINDER_INTERVAL under
`kpibot serve`, and right after `/kpi review start|close`):

1. Under the ``reviews:plan`` lease: commands.review_plan.plan opens every review whose thread
   is due (one outbox delivery each, keyed ``review:{team}:{meeting day}``). The same step
   forgets Events API IDs older than EVENT_MEMORY: with message.channels every channel message
   is an event, and Slack retries an event within hours, never days.
2. Drain the outbox's ``review`` and ``review_summary`` deliveries, one at a time, in order:
   a thread is the parent (agenda, open action items, the team chart) and then one reply per
   KPI; a summary goes into the thread and then to the channel. Content is built fresh from
   the database when it is posted.

Exactly once: each message's ts is recorded as soon as Slack has it (review.parent_ts,
review_item.message_ts, review.summary_thread_ts, review.summary_ts), so a run that resumes
another's work skips what was posted. Only the first unrecorded message can be in doubt (the
previous holder crashed between posting and recording it): a delivery taken over from an
expired lease looks for that one message by the key in its Slack metadata before posting it.

Slack's limits: the team chart goes with the parent and a KPI's own chart only where it pays
(commands.review_content.wants_chart), so a review costs few uploads. HTTP 429 is waited out
here (Retry-After), up to ``max_wait``; past that the delivery goes back to the outbox and
resumes where it stopped. A channel kpibot cannot post in fails the delivery and tells the lead.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.delivery.lease import BatchLease, LeaseLost
from bot.reminders.job import worker_name
from bot.reviews import blocks as review_blocks
from bot.reviews.slack import Poster, Stop
from bot.runtime import Runtime
from bot.slack_client import make_client
from charts import kpi_chart, team_chart
from commands.context import Policy
from commands.review_content import item_key, item_views, parent_view, summary_view
from commands.review_plan import PLAN_LEASE, REVIEW, SUMMARY, PlanSummary, plan
from storage import outbox, repo, reviews
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
class ReviewRunReport:
    planned: PlanSummary | None = None
    events_forgotten: int = 0
    plan_skipped: bool = False
    plan_error: str | None = None
    threads: int = 0
    summaries: int = 0
    messages: int = 0
    found_already_posted: int = 0
    cancelled: int = 0
    postponed: int = 0
    in_doubt: int = 0
    waited: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        out = []
        if self.plan_error:
            out.append(f"Planning failed: {self.plan_error}")
        elif self.plan_skipped:
            out.append("Planning: another kpibot process is planning; sent what was due.")
        elif self.planned:
            out.append(f"Planned: {self.planned.line()}.")
        if self.events_forgotten:
            out.append(f"Forgot {self.events_forgotten} Events API IDs Slack no longer retries.")
        out.append(
            f"Posted {self.threads} review threads and {self.summaries} summaries "
            f"({self.messages} messages, {self.found_already_posted} found already posted by an "
            f"interrupted run); {self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; waited {self.waited:.0f} s for Slack's rate limits."
        )
        out.extend(f"  failed {key}: {reason}" for key, reason in self.failed)
        if self.in_doubt:
            out.append(f"{self.in_doubt} got no answer from Slack; they are checked next run.")
        return out


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
        self.now = datetime.min.replace(tzinfo=UTC)  # what content is built as of
        self._started = time.monotonic()

    def run(self, now: datetime) -> ReviewRunReport:
        """Plan what is due as of ``now``, then post it. Safe to run in many processes."""
        report = ReviewRunReport()
        self._start(now)
        self._plan(report)
        self.send(now, report)
        return report

    def _start(self, now: datetime) -> None:
        self.now, self._started = now, time.monotonic()

    def clock(self) -> datetime:
        """The run's time: ``now`` plus the time the run has taken so far."""
        return self.now + timedelta(seconds=time.monotonic() - self._started)

    def _plan(self, report: ReviewRunReport) -> None:
        with session_scope(self.engine) as session:
            held = outbox.acquire_lease(
                session, PLAN_LEASE, self.worker, now=self.clock(), ttl=self.config.plan_lease
            )
        if not held:
            report.plan_skipped = True
            return
        try:
            with session_scope(self.engine) as session:
                report.planned = plan(session, now=self.now, policy=self.policy)
                report.events_forgotten = repo.forget_events_before(
                    session, self.now - EVENT_MEMORY
                )
        except Exception as exc:  # posting what is already planned still goes ahead
            log.exception("planning reviews failed")
            report.plan_error = f"{type(exc).__name__}: {exc}"
        finally:
            with session_scope(self.engine) as session:
                outbox.release_lease(session, PLAN_LEASE, self.worker)

    def send(self, now: datetime, report: ReviewRunReport | None = None) -> ReviewRunReport:
        """Post every due review delivery, oldest first."""
        report = report or ReviewRunReport()
        self._start(now)
        while True:
            with session_scope(self.engine) as session:
                batch = outbox.claim(
                    session,
                    owner=self.worker,
                    now=self.clock(),
                    lease=self.config.lease,
                    limit=1,
                    kinds=KINDS,
                )
            if not batch:
                return report
            self._deliver(batch[0], report)

    # --- one delivery ------------------------------------------------------------------------

    def _deliver(self, c: Claimed, report: ReviewRunReport) -> None:
        lease = BatchLease(
            self.engine,
            self.worker,
            [c.id],
            expires=self.clock() + self.config.lease,
            length=self.config.lease,
            clock=self.clock,
        )

        def keep() -> None:
            try:
                lease.keep()
            except LeaseLost:
                raise Stop("lost") from None

        poster = Poster(
            self.client,
            keep,
            self.sleep,
            self.config.max_wait,
            c.attempts,
            posted=self.hooks.posted,
        )
        try:
            channel, ts = (self._thread if c.kind == REVIEW else self._summary)(c, poster)
        except Stop as stop:
            self._count(report, poster)
            self._stopped(c, stop, report)
            return
        except (OSError, http.client.HTTPException) as exc:
            log.warning("no answer from Slack for %s (%s); checked before any resend", c.key, exc)
            self._count(report, poster)
            report.in_doubt += 1
            return
        self._count(report, poster)
        if channel and ts:
            self._finish(outbox.mark_sent, c, channel=channel, ts=ts)
            if c.kind == REVIEW:
                report.threads += 1
            else:
                report.summaries += 1

    @staticmethod
    def _count(report: ReviewRunReport, poster: Poster) -> None:
        report.messages += poster.counts.messages
        report.found_already_posted += poster.counts.found_already_posted
        report.waited += poster.counts.waited

    def _stopped(self, c: Claimed, stop: Stop, report: ReviewRunReport) -> None:
        if stop.outcome == "cancel":
            self._finish(outbox.cancel, c, reason=stop.reason)
            report.cancelled += 1
        elif stop.outcome == "retry":
            retry_at = self.clock() + timedelta(seconds=stop.retry_after)
            self._finish(outbox.release, c, retry_at=retry_at, reason=stop.reason)
            report.postponed += 1
        elif stop.outcome == "lost":
            log.warning("lost the lease on %s to another process", c.key)
        else:
            self._finish(outbox.mark_failed, c, reason=stop.reason)
            report.failed.append((c.key, stop.reason))
            if c.kind == REVIEW:
                self._review_failed(c, stop.reason)

    def _review(self, c: Claimed) -> Review:
        with session_scope(self.engine) as session:
            review = reviews.get_review(session, int(c.payload.get("review", 0)))
        if review is None:
            raise Stop("cancel", "the review is gone")
        return review

    def _thread(self, c: Claimed, slack: Poster) -> tuple[str, str]:
        review = self._review(c)
        if review.status != reviews.OPEN and review.parent_ts is None:
            raise Stop("cancel", "closed before its thread was posted")
        channel = review.channel_id or c.recipient
        doubt = c.taken_over
        parent_ts = review.parent_ts
        if parent_ts is None:
            parent_ts = slack.find(channel, c.key) if doubt else None
            if not parent_ts:
                with session_scope(self.engine) as session:
                    head = parent_view(session, review, now=self.now, policy=self.policy)
                chart = team_chart(head.series, f"{head.team_name}: KPIs") if head.series else None
                file_id = slack.upload(chart, f"review-{head.team_key}.png", head.team_name)
                message = review_blocks.parent(
                    head, chart_file_id=file_id, alt_text=chart.alt_text if chart else ""
                )
                parent_ts = slack.post(channel, message, c.key)
            self._record(Review, review.id, parent_ts=parent_ts, channel_id=channel)
            doubt = False
        with session_scope(self.engine) as session:
            items = {i.id: i for i in reviews.items_of(session, review.id or 0)}
            views = item_views(session, review, now=self.now, policy=self.policy)
        for view in views:
            if items[view.item_id].message_ts:
                continue
            key = item_key(c.key, view.kpi_key)
            ts = slack.find(channel, key, thread=parent_ts) if doubt else None
            if not ts:
                chart = kpi_chart(view.series) if view.with_chart else None
                file_id = slack.upload(chart, f"review-{view.kpi_key}.png", view.row.name)
                message = review_blocks.item(
                    view, chart_file_id=file_id, alt_text=chart.alt_text if chart else ""
                )
                ts = slack.post(channel, message, key, thread=parent_ts)
            self._record(ReviewItem, view.item_id, message_ts=ts)
            doubt = False
        return channel, parent_ts

    def _summary(self, c: Claimed, slack: Poster) -> tuple[str, str]:
        review = self._review(c)
        channel = review.channel_id or c.recipient
        with session_scope(self.engine) as session:
            message = review_blocks.summary(
                summary_view(session, review, now=self.now, policy=self.policy)
            )
        doubt = c.taken_over
        if review.parent_ts and not review.summary_thread_ts:
            key = f"{c.key}#thread"
            found = slack.find(channel, key, thread=review.parent_ts) if doubt else None
            ts = found or slack.post(channel, message, key, thread=review.parent_ts)
            self._record(Review, review.id, summary_thread_ts=ts)
            doubt = False
        summary_ts = review.summary_ts or (slack.find(channel, c.key) if doubt else None)
        ts = summary_ts or slack.post(channel, message, c.key)
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

    def _finish(self, outcome: Callable[..., bool], c: Claimed, **kw: Any) -> bool:
        with session_scope(self.engine) as session:
            return outcome(session, c.id, self.worker, now=self.clock(), **kw)

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
