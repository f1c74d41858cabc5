"""kpibot's scheduled jobs, as the local workspace's clock control sees them.

The control lists the jobs in `bot.jobs.registry()` and runs them as of a chosen time through
the same entry point `kpibot jobs run NAME --now ISO` uses. With no jobs registered the control
only moves the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from bot.jobs import Job, registry
from bot.runtime import Runtime
from localslack.control import JobReport
from storage.db import session_scope
from storage.models import Measurement, MeasurementRevision

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

    def back_to(self, now: datetime) -> None:
        """The page's "Back to real time": values logged while the clock stood ahead of `now`
        are forgotten (with their earlier versions), or they would stay the latest for days.
        The local workspace forgets the messages posted ahead of `now` in the same step."""
        with session_scope(self.runtime.engine) as session:
            ahead = select(Measurement.id).where(col(Measurement.logged_at) > now)
            ids = [i for i in session.exec(ahead).all() if i is not None]
            if not ids:
                return
            session.exec(
                delete(MeasurementRevision).where(col(MeasurementRevision.measurement_id).in_(ids))
            )
            session.exec(delete(Measurement).where(col(Measurement.id).in_(ids)))
        log.info("back to real time: forgot %d values logged ahead of it", len(ids))
