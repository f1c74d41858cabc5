"""The reminders job: refresh timezones, plan, then send every due message exactly once.

One run (`kpibot jobs run reminders`, or every KPIBOT_REMINDER_INTERVAL under `kpibot serve`):

1. Under the planner lease, so one process at a time: refresh cached timezones when someone
   reminded has none or a stale one (users.info for a few people, one users.list sweep for
   many), then commands.reminders.planner.plan in one transaction.
2. Drain the outbox through the delivery engine (bot.delivery.engine; :class:`ReminderKind`
   is this job's part): claim due reminder and late-notice deliveries in batches with a
   lease, render each from the database, post it with chat.postMessage to the user ID (no
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

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.delivery.engine import DeliveryEngine, EngineConfig, Posted, run_clock, worker_name
from bot.delivery.report import RunReport as BaseReport
from bot.delivery.slack import SlackCalls, Stop, wait_out
from bot.reminders import blocks as reminder_blocks
from bot.reminders.timezones import refresh_timezones
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack_client import make_client
from commands.context import Policy
from commands.reminders.messages import ReminderMessage, Row, messages
from commands.reminders.planner import LATE, REMINDER, PlanSummary, plan
from storage.db import session_scope
from storage.outbox import Claimed

KINDS = (REMINDER, LATE)
PLAN_LEASE = "reminders:plan"


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
class RunReport(BaseReport):
    timezones: str | None = None
    plan_seconds: float = 0.0  # wall-clock time spent refreshing timezones and planning
    send_seconds: float = 0.0  # wall-clock time spent draining the outbox

    def before(self) -> list[str]:
        return [f"Timezones: {self.timezones}."] if self.timezones else []

    def summary(self) -> str:
        return (
            f"{super().summary()[:-1]} (planning {self.plan_seconds:.1f} s, "
            f"sending {self.send_seconds:.1f} s)."
        )


class ReminderKind:
    """Reminder DMs and late notices: rendered from the database as a batch is claimed."""

    kinds: tuple[str, ...] = KINDS

    def __init__(self, engine: Engine, policy: Policy) -> None:
        self.engine, self.policy = engine, policy

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        with session_scope(self.engine) as session:
            rows = [Row(c.id, c.kind, c.recipient, c.payload) for c in batch]
            return messages(session, rows, now=now, policy=self.policy, sending=True)

    def send(self, c: Claimed, message: ReminderMessage | None, slack: SlackCalls) -> Posted:
        if message is None:
            raise Stop("cancel", "answered before it went out")
        if c.taken_over:
            try:
                found = slack.find(c.recipient, c.key)
            except Stop as stop:  # cannot check now: keep the lease, the next holder checks
                raise Stop("doubt" if stop.outcome == "retry" else stop.outcome) from None
            if found is not None:
                return Posted(*found, found=True)
        channel, ts = slack.post(c.recipient, reminder_blocks.render(message), c.key)
        return Posted(channel, ts)

    def sent(self, report: BaseReport, c: Claimed, posted: Posted) -> None:
        if not posted.found:
            report.count("sent")

    def failed(self, c: Claimed, reason: str) -> None:
        """A DM that cannot be delivered has no one else to tell; the report names it."""


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
        clock = self._fixed_clock or run_clock(now)
        config = self.config
        sender = DeliveryEngine(
            self.engine,
            self.client,
            config=EngineConfig(config.lease, config.batch, config.workers, config.max_wait),
            worker=self.worker,
            clock=clock,
            sleep=self.sleep,
            posted=self._posted if self.hooks.posted else None,
        )
        report = RunReport()
        sender.plan(PLAN_LEASE, config.plan_lease, report, lambda: self._plan(now, report))
        planned = time.monotonic()
        sender.drain(ReminderKind(self.engine, self.policy), report)
        report.plan_seconds = planned - started
        report.send_seconds = time.monotonic() - planned
        return report

    def _posted(self, c: Claimed, _key: str) -> None:
        if self.hooks.posted:
            self.hooks.posted(c)

    def _plan(self, now: datetime, report: RunReport) -> None:
        def call(request: Callable[[], Any]) -> Any:
            return wait_out(
                request,
                max_wait=self.config.max_wait,
                sleep=self.sleep,
                limited=lambda wait: report.count("waited", wait),
            )

        report.timezones = refresh_timezones(
            self.engine, self.client, call, now=now, max_age=self.config.timezone_max_age
        )
        with session_scope(self.engine) as session:
            report.planned = plan(session, now=now, policy=self.policy)
            if self.hooks.planned:
                self.hooks.planned(report.planned)


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
