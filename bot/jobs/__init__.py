"""kpibot's scheduled jobs, by name: each runs once as of a moment and returns a report.

`kpibot jobs run NAME [--now ISO-8601]` runs one once and exits; `kpibot serve` runs every job
on its interval (bot/jobs/scheduler.py). APScheduler is only the clock: what is due, and what
was already sent, lives in the database (storage.outbox), so a run can be repeated, run in
several processes at once, or crash, and every message still goes out once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.runtime import Runtime

Job = Callable[[Runtime, datetime], Any]  # the report's str() is printed by `kpibot jobs run`


def registry() -> Mapping[str, Job]:
    """Every scheduled job, by the name `kpibot jobs run` takes."""
    from bot.alerts import job as alerts
    from bot.digests import service as digests
    from bot.reminders import job as reminders
    from bot.reviews import job as reviews
    from bot.sources import job as sources

    return {
        "reminders": reminders.run,
        "digests": digests.run,
        "reviews": reviews.run,
        "alerts": alerts.run,
        "sources": sources.run,
    }


def interval_seconds(name: str, runtime: Runtime) -> float:
    """How often `kpibot serve` runs a job."""
    return float(runtime.settings.reminder_interval)
