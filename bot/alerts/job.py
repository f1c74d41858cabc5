"""The alerts job: raise alerts and deliver them once, through the shared delivery engine.

Alerts are planned in two places, both writing outbox deliveries keyed by the alert's
``dedupe_key`` (commands.alerts.observe):

- at once, when a value is stored (:func:`subscribe`, on the event bus; Slack and API values
  publish it): :class:`AlertService`'s thread looks at the KPI, off the request path, and
  sends what it raised;
- every run of this job (`kpibot jobs run alerts`), under the ``alerts:plan`` lease: KPIs
  with an open alert episode are looked at again, which is how an episode that holds past the
  next period reaches the team lead, and an owner's DM held for working hours goes out.

Sending is :class:`AlertKind` drained by :class:`bot.delivery.engine.DeliveryEngine`: claims,
leases, 429s and the look-before-resend after a takeover are the engine's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.alerts import blocks as alert_blocks
from bot.delivery.engine import DeliveryEngine, EngineConfig, Posted, run_clock, worker_name
from bot.delivery.report import RunReport
from bot.delivery.slack import SlackCalls, Stop
from bot.events import ValueStored
from bot.runtime import Runtime, provide
from bot.slack_client import make_client
from commands.alerts.observe import ALERT, check, observe
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)
PLAN_LEASE = "alerts:plan"


@dataclass
class AlertRunReport(RunReport):
    looked_at: int = 0
    queued: int = 0

    def after_plan(self) -> list[str]:
        return [f"Looked again at {self.looked_at} KPIs with open alerts; queued {self.queued}."]

    def summary(self) -> str:
        return (
            f"Sent {self.sent} alerts ({self.found_already_sent} found already sent by an "
            f"interrupted run), {self.postponed} postponed, {len(self.failed)} failed; "
            f"waited {self.waited:.0f} s for Slack's rate limits."
        )


class AlertKind:
    """One alert delivery is one message: a DM to a person, or a post in the team channel."""

    kinds: tuple[str, ...] = (ALERT,)

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        return {}  # the payload holds everything the message shows

    def send(self, c: Claimed, _prepared: Any, slack: SlackCalls) -> Posted:
        if c.taken_over:
            try:
                found = slack.find(c.recipient, c.key)
            except Stop as stop:  # cannot check now: keep the lease, the next holder checks
                raise Stop("doubt" if stop.outcome == "retry" else stop.outcome) from None
            if found is not None:
                return Posted(*found, found=True)
        channel, ts = slack.post(c.recipient, alert_blocks.render(c.payload), c.key)
        return Posted(channel, ts)

    def sent(self, report: RunReport, c: Claimed, posted: Posted) -> None:
        report.count("found_already_sent" if posted.found else "sent")

    def failed(self, c: Claimed, reason: str) -> None:
        log.warning("alert %s to %s failed: %s", c.key, c.recipient, reason)


def _engine(runtime: Runtime, now: datetime) -> DeliveryEngine:
    lease = runtime.settings.delivery_lease
    return DeliveryEngine(
        runtime.engine,
        make_client(runtime.settings, wait_out_rate_limits=False),
        config=EngineConfig(lease=lease, workers=1),
        worker=worker_name(),
        clock=run_clock(now),
    )


def run(runtime: Runtime, now: datetime) -> AlertRunReport:
    """The registry's entry point: look again at open alerts as of ``now``, then send."""
    report = AlertRunReport()
    sender = _engine(runtime, now)

    def plan() -> None:
        with session_scope(runtime.engine) as session:
            looked = check(session, now=now, policy=runtime.policy)
        report.looked_at = len(looked)
        report.queued = sum(len(o.queued) for o in looked)

    sender.plan(PLAN_LEASE, runtime.settings.delivery_lease, report, plan)
    sender.drain(AlertKind(), report)
    return report


def send(runtime: Runtime, now: datetime) -> AlertRunReport:
    """Send the alerts that are due, without looking at any KPI."""
    report = AlertRunReport()
    _engine(runtime, now).drain(AlertKind(), report)
    return report


def values_stored(runtime: Runtime, events: Sequence[ValueStored]) -> int:
    """Look at each KPI that got a value and queue its alerts; how many were queued."""
    now = runtime.now()
    queued = 0
    for key in dict.fromkeys(event.kpi_key for event in events):
        with session_scope(runtime.engine) as session:
            queued += len(observe(session, key, now=now, policy=runtime.policy).queued)
    return queued


class AlertService:
    """One thread per process that looks at stored values and sends what they raise, in the
    order they came: off the request path (a Slack listener, an API batch) yet at once."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpibot-alerts")

    def submit(self, events: Sequence[ValueStored]) -> None:
        self.pool.submit(self._handle, list(events))

    def wait(self, timeout: float = 30.0) -> None:
        """Return once everything submitted so far is handled (tests, orderly shutdown)."""
        self.pool.submit(lambda: None).result(timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)

    def _handle(self, events: list[ValueStored]) -> None:
        try:
            if values_stored(self.runtime, events):
                report = send(self.runtime, self.runtime.now())
                for line in report.lines():
                    log.info("alerts: %s", line)
        except Exception:  # the alerts job looks at these KPIs again on its next run
            log.exception("looking at %d stored values for alerts failed", len(events))


provide("alerts", AlertService)


def subscribe(runtime: Runtime) -> None:
    """A stored value is looked at for alerts, and what it raised sent, on the alerts thread."""
    runtime.events.subscribe(lambda events: service_of(runtime).submit(events))


def service_of(runtime: Runtime) -> AlertService:
    service: AlertService = runtime.service("alerts")
    return service


def wait_for_sends(runtime: Runtime, timeout: float = 30.0) -> None:
    """Return once the values stored so far have been looked at and their alerts sent."""
    service_of(runtime).wait(timeout)
