"""The sources job: plan due pulls, run them, store what they give, tell owners what failed.

One run (`kpibot jobs run sources`, or every KPIBOT_REMINDER_INTERVAL under `kpibot serve`):

1. Under the ``sources:plan`` lease (one process at a time), commands.source_runs.plan_pulls
   writes one pull row per (KPI, closed period) once ``pull_after`` has passed.
2. Due pull rows are claimed from the outbox (a lease each) and pulled in this job's own
   thread pool of KPIBOT_PULL_WORKERS threads - never Bolt's listener pool. A number is stored
   through the `/kpi log` use case in the same transaction that closes the row, and
   ValueStored is published; a failure is retried after 5 min, 15 min, 1 h..., and after
   KPIBOT_PULL_TRIES tries the row fails and one notice is planned.
3. Notices (a failed source, a pulled number offered as a correction) are drained through the
   shared delivery engine as :class:`SourceNoticeKind`: claims, leases, 429s and the
   look-before-resend after a crash are the engine's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.delivery.engine import DeliveryEngine, EngineConfig, Posted, run_clock, worker_name
from bot.delivery.report import RunReport as BaseReport
from bot.delivery.slack import SlackCalls
from bot.events import EventBus, ValueStored
from bot.runtime import Runtime
from bot.slack_client import make_client
from bot.sources import blocks
from commands.context import Context, Policy
from commands.source_pull import PullError, pull
from commands.source_runs import (
    NOTICE,
    PULL,
    PullJob,
    load,
    plan_pulls,
    settle_failure,
    settle_number,
)
from commands.sources import STORED
from storage import outbox
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)
PLAN_LEASE = "sources:plan"


@dataclass(frozen=True)
class PullConfig:
    workers: int = 8
    tries: int = 4
    lease: timedelta = timedelta(minutes=10)  # longer than any source's timeout (300 s max)
    batch: int = 16  # claimed at a time: small, so a claim's lease outlives its pulls


@dataclass
class Planned:
    count: int

    def line(self) -> str:
        return f"{self.count} new pulls"


@dataclass
class PullReport(BaseReport):
    pulled: int = 0
    stored: int = 0
    retried: int = 0
    gave_up: int = 0
    pull_seconds: float = 0.0
    pull_errors: list[str] = field(default_factory=list)

    def after_plan(self) -> list[str]:
        return [
            f"Pulled {self.pulled} sources in {self.pull_seconds:.1f} s: {self.stored} stored, "
            f"{self.retried} to retry, {self.gave_up} failed for good (owner told)."
        ]


class SourceNoticeKind:
    """DMs to a KPI's owner: a source that failed for good, or a pulled correction to offer."""

    kinds: tuple[str, ...] = (NOTICE,)

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        return {c.id: c.payload for c in batch}

    def send(self, c: Claimed, payload: dict[str, Any], slack: SlackCalls) -> Posted:
        if c.taken_over:
            found = slack.find(c.recipient, c.key)
            if found is not None:
                return Posted(*found, found=True)
        channel, ts = slack.post(c.recipient, blocks.notice(payload), c.key)
        return Posted(channel, ts)

    def sent(self, report: BaseReport, c: Claimed, posted: Posted) -> None:
        if not posted.found:
            report.count("sent")

    def failed(self, c: Claimed, reason: str) -> None:
        """The owner cannot be reached; the run report names the delivery."""


class SourcesJob:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        policy: Policy,
        *,
        config: PullConfig | None = None,
        events: EventBus | None = None,
        worker: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.engine, self.client, self.policy = engine, client, policy
        self.config = config or PullConfig()
        self.events, self.env = events, env
        self.worker = worker or worker_name()

    def run(self, now: datetime) -> PullReport:
        clock = run_clock(now)
        sender = DeliveryEngine(
            self.engine, self.client, config=EngineConfig(), worker=self.worker, clock=clock
        )
        report = PullReport()
        sender.plan(PLAN_LEASE, timedelta(minutes=5), report, lambda: self._plan(now, report))
        started = time.monotonic()
        self._pull_all(now, report)
        report.pull_seconds = time.monotonic() - started
        sender.drain(SourceNoticeKind(), report)
        return report

    def _ctx(self, session: Any, now: datetime) -> Context:
        return Context(session=session, actor="kpibot-source", now=now, policy=self.policy)

    def _plan(self, now: datetime, report: PullReport) -> None:
        with session_scope(self.engine) as session:
            report.planned = Planned(plan_pulls(self._ctx(session, now)))

    def _pull_all(self, now: datetime, report: PullReport) -> None:
        with ThreadPoolExecutor(self.config.workers, thread_name_prefix="kpibot-pull") as pool:
            while True:
                with session_scope(self.engine) as session:
                    batch = outbox.claim(
                        session,
                        owner=self.worker,
                        now=now,
                        lease=self.config.lease,
                        limit=self.config.batch,
                        kinds=(PULL,),
                    )
                if not batch:
                    return
                list(pool.map(lambda c: self._pull_one(c, now, report), batch))

    def _pull_one(self, c: Claimed, now: datetime, report: PullReport) -> None:
        try:
            with session_scope(self.engine) as session:
                job = load(session, c)
                if isinstance(job, str):
                    outbox.cancel(session, c.id, self.worker, reason=job, now=now)
                    return
            self._settle(job, now, report)
        except Exception:  # its lease runs out and a later run tries again
            log.exception("pull %s failed", c.key)
            report.fail(c.key, "kpibot error (see the log); retried")

    def _settle(self, job: PullJob, now: datetime, report: PullReport) -> None:
        c = job.claimed
        try:
            number = pull(job.source, job.period, self.env)
        except PullError as exc:
            report.count("pulled")
            with session_scope(self.engine) as session:
                told = settle_failure(
                    session, c, exc.message, self.worker, now=now, tries=self.config.tries
                )
            report.count("gave_up" if told else "retried")
            return
        report.count("pulled")
        with session_scope(self.engine) as session:
            pulled = settle_number(self._ctx(session, now), job, number, self.worker)
            if pulled is None:
                session.rollback()
                report.count("lost_lease")
                return
        if pulled.outcome == STORED:
            report.count("stored")
            if self.events is not None:
                source = f"pulled from {pulled.source}"
                self.events.publish(ValueStored(pulled.kpi_key, pulled.period_key, source))


def run(runtime: Runtime, now: datetime, *, env: Mapping[str, str] | None = None) -> PullReport:
    """The registry's entry point: one run as of ``now`` with the runtime's settings."""
    client = make_client(runtime.settings, wait_out_rate_limits=False)
    settings = runtime.settings
    config = PullConfig(workers=settings.pull_workers, tries=settings.pull_tries)
    job = SourcesJob(
        runtime.engine, client, runtime.policy, config=config, events=runtime.events, env=env
    )
    return job.run(now)


Run = Callable[[Runtime, datetime], PullReport]
