"""The alerts job: raise alerts and deliver them once, through the shared delivery engine.

Alerts are planned in two places, both writing outbox deliveries keyed by the alert's
``dedupe_key`` (commands.alerts.observe):

- at once, when a value is stored (:func:`subscribe`, on the event bus; Slack and API values
  publish it): the KPI is looked at and what it raises is queued and sent;
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
from bot.runtime import Runtime
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


_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpibot-alerts")


def subscribe(runtime: Runtime) -> None:
    """A stored value is looked at for alerts at once (in the publishing thread, in its own
    transaction) and what it raised is sent off the request path."""

    def handle(events: Sequence[ValueStored]) -> None:
        if values_stored(runtime, events):
            _SENDER.submit(_send_now, runtime)

    runtime.events.subscribe(handle)


def wait_for_sends(timeout: float = 30.0) -> None:
    """Return once the sends that stored values started have finished (tests, shutdown)."""
    _SENDER.submit(lambda: None).result(timeout=timeout)


def _send_now(runtime: Runtime) -> None:
    try:
        report = send(runtime, runtime.now())
    except Exception:
        log.exception("sending alerts failed; the next run of the alerts job retries")
        return
    for line in report.lines():
        log.info("alerts: %s", line)
