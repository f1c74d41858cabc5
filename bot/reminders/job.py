"""The reminders job: refresh timezones, plan, then send every due message exactly once.

One run (`kpibot jobs run reminders`, or every KPIBOT_REMINDER_INTERVAL under `kpibot serve`):

1. Under the planner lease, so one process at a time: refresh cached timezones when someone
   reminded has none or a stale one (users.info for a few people, one users.list sweep for
   many), then commands.reminders.plan in one transaction.
2. Drain the outbox: claim due reminder and late-notice deliveries in batches with a lease,
   render each from the database, post it with chat.postMessage to the user ID (no
   conversations.open), record the channel and ts. KPIBOT_DELIVERY_WORKERS threads drain in
   parallel, each holding its own leases; further processes simply add senders.

Exactly once: planning writes each (KPI, period, reminder number) once (unique keys); a claim
is a lease; each message carries its delivery key in Slack message metadata, and a delivery
taken over from a process that died is looked for in the DM before it is posted again.

Slack's answers: HTTP 429 is waited out (Retry-After) in this job's thread, never a Bolt
listener's, then retried; past `max_wait` the delivery goes back to the outbox for a later run.
internal_error and its kin are retried later with a back-off, up to MAX_ATTEMPTS claims.
Any other error (user_not_found, account_inactive, channel_not_found...) fails the delivery
with the reason, once. No answer at all (a dropped connection) means it may have been posted:
the lease is left to expire, and the next holder looks in the DM before posting.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.delivery.lease import BatchLease, LeaseLost, RateLimited, retry_after
from bot.reminders import blocks as reminder_blocks
from bot.reminders.timezones import refresh_timezones
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack_client import make_client
from commands.context import Policy
from commands.reminder_messages import ReminderMessage, Row, messages
from commands.reminders import LATE, REMINDER, PlanSummary, plan
from storage import outbox
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)

EVENT_TYPE = "kpibot_delivery"  # Slack message metadata naming the delivery a message is for
KINDS = (REMINDER, LATE)
PLAN_LEASE = "reminders:plan"
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobConfig:
    lease: timedelta = timedelta(minutes=5)
    plan_lease: timedelta = timedelta(minutes=5)
    batch: int = 25
    workers: int = 4
    max_wait: float = 300.0  # seconds of Retry-After one delivery may wait in one run
    timezone_max_age: timedelta = timedelta(days=7)


@dataclass
class Hooks:
    """Points a test can stop a run at, as a crash would."""

    planned: Callable[[PlanSummary], None] | None = None  # inside the plan's transaction
    posted: Callable[[Claimed], None] | None = (
        None  # after Slack took a message, before it is recorded
    )


@dataclass
class RunReport:
    planned: PlanSummary | None = None
    plan_skipped: bool = False  # another process held the planner lease
    plan_error: str | None = None
    timezones: str | None = None
    sent: int = 0
    found_already_sent: int = 0
    cancelled: int = 0
    postponed: int = 0
    in_doubt: int = 0
    lost_lease: int = 0
    waited: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)
    plan_seconds: float = 0.0  # wall-clock time spent refreshing timezones and planning
    send_seconds: float = 0.0  # wall-clock time spent draining the outbox

    def merge(self, other: RunReport) -> None:
        for name in ("sent", "found_already_sent", "cancelled", "postponed", "in_doubt"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lost_lease += other.lost_lease
        self.waited += other.waited
        self.failed.extend(other.failed)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        out = []
        if self.timezones:
            out.append(f"Timezones: {self.timezones}.")
        if self.plan_error:
            out.append(f"Planning failed: {self.plan_error}")
        elif self.plan_skipped:
            out.append("Planning: another kpibot process is planning; sent what was due.")
        elif self.planned:
            out.append(f"Planned: {self.planned.line()}.")
        out.append(
            f"Sent {self.sent} messages ({self.found_already_sent} found already sent by an "
            f"interrupted run), {self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; waited {self.waited:.0f} s for Slack's rate limits "
            f"(planning {self.plan_seconds:.1f} s, sending {self.send_seconds:.1f} s)."
        )
        out.extend(f"  failed {key}: {reason}" for key, reason in self.failed)
        if self.in_doubt:
            out.append(f"{self.in_doubt} got no answer from Slack; they are checked next run.")
        return out


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ReminderJob:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        policy: Policy,
        *,
        config: JobConfig | None = None,
        worker: str | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        hooks: Hooks | None = None,
    ) -> None:
        self.engine, self.client, self.policy = engine, client, policy
        self.config = config or JobConfig()
        self.worker = worker or worker_name()
        self._fixed_clock = clock
        self.sleep = sleep
        self.hooks = hooks or Hooks()

    def run(self, now: datetime) -> RunReport:
        """Everything due as of ``now``: plan, then send. Safe to run in many processes."""
        started = time.monotonic()
        self.clock = self._fixed_clock or (
            lambda: now + timedelta(seconds=time.monotonic() - started)
        )
        report = RunReport()
        self._plan(now, report)
        planned = time.monotonic()
        self._drain(report)
        report.plan_seconds = planned - started
        report.send_seconds = time.monotonic() - planned
        return report

    # --- planning ------------------------------------------------------------------------------

    def _plan(self, now: datetime, report: RunReport) -> None:
        with session_scope(self.engine) as session:
            held = outbox.acquire_lease(
                session, PLAN_LEASE, self.worker, now=self.clock(), ttl=self.config.plan_lease
            )
        if not held:
            report.plan_skipped = True
            return
        try:
            report.timezones = refresh_timezones(
                self.engine,
                self.client,
                lambda request: self._call(request, report=report),
                now=now,
                max_age=self.config.timezone_max_age,
            )
            with session_scope(self.engine) as session:
                report.planned = plan(session, now=now, policy=self.policy)
                if self.hooks.planned:
                    self.hooks.planned(report.planned)
        except Exception as exc:  # sending what is already planned still goes ahead
            log.exception("planning reminders failed")
            report.plan_error = f"{type(exc).__name__}: {exc}"
        finally:
            with session_scope(self.engine) as session:
                outbox.release_lease(session, PLAN_LEASE, self.worker)

    # --- sending -------------------------------------------------------------------------------

    def _drain(self, report: RunReport) -> None:
        workers = max(1, self.config.workers)
        reports = [RunReport() for _ in range(workers)]
        if workers == 1:
            self._sender(f"{self.worker}/0", reports[0])
        else:
            threads = [
                threading.Thread(
                    target=self._sender,
                    args=(f"{self.worker}/{n}", reports[n]),
                    name=f"kpibot-send-{n}",
                )
                for n in range(workers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for part in reports:
            report.merge(part)

    def _sender(self, owner: str, report: RunReport) -> None:
        while True:
            claimed_at = self.clock()
            with session_scope(self.engine) as session:
                batch = outbox.claim(
                    session,
                    owner=owner,
                    now=claimed_at,
                    lease=self.config.lease,
                    limit=self.config.batch,
                    kinds=KINDS,
                )
            if not batch:
                return
            with session_scope(self.engine) as session:
                rows = [Row(c.id, c.kind, c.recipient, c.payload) for c in batch]
                rendered = messages(session, rows, now=claimed_at, policy=self.policy, sending=True)
            lease = BatchLease(
                self.engine,
                owner,
                [c.id for c in batch],
                expires=claimed_at + self.config.lease,
                length=self.config.lease,
                clock=self.clock,
            )
            for claimed in batch:
                self._deliver(claimed, rendered.get(claimed.id), owner, lease, report)
                lease.done(claimed.id)

    def _deliver(
        self,
        c: Claimed,
        message: ReminderMessage | None,
        owner: str,
        lease: BatchLease,
        report: RunReport,
    ) -> None:
        if message is None:
            self._finish(outbox.cancel, c, owner, reason="answered before it went out")
            report.cancelled += 1
            return
        try:
            if c.taken_over:
                try:
                    found = self._find_posted(c, lease, report)
                except RateLimited:  # cannot check now: keep the lease, the next holder checks
                    report.in_doubt += 1
                    return
                if found is not None:
                    self._finish(outbox.mark_sent, c, owner, channel=found[0], ts=found[1])
                    report.found_already_sent += 1
                    return
            rendered = reminder_blocks.render(message)
            response = self._call(
                lambda: self.client.chat_postMessage(
                    channel=c.recipient,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata={"event_type": EVENT_TYPE, "event_payload": {"key": c.key}},
                    unfurl_links=False,
                    unfurl_media=False,
                ),
                lease=lease,
                report=report,
            )
        except LeaseLost:
            report.lost_lease += 1
            return
        except RateLimited as limited:
            retry_at = self.clock() + timedelta(seconds=limited.retry_after)
            self._finish(outbox.release, c, owner, retry_at=retry_at, reason="rate limited")
            report.postponed += 1
            return
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if error in TRANSIENT and c.attempts < MAX_ATTEMPTS:
                retry_at = self.clock() + timedelta(minutes=2**c.attempts)
                self._finish(outbox.release, c, owner, retry_at=retry_at, reason=error)
                report.postponed += 1
            else:
                log.warning("delivery %s failed: %s", c.key, error)
                self._finish(outbox.mark_failed, c, owner, reason=error)
                report.failed.append((c.key, error))
            return
        except (OSError, http.client.HTTPException) as exc:
            log.warning("no answer from Slack for %s (%s); checked before any resend", c.key, exc)
            report.in_doubt += 1
            return
        if self.hooks.posted:
            self.hooks.posted(c)
        if self._finish(outbox.mark_sent, c, owner, channel=response["channel"], ts=response["ts"]):
            report.sent += 1
        else:
            report.lost_lease += 1

    def _find_posted(
        self, c: Claimed, lease: BatchLease, report: RunReport
    ) -> tuple[str, str] | None:
        """The message an interrupted run posted for this delivery, if Slack has it."""
        try:
            channel = c.recipient
            if channel.startswith(("U", "W")):
                opened = self._call(
                    lambda: self.client.conversations_open(users=c.recipient),
                    lease=lease,
                    report=report,
                )
                channel = opened["channel"]["id"]
            history = self._call(
                lambda: self.client.conversations_history(
                    channel=channel, limit=100, include_all_metadata=True
                ),
                lease=lease,
                report=report,
            )
        except SlackApiError as exc:
            log.warning("cannot check whether %s went out (%s)", c.key, exc.response.get("error"))
            return None
        for message in history.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == c.key:
                return channel, str(message["ts"])
        return None

    def _call(
        self,
        request: Callable[[], Any],
        *,
        lease: BatchLease | None = None,
        report: RunReport | None = None,
    ) -> Any:
        """A Web API call that waits out 429s (up to max_wait), renewing the lease as it goes."""
        waited = 0.0
        while True:
            if lease is not None:
                lease.keep()
            try:
                return request()
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                wait = retry_after(exc)
                if waited + wait > self.config.max_wait:
                    raise RateLimited(wait) from None
                waited += wait
                if report is not None:
                    report.waited += wait
                self.sleep(wait)

    def _finish(self, outcome: Callable[..., bool], c: Claimed, owner: str, **kw: Any) -> bool:
        with session_scope(self.engine) as session:
            return outcome(session, c.id, owner, now=self.clock(), **kw)


def job_config(settings: Settings) -> JobConfig:
    return JobConfig(
        lease=settings.delivery_lease,
        plan_lease=settings.delivery_lease,
        workers=settings.delivery_workers,
        timezone_max_age=settings.timezone_refresh,
    )


def run(runtime: Runtime, now: datetime) -> RunReport:
    """The registry's entry point: one run as of ``now`` with the runtime's settings.

    The job gets its own Web API client that does not wait out 429s by itself: the job does,
    in its own thread, and postpones a message rather than failing it.
    """
    client = make_client(runtime.settings, wait_out_rate_limits=False)
    job = ReminderJob(runtime.engine, client, runtime.policy, config=job_config(runtime.settings))
    return job.run(now)
