"""What every use case receives: who is asking, when, the session, and the house rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.health import Limits


@dataclass(frozen=True)
class ReminderDefaults:
    """How owners are nudged unless their team says otherwise (see core.schedule)."""

    reminder_time: time = time(10)
    working_hours: tuple[time, time] = (time(9), time(17))
    workdays: frozenset[int] = frozenset(range(5))
    follow_up_after: timedelta = timedelta(days=1)
    max_reminders: int = 2
    catch_up: timedelta = timedelta(hours=12)
    snooze_later: timedelta = timedelta(hours=3)


@dataclass(frozen=True)
class Policy:
    """The organisation's rules, as configured by the operator (see bot.settings)."""

    admins: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    at_risk_band: float = 0.1
    timezone: str = "UTC"
    reminders: ReminderDefaults = field(default_factory=ReminderDefaults)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Context:
    session: Session
    actor: str  # Slack user ID of the person asking, or "cli"
    now: datetime
    policy: Policy
    actor_tz: ZoneInfo | None = None  # the actor's own timezone when known

    @property
    def is_admin(self) -> bool:
        return self.actor in self.policy.admins

    @property
    def today(self) -> date:
        return self.now.astimezone(self.actor_tz or self.policy.tz).date()


class CommandError(Exception):
    """A request that cannot be carried out; the message says what was wrong and what to do.

    Raised before anything is written, or inside the transaction that is then rolled back.
    """

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field  # the form field at fault, when the request came from a form
