"""Digests in the running app: the scheduled job's entry point and `/kpi digest`.

One :class:`DigestService` per process (``Runtime.digests``) owns what is worth keeping between
runs: the chart worker processes, the pacer that keeps bulk calls within Slack's limits, and a
small thread pool for `/kpi digest`, so a listener only builds the digest's data and hands it
over; drawing, uploading and posting happen on that pool, never on Bolt's listener threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import cast

from bot import blocks
from bot.delivery.engine import worker_name
from bot.delivery.lease import under_lease
from bot.digests.job import REFRESH_LEASE, DigestConfig, DigestJob, DigestReport
from bot.digests.publish import Content, Publisher
from bot.digests.refresh import refresh, stale_contents
from bot.digests.render import ChartRenderer
from bot.digests.slack import DigestSlack, channel_fix
from bot.events import ValueStored
from bot.pacing import Pacer
from bot.respond import Respond
from bot.respond import reply as _reply
from bot.runtime import Runtime, provide
from bot.slack_client import make_client
from commands.results import DigestReady

log = logging.getLogger(__name__)


class DigestService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.pacer = Pacer()
        self.slack = DigestSlack(make_client(settings, wait_out_rate_limits=False), self.pacer)
        self.pool = ChartRenderer(settings.render_workers)
        self.inline = ChartRenderer(0)
        self.worker = worker_name()
        self._commands = ThreadPoolExecutor(2, thread_name_prefix="kpibot-digest")

    def publisher(self) -> Publisher:
        return Publisher(self.runtime.engine, self.slack, self.runtime.now)

    def run(self, now: datetime) -> DigestReport:
        """One run of the digests job as of ``now`` (see bot.digests.job)."""
        settings = self.runtime.settings
        config = DigestConfig(
            lease=settings.delivery_lease,  # kept while a batch is sent (bot.delivery.engine)
            leadership_channel=settings.leadership_channel,
        )
        job = DigestJob(
            self.runtime.engine,
            self.runtime.policy,
            self.publisher(),
            self.pool,
            worker=self.worker,
            config=config,
        )
        return job.run(now)

    # --- values stored late ---------------------------------------------------------------------

    def values_stored(self, events: Sequence[ValueStored]) -> int:
        """Update the posted digests that the stored values change; how many were updated.
        Another process refreshing digests right now (the lease) covers them instead."""
        runtime = self.runtime
        updated = 0

        def update() -> None:
            nonlocal updated
            built_at = runtime.now()
            contents = stale_contents(runtime.engine, runtime.policy, built_at)
            updated = refresh(self.publisher(), self.inline, contents, built_at=built_at)

        lease = max(runtime.settings.delivery_lease, DigestConfig.lease)
        held = under_lease(
            runtime.engine, REFRESH_LEASE, self.worker, now=runtime.now(), ttl=lease, step=update
        )
        if held and updated:
            log.info("updated %d posted digests after %d values were stored", updated, len(events))
        return updated

    # --- /kpi digest -----------------------------------------------------------------------------

    def handle(self, ready: DigestReady, *, respond: Respond) -> None:
        """Draw and post (or show) a digest built by `/kpi digest`, off the listener pool."""
        self._commands.submit(self._handle, ready, respond)

    def _handle(self, ready: DigestReady, respond: Respond) -> None:
        try:
            content = Content(ready.digest, ready.team_id)
            chart = self.inline.team(ready.digest.series, ready.digest.chart_title).result()
            publisher = self.publisher()
            if ready.preview or ready.channel_id is None:
                file_id, alt_text, note = publisher.attach(content, chart)
                _reply(respond, content.message(file_id, alt_text, note=note, preview=True))
                return
            outcome = publisher.publish(content, chart, ready.channel_id)
            if outcome.status == "sent":
                return
            if outcome.channel_problem:
                message = blocks.error(
                    f"I could not post the digest here: {channel_fix(outcome.reason, ready.channel_id)}",
                    f"`/kpi digest preview team:{ready.digest.team_key}` shows it to you meanwhile.",
                )
            elif outcome.status == "in_doubt":
                message = blocks.error(
                    f"Slack did not answer ({outcome.reason}); the digest may or may not be here.",
                    "If it is not, run `/kpi digest` again.",
                )
            else:
                message = blocks.error(
                    f"Slack did not take the digest ({outcome.reason}).", "Try again in a minute."
                )
            _reply(respond, message)
        except Exception:
            log.exception("/kpi digest failed after ack")
            _reply(
                respond,
                blocks.error(
                    "Sorry, kpibot hit an error drawing or posting the digest.",
                    "Try again in a moment.",
                ),
            )

    def shutdown(self) -> None:
        self._commands.shutdown(wait=True)
        self.pool.shutdown()


def run(runtime: Runtime, now: datetime) -> DigestReport:
    """The job registry's entry point."""
    return service_of(runtime).run(now)


def service_of(runtime: Runtime) -> DigestService:
    return cast(DigestService, runtime.service("digests"))


def subscribe(runtime: Runtime) -> None:
    """Late values update posted digests, off the request path (bot.events)."""

    def values_stored(events: Sequence[ValueStored]) -> None:
        service_of(runtime).values_stored(events)

    runtime.events.subscribe(values_stored, later=True)


provide("digests", DigestService)
