"""The digests job: plan this week's digests, send each exactly once, update late ones in place.

One run (`kpibot jobs run digests`, or every minute under `kpibot serve`):

1. **Plan**, under a named lease: every team whose digest moment has come gets its outbox row
   (commands.digests.plan), and the company roll-up when KPIBOT_LEADERSHIP_CHANNEL is set.
2. **Send**, through the delivery engine (bot.delivery.engine): a few sender threads each
   claim due digests in batches (a lease each), build their content in one transaction per
   batch, hand the charts to the worker processes, and post them paced to Slack's limits as
   they are drawn. Each post is recorded (bot.digests.publish) so a crash never posts a
   digest twice.
3. **Update**, under a named lease: digests posted in the last week whose KPIs got a value
   logged after they were built are rebuilt as of their own moment; when what they show
   changed, the chart is uploaded again and the message updated with chat.update.

Failures: a channel kpibot cannot post in fails the digest for good and tells the team lead
how to fix it (`/invite @kpibot`); rate limits and Slack's transient errors put the digest
back in the outbox for a later run (up to MAX_ATTEMPTS claims).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.delivery.engine import DeliveryEngine, EngineConfig, Posted, run_clock
from bot.delivery.report import RunReport
from bot.delivery.slack import SlackCalls, Stop
from bot.digests.publish import Content, Publisher
from bot.digests.refresh import refresh, stale_contents
from bot.digests.render import ChartRenderer
from bot.digests.slack import CHANNEL_ERRORS, channel_fix
from charts import Chart
from commands.context import Policy
from commands.digests.digest import build_team_digests, teams_by_key
from commands.digests.plan import KINDS, ROLLUP_KIND, plan
from commands.rollup import build_rollup
from storage import digests, outbox
from storage.db import session_scope
from storage.outbox import Claimed

log = logging.getLogger(__name__)

PLAN_LEASE, REFRESH_LEASE = "digests:plan", "digests:refresh"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class DigestConfig:
    lease: timedelta = timedelta(minutes=10)
    batch: int = 10  # claimed and built together; a build holds the GIL for its length
    senders: int = 4  # threads; at most batch x senders digests are claimed and not yet posted
    leadership_channel: str | None = None


@dataclass
class DigestReport(RunReport):
    checked: int = 0
    updated: int = 0
    seconds: float = 0.0

    BUSY: ClassVar[str] = "Planning: another kpibot process is planning digests."

    @property
    def found_sent(self) -> int:
        return self.found_already_sent

    def summary(self) -> str:
        return (
            f"Sent {self.sent} digests ({self.found_already_sent} found already posted), "
            f"{self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; updated {self.updated} of {self.checked} with late "
            f"values; {self.seconds:.1f} s."
        )


@dataclass
class _Item:
    content: Content | None  # None: the team is gone
    channel: str
    chart: Future[Chart] | None = None


class DigestKind:
    """Team digests and the company roll-up: built a batch at a time, charts drawn in worker
    processes meanwhile, each posted once (a ``digest_post`` row is written before posting)."""

    kinds: tuple[str, ...] = tuple(KINDS)

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        publisher: Publisher,
        renderer: ChartRenderer,
        lease: timedelta,
    ) -> None:
        self.engine, self.policy, self.lease = engine, policy, lease
        self.publisher, self.renderer = publisher, renderer
        self.items: dict[int, _Item] = {}

    def prepare(self, batch: list[Claimed], now: datetime) -> Mapping[int, Any]:
        items: dict[int, _Item] = {}
        with session_scope(self.engine) as session:
            teams = teams_by_key(session, [str(c.payload.get("team", "")) for c in batch])
            requests = []
            for c in batch:
                moment = datetime.fromisoformat(str(c.payload["moment"]))
                if c.kind == ROLLUP_KIND:
                    items[c.id] = _Item(
                        Content(build_rollup(session, self.policy, moment)), c.recipient
                    )
                elif (team := teams.get(str(c.payload.get("team", "")))) is None:
                    items[c.id] = _Item(None, c.recipient)
                else:
                    requests.append((c, team, moment))
            built = build_team_digests(session, self.policy, [(t, m) for _, t, m in requests])
            for (c, team, _), digest in zip(requests, built, strict=True):
                channel = team.channel_id or c.recipient
                items[c.id] = _Item(Content(digest, team.id), channel)
        for item in items.values():  # drawn in the worker processes while earlier ones post
            if item.content is not None:
                item.chart = item.content.chart(self.renderer)
        self.items.update(items)
        return items

    def send(self, c: Claimed, item: _Item, slack: SlackCalls) -> Posted:
        content = item.content
        if content is None:
            raise Stop("cancel", "team removed")
        clock = self.publisher.clock
        with session_scope(self.engine) as session:
            held = outbox.renew(session, [c.id], slack.owner, now=clock(), lease=self.lease)
            earlier = digests.post_for_delivery(session, c.id) if held else None
        if not held:
            raise Stop("lost")
        if earlier is not None and earlier.message_ts is not None:
            slack.report.count("found_already_sent")  # as slack.find counts what it finds
            return Posted(earlier.channel_id, earlier.message_ts, found=True)
        if earlier is not None:  # a run died, or got no answer, while posting: Slack may have it
            found = slack.find(earlier.channel_id, c.key)  # Stop("doubt") if Slack cannot say
            with session_scope(self.engine) as session:
                if found is None:
                    digests.forget_post(session, earlier.id or 0)
                else:
                    digests.posted(
                        session, earlier.id or 0, channel_id=found[0], ts=found[1], now=clock()
                    )
            if found is not None:
                return Posted(*found, found=True)
        chart = _drawn(c, item.chart)

        def record(session: Any, channel: str, ts: str) -> bool:
            return outbox.mark_sent(session, c.id, slack.owner, channel=channel, ts=ts, now=clock())

        try:
            outcome = self.publisher.publish(
                content, chart, item.channel, delivery_id=c.id, key=c.key, on_posted=record
            )
        except IntegrityError:  # another process recorded a post for it first
            raise Stop("lost") from None
        if outcome.status == "sent":
            return Posted(outcome.channel, outcome.ts, recorded=True)
        if outcome.status == "in_doubt":  # its lease runs out; the next holder looks for it
            raise Stop("doubt", outcome.reason)
        if outcome.status == "postponed" and c.attempts < MAX_ATTEMPTS:
            raise Stop("retry", outcome.reason, retry_after=max(60.0, outcome.retry_after))
        raise Stop("fail", outcome.reason)

    def sent(self, report: RunReport, c: Claimed, posted: Posted) -> None:
        if not posted.found:
            report.count("sent")

    def failed(self, c: Claimed, reason: str) -> None:
        item = self.items.get(c.id)
        if item is None or item.content is None:
            return
        content, channel = item.content, item.channel
        if reason in CHANNEL_ERRORS:
            preview = (
                f"`/kpi digest preview team:{content.key}`"
                if content.is_team
                else "`kpibot digest render --rollup`"
            )
            self._tell(
                content,
                f"I could not post {content.name}'s weekly digest ({content.digest.week_label}): "
                f"{channel_fix(reason, channel)} The next one will arrive once that is "
                f"fixed; meanwhile {preview} shows it.",
            )

    def _tell(self, content: Content, text: str) -> None:
        """The team's lead, or (for the roll-up and teams without one) kpibot's admins."""
        for person in [content.lead] if content.lead else sorted(self.policy.admins):
            self.publisher.slack.tell(person, text)


def _drawn(c: Claimed, chart: Future[Chart] | None) -> Chart | None:
    try:
        return chart.result() if chart is not None else None
    except Exception:
        log.exception("chart of %s could not be drawn", c.key)
        return None


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
        client: WebClient | None = None,
    ) -> None:
        self.engine, self.policy, self.publisher = engine, policy, publisher
        self.renderer, self.worker = renderer, worker
        self.config = config or DigestConfig()
        self.client = client or publisher.slack.client

    def run(self, now: datetime) -> DigestReport:
        started = time.monotonic()
        clock = run_clock(now)
        self.publisher.clock = clock
        config = self.config
        sender = DeliveryEngine(
            self.engine,
            self.client,
            config=EngineConfig(config.lease, config.batch, config.senders),
            worker=self.worker,
            clock=clock,
        )
        report = DigestReport()
        sender.plan(PLAN_LEASE, config.lease, report, lambda: self._plan(now, report))
        kind = DigestKind(self.engine, self.policy, self.publisher, self.renderer, config.lease)
        sender.drain(kind, report)
        sender.under_lease(REFRESH_LEASE, config.lease, lambda: self._refresh(sender, report))
        report.seconds = time.monotonic() - started
        return report

    def _plan(self, now: datetime, report: DigestReport) -> None:
        with session_scope(self.engine) as session:
            report.planned = plan(
                session,
                policy=self.policy,
                now=now,
                leadership_channel=self.config.leadership_channel,
            )

    def _refresh(self, sender: DeliveryEngine, report: DigestReport) -> None:
        built_at = sender.clock()
        contents = stale_contents(self.engine, self.policy, built_at)
        report.count("checked", len(contents))
        updated = refresh(self.publisher, self.renderer, contents, built_at=built_at)
        report.count("updated", updated)
