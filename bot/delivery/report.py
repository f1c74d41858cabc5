"""What one run of a delivery job did, as counts and a few lines for people.

Every job (reminders, reviews, digests) reports through :class:`RunReport`: how planning went,
then how many deliveries were sent, found already sent by an interrupted run, cancelled,
postponed, left in doubt or failed (with the reason). A job's subclass adds its own counts and
says them in its own words in :meth:`RunReport.summary`. Sender threads count concurrently.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class RunReport:
    planned: Any = None  # the planner's summary (it has a .line())
    plan_skipped: bool = False  # another process held the planner lease
    plan_error: str | None = None
    sent: int = 0
    found_already_sent: int = 0
    messages: int = 0  # Slack messages posted (a delivery may be several)
    cancelled: int = 0
    postponed: int = 0
    in_doubt: int = 0
    lost_lease: int = 0
    waited: float = 0.0  # seconds spent waiting out Slack's rate limits
    failed: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    BUSY: ClassVar[str] = "Planning: another kpibot process is planning; sent what was due."

    def count(self, name: str, by: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + by)

    def fail(self, key: str, reason: str) -> None:
        with self._lock:
            self.failed.append((key, reason))

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        out = [*self.before(), *self.plan_lines(), *self.after_plan(), self.summary()]
        out.extend(f"  failed {key}: {reason}" for key, reason in self.failed)
        if self.in_doubt:
            out.append(f"{self.in_doubt} got no answer from Slack; they are checked next run.")
        return out

    def plan_lines(self) -> list[str]:
        if self.plan_error:
            return [f"Planning failed: {self.plan_error}"]
        if self.plan_skipped:
            return [self.BUSY]
        if self.planned is not None:
            return [f"Planned: {self.planned.line()}."]
        return []

    def before(self) -> list[str]:
        """Lines ahead of planning's (a job's own preparations)."""
        return []

    def after_plan(self) -> list[str]:
        """Lines between planning's and the summary."""
        return []

    def summary(self) -> str:
        return (
            f"Sent {self.sent} messages ({self.found_already_sent} found already sent by an "
            f"interrupted run), {self.cancelled} no longer needed, {self.postponed} postponed, "
            f"{len(self.failed)} failed; waited {self.waited:.0f} s for Slack's rate limits."
        )
