"""Results of the review, action-item and health commands, as plain data for the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.action_items import OpenActionItem
from commands.results import Notice
from core.health import Finding, Severity


@dataclass(frozen=True)
class ReviewQueued(Notice):
    """A review was opened or closed: the reply, and a sign to send the outbox now."""


@dataclass(frozen=True)
class ActionList:
    title: str
    items: tuple[OpenActionItem, ...]
    today: date
    empty_hint: str


@dataclass(frozen=True)
class HealthView:
    """The focus, alignment and relevance findings of a team or the company, with advice."""

    scope: str
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def notices(self) -> int:
        return len(self.findings) - self.warnings
