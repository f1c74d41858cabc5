"""What listeners share: settings, the database, the Slack client, and how a use case runs.

`Runtime.execute` is the one place a use case meets a transaction: it commits when the use
case returns and rolls back when it raises, so a refused or failed request changes nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.settings import Settings
from commands.context import CommandError, Context, Policy, ReminderDefaults
from core.health import Limits
from storage import repo
from storage.db import session_scope

if TYPE_CHECKING:
    from bot.digests.service import DigestService

log = logging.getLogger(__name__)
T = TypeVar("T")


def policy_from(settings: Settings) -> Policy:
    return Policy(
        admins=frozenset(settings.admins),
        limits=Limits(per_owner=settings.max_kpis_per_owner, per_team=settings.max_kpis_per_team),
        at_risk_band=settings.at_risk_band,
        timezone=settings.timezone,
        reminders=ReminderDefaults(
            reminder_time=settings.reminder_time,
            working_hours=settings.working_hours,
            workdays=frozenset(settings.workdays),
            follow_up_after=settings.follow_up_after,
            max_reminders=settings.max_reminders,
            catch_up=settings.reminder_catch_up,
            snooze_later=settings.snooze_later,
        ),
    )


@dataclass(frozen=True)
class Failure:
    """A use case refused (CommandError) or crashed; `message` is safe to show the user."""

    message: str
    hint: str | None = None
    crashed: bool = False


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    client: WebClient
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _digests: DigestService | None = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.policy = policy_from(self.settings)

    def now(self) -> datetime:
        return self.clock()

    @property
    def digests(self) -> DigestService:
        """Chart workers, pacing and the `/kpi digest` pool, made once on first use."""
        with self._lock:
            if self._digests is None:
                from bot.digests.service import DigestService  # bot.digests builds on this module

                self._digests = DigestService(self)
            return self._digests

    def close(self) -> None:
        """Stop what the runtime started on the way (chart workers, digest threads)."""
        with self._lock:
            service, self._digests = self._digests, None
        if service is not None:
            service.shutdown()

    def today_for(self, user_id: str) -> date:
        """Today in the user's timezone when kpibot knows it, else the default timezone."""
        with session_scope(self.engine) as session:
            person = repo.get_person(session, user_id)
            tz = ZoneInfo(person.timezone) if person and person.timezone else self.policy.tz
        return self.now().astimezone(tz).date()

    def execute(self, user_id: str, use_case: Callable[[Context], T]) -> T | Failure:
        """Run `use_case` for `user_id` in one transaction; failures become a Failure."""
        try:
            with session_scope(self.engine) as session:
                person = repo.get_person(session, user_id)
                tz = ZoneInfo(person.timezone) if person and person.timezone else None
                ctx = Context(
                    session=session, actor=user_id, now=self.now(), policy=self.policy, actor_tz=tz
                )
                return use_case(ctx)
        except CommandError as exc:
            return Failure(exc.message, exc.hint)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("request failed (reference %s)", reference)
            return Failure(
                f"Sorry, something went wrong on kpibot's side and nothing was changed "
                f"(reference `{reference}`).",
                hint="Try again in a moment; if it keeps happening, give the reference to your kpibot operator.",
                crashed=True,
            )
