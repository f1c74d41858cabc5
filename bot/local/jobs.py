"""kpibot's scheduled jobs, as the local workspace's clock control sees them.

The control lists the jobs in `bot.jobs.registry()` and runs them as of a chosen time through
the same entry point `kpibot jobs run NAME --now ISO` uses. With no jobs registered the control
only moves the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bot.jobs import Job, registry
from bot.runtime import Runtime
from localslack.control import JobReport

log = logging.getLogger(__name__)


def registered_jobs() -> Mapping[str, Job]:
    """Every scheduled job kpibot has, by name."""
    return registry()


class KpibotControl:
    def __init__(self, runtime: Runtime, jobs: Callable[[], Mapping[str, Job]] = registered_jobs):
        self.runtime = runtime
        self.jobs = jobs

    def job_names(self) -> list[str]:
        return list(self.jobs())

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        jobs = self.jobs()
        reports = []
        for name in names:
            job = jobs.get(name)
            if job is None:
                reports.append(JobReport(name, False, "no such job"))
                continue
            try:
                outcome = job(self.runtime, at)
            except Exception as exc:
                log.exception("job %s failed as of %s", name, at.isoformat())
                reports.append(JobReport(name, False, f"failed: {type(exc).__name__}: {exc}"))
                continue
            summary = str(outcome) if outcome is not None else "done"
            reports.append(JobReport(name, True, summary))
        return reports
