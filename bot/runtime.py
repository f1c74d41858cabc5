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
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.events import EventBus
from bot.settings import Settings
from commands.context import CommandError, Context, Policy, ReminderDefaults
from core.health import Limits
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)
T = TypeVar("T")
# What a feature keeps per process (chart workers, thread pools), made on first use; features
# register theirs with `provide`, so this module needs to know none of them.
_FACTORIES: dict[str, Callable[[Runtime], Any]] = {}


def provide(name: str, factory: Callable[[Runtime], Any]) -> None:
    """Register how a feature's per-process service is made (``Runtime.service(name)``)."""
    _FACTORIES[name] = factory


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
    events: EventBus = field(default_factory=EventBus, init=False, repr=False, compare=False)
    _services: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.policy = policy_from(self.settings)

    def now(self) -> datetime:
        return self.clock()

    def service(self, name: str) -> Any:
        """The feature's per-process service, made once on first use."""
        with self._lock:
            if name not in self._services:
                if name not in _FACTORIES:
                    raise LookupError(f"no service {name!r}: import the feature that provides it")
                self._services[name] = _FACTORIES[name](self)
            return self._services[name]

    @property
    def digests(self) -> Any:
        """Chart workers, pacing and the `/kpi digest` pool (bot.digests.service)."""
        return self.service("digests")

    def close(self) -> None:
        """Stop what the runtime started on the way: the event pump (events still queued are
        left to the next scheduled run), chart workers and digest threads."""
        self.events.stop()
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for service in services:
            service.shutdown()

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
