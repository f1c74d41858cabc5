"""Results of the review, action-item and health commands, as plain data for the bot."""

from __future__ import annotations

from dataclasses import dataclass

from commands.results import ActionList, HealthView, Notice


@dataclass(frozen=True)
class ReviewQueued(Notice):
    """A review was opened or closed: the reply, and a sign to send the outbox now."""


__all__ = ["ActionList", "HealthView", "ReviewQueued"]
