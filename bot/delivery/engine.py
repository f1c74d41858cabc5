"""The outbox sender: one engine that plans under a lease, then claims, renders, posts and
settles deliveries, whatever kind of message they are.

Kinds today: reminders (bot.reminders.job), review threads (bot.reviews.job) and digests
(bot.digests.job). Each is a :class:`DeliveryKind`: which outbox kinds it sends, how to
prepare a claimed batch (read the database once for the batch), how to send one claimed
delivery (render it, post it through the :class:`~bot.delivery.slack.SlackCalls` it is given,
look for what an interrupted run already posted), and what to count or tell when one is sent
or fails. The engine does the rest: threads, claiming, leases, Slack's 429s and errors, the
outbox's bookkeeping and the run report.

Adding a kind (alerts, pulled-source notices): plan its deliveries into storage.outbox with a
unique key (the planner runs under :meth:`DeliveryEngine.plan`'s named lease), write a class
with ``kinds``, ``prepare``, ``send``, ``sent`` and ``failed``, and drain it with
``DeliveryEngine(...).drain(kind, report)`` from the job's entry point. ``send`` returns a
:class:`Posted` or raises :class:`~bot.delivery.slack.Stop` to cancel, retry, fail or give
up a delivery; Slack errors it lets through are classified here (TRANSIENT ones and any HTTP
5xx are retried with a back-off, up to MAX_ATTEMPTS claims; any other fails the delivery, once).

Exactly once, and where it is only at least once:

- Planning writes each delivery once (unique keys), under a named lease so one process plans.
- A claim is a lease (``lease`` long, renewed before each delivery of the batch and before
  each Slack call once half has run out); a process that finds a delivery's lease taken over
  never sends it (Stop("lost")), wherever it is in the batch.
- Every message carries its key in Slack message metadata (``kpibot_delivery``). A delivery
  claimed after another holder's lease ran out (``Claimed.taken_over``) may already be in
  Slack: the kind looks for the key (``SlackCalls.find``) before posting, and settles what it
  finds as sent. Digests also keep a ``digest_post`` row written before posting: one found
  without a ts is looked for by its key the same way, and posted only if Slack has no such
  message. When Slack cannot say (a 5xx on the lookup), nothing is posted: the lease is left
  to run out and the next holder looks again.
- The window that remains is between Slack's answer and the outbox write: a process that dies
  there leaves a posted message and a claimed row; the next holder finds it by its key. No
  answer at all from Slack (a dropped connection) is the same case: the lease is left to
  expire and the next holder looks before posting. So a message is posted twice only if the
  lookup misses it (Slack's history not yet showing it); bench/bench_chaos.py counts this.
- Recovery costs a lookup per message in doubt (conversations.history, Slack's Tier 3: about
  50 a minute), so after a storm of dropped connections they arrive at that pace.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.delivery.lease import BatchLease, LeaseLost, under_lease
from bot.delivery.report import RunReport
from bot.delivery.slack import NO_ANSWER, SlackCalls, Stop, error_of, transient
from storage import outbox
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # claims; with the back-off below, Slack failing for ~30 minutes
RETRY_FIRST, RETRY_MOST = 15.0, 300.0  # seconds: 15 s, 30 s, 1, 2, 4, then every 5 min
PREPARE_RETRY = timedelta(minutes=5)  # a batch kpibot could not build is tried again after


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    found: bool = False  # an interrupted run had posted it already
    recorded: bool = False  # the kind marked it sent itself, with its own records


class DeliveryKind(Protocol):
    kinds: tuple[str, ...]

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        """What each claimed delivery needs to be sent, by delivery id (read once a batch)."""
        ...

    def send(self, claimed: Claimed, prepared: Any, slack: SlackCalls) -> Posted:
        """Render and post one delivery; raise Stop to leave it otherwise."""
        ...

    def sent(self, report: RunReport, claimed: Claimed, posted: Posted) -> None:
        """Count a delivery the outbox now records as sent."""
        ...

    def failed(self, claimed: Claimed, reason: str) -> None:
        """A delivery failed for good: tell whoever can fix it."""
        ...


@dataclass(frozen=True)
class EngineConfig:
    lease: timedelta = timedelta(minutes=5)
    batch: int = 25
    workers: int = 4
    max_wait: float = 300.0  # seconds of Retry-After one call may wait in one run


class DeliveryEngine:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        *,
        config: EngineConfig,
        worker: str,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        posted: Callable[[Claimed, str], None] | None = None,
    ) -> None:
        self.engine, self.client, self.config = engine, client, config
        self.worker, self.clock, self.sleep, self.posted = worker, clock, sleep, posted

    # --- planning ------------------------------------------------------------------------------

    def under_lease(self, name: str, ttl: timedelta, step: Callable[[], None]) -> bool:
        """Run ``step`` while holding the named lease; False when another process holds it."""
        return under_lease(self.engine, name, self.worker, now=self.clock(), ttl=ttl, step=step)

    def plan(self, name: str, ttl: timedelta, report: RunReport, step: Callable[[], None]) -> None:
        """Plan under the named lease; a failure is reported, and sending goes ahead."""
        try:
            report.plan_skipped = not self.under_lease(name, ttl, step)
        except Exception as exc:
            log.exception("planning (%s) failed", name)
            report.plan_error = f"{type(exc).__name__}: {exc}"

    # --- sending -------------------------------------------------------------------------------

    def drain(self, kind: DeliveryKind, report: RunReport) -> None:
        """Send every due delivery of ``kind``, in ``workers`` threads with their own leases."""
        workers = max(1, self.config.workers)
        if workers == 1:
            self._sender(kind, f"{self.worker}/0", report)
            return
        threads = [
            threading.Thread(
                target=self._sender,
                args=(kind, f"{self.worker}/{n}", report),
                name=f"kpibot-send-{n}",
            )
            for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _sender(self, kind: DeliveryKind, owner: str, report: RunReport) -> None:
        while True:
            claimed_at = self.clock()
            with session_scope(self.engine) as session:
                batch = outbox.claim(
                    session,
                    owner=owner,
                    now=claimed_at,
                    lease=self.config.lease,
                    limit=self.config.batch,
                    kinds=kind.kinds,
                )
            if not batch:
                return
            try:
                prepared = kind.prepare(batch, claimed_at)
            except Exception:
                log.exception("deliveries could not be prepared; they are tried again later")
                for c in batch:
                    self._settle(c, owner, Stop("retry", "kpibot error", 0), kind, report)
                continue
            lease = BatchLease(
                self.engine,
                owner,
                [c.id for c in batch],
                expires=claimed_at + self.config.lease,
                length=self.config.lease,
                clock=self.clock,
            )
            for c in batch:
                lease.keep()  # what is still to send stays leased, however long earlier ones took
                if c.id in lease.lost:  # taken over meanwhile: its new holder sends it
                    report.count("lost_lease")
                else:
                    self._deliver(kind, c, prepared.get(c.id), owner, lease, report)
                lease.done(c.id)

    def _deliver(
        self,
        kind: DeliveryKind,
        c: Claimed,
        prepared: Any,
        owner: str,
        lease: BatchLease,
        report: RunReport,
    ) -> None:
        def keep() -> None:
            try:
                lease.keep(c.id)
            except LeaseLost:
                raise Stop("lost") from None

        crash_point = self.posted
        slack = SlackCalls(
            self.client,
            report,
            keep=keep,
            sleep=self.sleep,
            max_wait=self.config.max_wait,
            owner=owner,
            posted=(lambda key: crash_point(c, key)) if crash_point else None,
        )
        try:
            posted = kind.send(c, prepared, slack)
        except Stop as stop:
            self._settle(c, owner, stop, kind, report)
            return
        except SlackApiError as exc:
            error = error_of(exc)
            if transient(exc) and c.attempts < MAX_ATTEMPTS:
                outcome = Stop("retry", error, retry_after=back_off(c.attempts))
            else:
                outcome = Stop("fail", error)
            self._settle(c, owner, outcome, kind, report)
            return
        except NO_ANSWER as exc:
            log.warning("no answer from Slack for %s (%s); checked before any resend", c.key, exc)
            report.count("in_doubt")
            return
        except Exception:  # its lease runs out, and a later run tries again
            log.exception("delivery %s failed", c.key)
            report.fail(c.key, "kpibot error (see the log); retried")
            return
        if posted.recorded or self._finish(
            outbox.mark_sent, c, owner, channel=posted.channel, ts=posted.ts
        ):
            kind.sent(report, c, posted)
        else:
            report.count("lost_lease")

    def _settle(
        self, c: Claimed, owner: str, stop: Stop, kind: DeliveryKind, report: RunReport
    ) -> None:
        if stop.outcome == "cancel":
            self._finish(outbox.cancel, c, owner, reason=stop.reason)
            report.count("cancelled")
        elif stop.outcome == "retry":
            wait = stop.retry_after or PREPARE_RETRY.total_seconds()
            retry_at = self.clock() + timedelta(seconds=wait)
            self._finish(outbox.release, c, owner, retry_at=retry_at, reason=stop.reason)
            report.count("postponed")
        elif stop.outcome == "lost":
            log.warning("lost the lease on %s to another process", c.key)
            report.count("lost_lease")
        elif stop.outcome == "doubt":
            report.count("in_doubt")
        else:
            log.warning("delivery %s failed: %s", c.key, stop.reason)
            self._finish(outbox.mark_failed, c, owner, reason=stop.reason)
            report.fail(c.key, stop.reason)
            kind.failed(c, stop.reason)

    def _finish(self, outcome: Callable[..., bool], c: Claimed, owner: str, **kw: Any) -> bool:
        with session_scope(self.engine) as session:
            return outcome(session, c.id, owner, now=self.clock(), **kw)


def back_off(attempts: int) -> float:
    """Seconds before a delivery Slack failed on (5xx) is tried again, after ``attempts``."""
    return min(RETRY_MOST, RETRY_FIRST * 2.0 ** max(0, attempts - 1))


def run_clock(now: datetime) -> Callable[[], datetime]:
    """A run's time: ``now`` plus the time the run has taken so far."""
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)
