"""The digests job: plan this week's digests, send each exactly once, update late ones in place.

One run (`kpibot jobs run digests`, or every minute under `kpibot serve`):

1. **Plan**, under a named lease: every team whose digest moment has come gets its outbox row
   (commands.digest_plan), and the company roll-up when KPIBOT_LEADERSHIP_CHANNEL is set.
2. **Send**, as a pipeline: claim due digests in batches (a lease each), build their content in
   one transaction per batch, render the charts in worker processes, and post them from a few
   sender threads paced to Slack's limits. At most ``in_flight`` digests are claimed and not yet
   posted, so leases stay short and rendering runs ahead of posting without piling up. Each post
   is recorded (bot.digests.publish) so a crash never posts a digest twice.
3. **Update**, under a named lease: digests posted in the last week whose KPIs got a value
   logged after they were built are rebuilt as of their own moment; when what they show
   changed, the chart is uploaded again and the message updated with chat.update.

Failures: a channel kpibot cannot post in fails the digest for good and tells the team lead
how to fix it (`/invite @kpibot`); rate limits and Slack's transient errors put the digest
back in the outbox for a later run (up to MAX_ATTEMPTS claims).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.digests.publish import Content, Outcome, Publisher
from bot.digests.refresh import refresh, stale_contents
from bot.digests.render import ChartRenderer
from bot.digests.slack import channel_fix
from charts import Chart
from commands.context import Policy
from commands.digest import build_team_digests, teams_by_key
from commands.digest_plan import KINDS, ROLLUP_KIND, DigestPlan, plan
from commands.rollup import build_rollup
from storage import digests, outbox
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)

PLAN_LEASE, REFRESH_LEASE = "digests:plan", "digests:refresh"
MAX_ATTEMPTS = 5
RETRY_AFTER_ERROR = timedelta(minutes=5)


@dataclass(frozen=True)
class DigestConfig:
    lease: timedelta = timedelta(minutes=10)
    batch: int = 10  # claimed and built together; a build holds the GIL for its length
    in_flight: int = 48
    senders: int = 4
    leadership_channel: str | None = None

    def __post_init__(self) -> None:
        if self.in_flight < self.batch:
            raise ValueError("in_flight must hold at least one batch")


@dataclass
class DigestReport:
    planned: DigestPlan | None = None
    plan_skipped: bool = False
    sent: int = 0
    found_sent: int = 0
    cancelled: int = 0
    postponed: int = 0
    lost_lease: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    checked: int = 0
    updated: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, by: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + by)

    def fail(self, key: str, reason: str) -> None:
        with self._lock:
            self.failed.append((key, reason))

    def __str__(self) -> str:
        lines = []
        if self.plan_skipped:
            lines.append("Planning: another kpibot process is planning digests.")
        elif self.planned is not None:
            lines.append(f"Planned: {self.planned.line()}.")
        lines.append(
            f"Sent {self.sent} digests ({self.found_sent} found already posted), "
            f"{self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; updated {self.updated} of {self.checked} with late "
            f"values; {self.seconds:.1f} s."
        )
        lines.extend(f"  failed {key}: {reason}" for key, reason in self.failed)
        return "\n".join(lines)


@dataclass
class _Item:
    claimed: Claimed
    content: Content | None
    channel: str


class DigestJob:
    def __init__(
        self,
        engine: Any,
        policy: Policy,
        publisher: Publisher,
        renderer: ChartRenderer,
        *,
        worker: str,
        config: DigestConfig | None = None,
    ) -> None:
        self.engine, self.policy, self.publisher = engine, policy, publisher
        self.renderer, self.worker = renderer, worker
        self.config = config or DigestConfig()
        self.clock: Callable[[], datetime] = publisher.clock

    def run(self, now: datetime) -> DigestReport:
        started = time.monotonic()
        self.clock = lambda: now + timedelta(seconds=time.monotonic() - started)
        self.publisher.clock = self.clock
        report = DigestReport()
        self._plan(now, report)
        self._send(report)
        self._refresh(report)
        report.seconds = time.monotonic() - started
        return report

    # --- plan ----------------------------------------------------------------------------------

    def _leased(self, name: str, ttl: timedelta) -> bool:
        with session_scope(self.engine) as session:
            return outbox.acquire_lease(session, name, self.worker, now=self.clock(), ttl=ttl)

    def _unlease(self, name: str) -> None:
        with session_scope(self.engine) as session:
            outbox.release_lease(session, name, self.worker)

    def _plan(self, now: datetime, report: DigestReport) -> None:
        if not self._leased(PLAN_LEASE, self.config.lease):
            report.plan_skipped = True
            return
        try:
            with session_scope(self.engine) as session:
                report.planned = plan(
                    session,
                    policy=self.policy,
                    now=now,
                    leadership_channel=self.config.leadership_channel,
                )
        finally:
            self._unlease(PLAN_LEASE)

    # --- send ----------------------------------------------------------------------------------

    def _send(self, report: DigestReport) -> None:
        slots = threading.Semaphore(self.config.in_flight)
        with ThreadPoolExecutor(
            self.config.senders, thread_name_prefix="kpibot-digest-send"
        ) as senders:
            while True:
                wanted = self.config.batch
                for _ in range(wanted):  # room for a whole batch: claim and build in batches
                    slots.acquire()
                with session_scope(self.engine) as session:
                    batch = outbox.claim(
                        session,
                        owner=self.worker,
                        now=self.clock(),
                        lease=self.config.lease,
                        limit=wanted,
                        kinds=KINDS,
                    )
                for _ in range(wanted - len(batch)):
                    slots.release()
                if not batch:
                    break
                try:
                    items = self._prepare(batch, report)
                except Exception:
                    log.exception("digests could not be built; they are tried again later")
                    self._postpone(batch, report)
                    items = [_Item(c, None, c.recipient) for c in batch]
                for item in items:
                    if item.content is None:
                        slots.release()
                        continue
                    chart = item.content.chart(self.renderer)

                    def post(item: _Item = item, chart: Future[Chart] = chart) -> None:
                        try:
                            self._deliver(item, chart, report)
                        except Exception:  # its lease runs out, and a later run tries again
                            log.exception("digest %s failed", item.claimed.key)
                            report.fail(item.claimed.key, "kpibot error (see the log); retried")
                        finally:
                            slots.release()

                    def rendered(_done: Future[Chart], post: Callable[[], None] = post) -> None:
                        senders.submit(post)

                    chart.add_done_callback(rendered)
            for _ in range(self.config.in_flight):  # every claimed digest has been handled
                slots.acquire()

    def _postpone(self, batch: list[Claimed], report: DigestReport) -> None:
        retry_at = self.clock() + RETRY_AFTER_ERROR
        with session_scope(self.engine) as session:
            for c in batch:
                outbox.release(
                    session, c.id, self.worker, retry_at=retry_at, reason="kpibot error",
                    now=self.clock(),
                )  # fmt: skip
        report.count("postponed", len(batch))

    def _prepare(self, batch: list[Claimed], report: DigestReport) -> list[_Item]:
        """Each claimed digest with its content; gone teams are cancelled (content None)."""
        items: list[_Item] = []
        with session_scope(self.engine) as session:
            teams = teams_by_key(session, [str(c.payload.get("team", "")) for c in batch])
            requests = []
            for c in batch:
                moment = datetime.fromisoformat(str(c.payload["moment"]))
                if c.kind == ROLLUP_KIND:
                    rollup = build_rollup(session, self.policy, moment)
                    items.append(_Item(c, Content(rollup), c.recipient))
                    continue
                team = teams.get(str(c.payload.get("team", "")))
                if team is None:
                    outbox.cancel(
                        session, c.id, self.worker, reason="team removed", now=self.clock()
                    )
                    report.count("cancelled")
                    items.append(_Item(c, None, c.recipient))
                    continue
                requests.append((c, team, moment))
            built = build_team_digests(session, self.policy, [(t, m) for _, t, m in requests])
            for (c, team, _), digest in zip(requests, built, strict=True):
                items.append(_Item(c, Content(digest, team.id), team.channel_id or c.recipient))
        return items

    def _deliver(self, item: _Item, chart_future: Future[Chart], report: DigestReport) -> None:
        c, content = item.claimed, item.content
        assert content is not None
        with session_scope(self.engine) as session:
            held = outbox.renew(
                session, [c.id], self.worker, now=self.clock(), lease=self.config.lease
            )
            earlier = digests.post_for_delivery(session, c.id) if held else None
            if earlier is not None and earlier.message_ts is not None:
                outbox.mark_sent(
                    session, c.id, self.worker, channel=earlier.channel_id, ts=earlier.message_ts,
                    now=self.clock(),
                )  # fmt: skip
        if not held:
            report.count("lost_lease")
            return
        if earlier is not None:
            if earlier.message_ts is not None:
                report.count("found_sent")
            else:
                self._in_doubt(c, content, item.channel, report)
            return
        try:
            chart: Chart | None = chart_future.result()
        except Exception:
            log.exception("chart of %s could not be drawn", c.key)
            chart = None

        def record(session: Any, channel: str, ts: str) -> bool:
            return outbox.mark_sent(
                session, c.id, self.worker, channel=channel, ts=ts, now=self.clock()
            )

        try:
            outcome = self.publisher.publish(
                content, chart, item.channel, delivery_id=c.id, on_posted=record
            )
        except IntegrityError:  # another process recorded a post for it first
            report.count("lost_lease")
            return
        self._settle(c, content, item.channel, outcome, report)

    def _settle(
        self, c: Claimed, content: Content, channel: str, outcome: Outcome, report: DigestReport
    ) -> None:
        if outcome.status == "sent":
            report.count("sent")
            return
        if outcome.status == "in_doubt":
            self._in_doubt(c, content, channel, report, outcome.reason)
            return
        with session_scope(self.engine) as session:
            if outcome.status == "postponed" and c.attempts < MAX_ATTEMPTS:
                retry_at = self.clock() + timedelta(seconds=max(60.0, outcome.retry_after))
                outbox.release(
                    session, c.id, self.worker, retry_at=retry_at, reason=outcome.reason,
                    now=self.clock(),
                )  # fmt: skip
                report.count("postponed")
                return
            outbox.mark_failed(session, c.id, self.worker, reason=outcome.reason, now=self.clock())
        report.fail(c.key, outcome.reason)
        if outcome.channel_problem:
            preview = (
                f"`/kpi digest preview team:{content.key}`"
                if content.is_team
                else "`kpibot digest render --rollup`"
            )
            self._tell(
                content,
                f"I could not post {content.name}'s weekly digest ({content.digest.week_label}): "
                f"{channel_fix(outcome.reason, channel)} The next one will arrive once that is "
                f"fixed; meanwhile {preview} shows it.",
            )

    def _in_doubt(
        self,
        c: Claimed,
        content: Content,
        channel: str,
        report: DigestReport,
        reason: str = "an earlier run was interrupted while posting it",
    ) -> None:
        with session_scope(self.engine) as session:
            outbox.mark_failed(
                session, c.id, self.worker, reason=f"in doubt: {reason}", now=self.clock()
            )
        report.fail(c.key, f"in doubt: {reason}; not posted again")
        again = "`/kpi digest` in that channel posts it" if content.is_team else "next week's comes"
        self._tell(
            content,
            f"{content.name}'s weekly digest ({content.digest.week_label}) may not have "
            f"reached <#{channel}>: {reason}. If it is not there, {again}.",
        )

    def _tell(self, content: Content, text: str) -> None:
        """The team's lead, or (for the roll-up and teams without one) kpibot's admins."""
        for person in [content.lead] if content.lead else sorted(self.policy.admins):
            self.publisher.slack.tell(person, text)

    # --- update ---------------------------------------------------------------------------------

    def _refresh(self, report: DigestReport) -> None:
        if not self._leased(REFRESH_LEASE, self.config.lease):
            return
        try:
            built_at = self.clock()
            contents = stale_contents(self.engine, self.policy, built_at)
            report.count("checked", len(contents))
            updated = refresh(self.publisher, self.renderer, contents, built_at=built_at)
            report.count("updated", updated)
        finally:
            self._unlease(REFRESH_LEASE)
