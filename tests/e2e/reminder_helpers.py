"""Shared pieces of the reminder tests: moments, a job wired to localslack, quick seeding."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.reminders.job import Hooks, JobConfig, ReminderJob
from commands.context import Policy
from core.kinds import Cadence
from localslack import LocalSlackServer, Workspace
from localslack.models import Message
from storage.db import session_scope
from storage.models import Delivery, Kpi, Nudge, Team

from .slack_text import text_of as text_of  # the test modules read it from here

# 2026-W48 (23-29 Nov) closes at midnight New York time; reminders are at 10:00 local.
MONDAY_10_NY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TUESDAY_10_NY = MONDAY_10_NY + timedelta(days=1)
WEDNESDAY_10_NY = MONDAY_10_NY + timedelta(days=2)
CREATED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


class FakeSleep:
    """Records the waits a job asks for, and moves the workspace's fake clock instead."""

    def __init__(self, advance: Callable[[float], Any] | None = None) -> None:
        self.waits: list[float] = []
        self.advance = advance

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.advance is not None:
            self.advance(seconds)


def client_for(server: LocalSlackServer, workspace: Workspace) -> WebClient:
    """A client like the job's own: it does not wait out 429s by itself."""
    return WebClient(
        token=workspace.bot_token, base_url=server.api_url, timeout=10, retry_handlers=[]
    )


def make_job(
    engine: Engine,
    server: LocalSlackServer,
    workspace: Workspace,
    policy: Policy,
    *,
    worker: str = "test",
    workers: int = 2,
    sleep: Callable[[float], None] | None = None,
    hooks: Hooks | None = None,
    lease: timedelta = timedelta(minutes=5),
    max_wait: float = 300.0,
) -> ReminderJob:
    return ReminderJob(
        engine,
        client_for(server, workspace),
        policy,
        config=JobConfig(lease=lease, plan_lease=lease, workers=workers, max_wait=max_wait),
        worker=worker,
        sleep=sleep or FakeSleep(),
        hooks=hooks,
    )


def add_kpis(
    engine: Engine,
    owners: list[str],
    *,
    cadence: Cadence = Cadence.WEEKLY,
    team_key: str | None = None,
    per_owner: int = 1,
    created: datetime = CREATED,
) -> None:
    """KPIs straight into the database (faster than a YAML import for hundreds of them)."""
    with session_scope(engine) as session:
        team = session.exec(select(Team).where(Team.key == team_key)).first() if team_key else None
        for owner in owners:
            for n in range(per_owner):
                session.add(
                    Kpi(
                        key=f"{owner.lower()}-{n}",
                        name=f"Metric {n} of {owner}",
                        owner_user_id=owner,
                        cadence=cadence,
                        target=100,
                        team_id=team.id if team else None,
                        created_at=created,
                        updated_at=created,
                    )
                )


def reminder_dms(workspace: Workspace, user: str) -> list[Message]:
    """The messages kpibot posted in its DM with `user` that carry a delivery key (alerts,
    which carry one too, aside)."""
    return [
        m
        for m in workspace.dm_with(user)
        if (m.metadata or {}).get("event_type") and not delivery_key(m).startswith("alert:")
    ]


def delivery_key(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("key"))


def poll(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for work a listener does after its ack (it reaches the database, not Slack)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def nudges(engine: Engine) -> list[Nudge]:
    with Session(engine) as session:
        return list(session.exec(select(Nudge).order_by(col(Nudge.id))))


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))))
