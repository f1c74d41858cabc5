"""What the local workspace asks of the app it runs, beyond Slack's own requests.

Slack never tells an app to run its scheduled work; the local workspace does, so a visitor can
see Monday's reminders on a Thursday. The app says which jobs it has and runs them as of a
given time through an `AppControl`. `NoJobs` is the control of an app without any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class JobReport:
    """How one job went: `summary` is one line for the person who ran it."""

    name: str
    ok: bool
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "summary": self.summary}


class AppControl(Protocol):
    def job_names(self) -> list[str]:
        """The app's scheduled jobs, in the order they would run."""
        ...

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        """Run these jobs as if the time were `at` (timezone-aware), one report each."""
        ...

    def back_to(self, now: datetime) -> None:
        """The clock is back at real time `now`: undo what the app recorded after it (values
        logged ahead would otherwise stay the latest)."""
        ...


class NoJobs:
    """An app with no scheduled work."""

    def job_names(self) -> list[str]:
        return []

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        return [JobReport(name, False, "no such job") for name in names]

    def back_to(self, now: datetime) -> None:
        return None
