"""`kpibot serve`'s clock: APScheduler calls each job on its interval, nothing more.

Jobs run on APScheduler's own thread pool, never on Bolt's listener pool, so a job waiting out
Slack's rate limits cannot delay the acknowledgement of a request. Its job store is the
default in-memory one: what is due lives in the database, so a restart loses nothing and
several processes may run the scheduler at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import Job, interval_seconds, registry
from bot.runtime import Runtime

log = logging.getLogger(__name__)
FIRST_RUN_AFTER = timedelta(seconds=5)  # let the HTTP server come up first


def start(
    runtime: Runtime,
    *,
    jobs: Mapping[str, Job] | None = None,
    first_run_after: timedelta = FIRST_RUN_AFTER,
) -> BackgroundScheduler:
    """Run every registered job on its interval, starting a few seconds from now."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    first = datetime.now(UTC) + first_run_after
    for name, job in (registry() if jobs is None else jobs).items():
        seconds = interval_seconds(name, runtime)
        scheduler.add_job(
            _tick,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            args=[name, job, runtime],
            id=name,
            next_run_time=first,
            misfire_grace_time=int(seconds),
        )
        log.info("job %s runs every %.0f s", name, seconds)
    scheduler.start()
    return scheduler


def _tick(name: str, job: Job, runtime: Runtime) -> None:
    try:
        report = job(runtime, runtime.now())
    except Exception:
        log.exception("job %s failed; it runs again at its next tick", name)
        return
    for line in str(report).splitlines():
        log.info("%s: %s", name, line)
