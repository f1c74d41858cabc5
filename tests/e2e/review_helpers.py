"""Shared pieces of the review tests: a reviews job wired to localslack, and reading threads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.reviews.job import Hooks, ReviewJob, ReviewJobConfig
from localslack import LocalSlackServer, Workspace
from localslack.models import Ephemeral, Message
from storage.db import session_scope
from storage.models import ActionItem, Kpi, Review, ReviewComment, ReviewDecision, Team

from .conftest import NOW, SALES, Harness
from .slack_text import text_of as text_of  # the test modules read it from here

# Sales (New York) meets on Fridays at 10:00; the thread goes out a day before: now.
FRIDAY_10_NY = NOW + timedelta(days=1)
LONG_AGO = datetime(2025, 1, 6, 12, 0, tzinfo=NOW.tzinfo)


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_job(
    harness: Harness,
    server: LocalSlackServer,
    *,
    worker: str = "test",
    hooks: Hooks | None = None,
    sleep: Callable[[float], None] | None = None,
    lease: timedelta = timedelta(minutes=5),
) -> ReviewJob:
    client = WebClient(
        token=harness.workspace.bot_token, base_url=server.api_url, timeout=10, retry_handlers=[]
    )
    return ReviewJob(
        harness.engine,
        client,
        harness.runtime.policy,
        config=ReviewJobConfig(lease=lease, plan_lease=lease),
        worker=worker,
        sleep=sleep or FakeSleep(),
        hooks=hooks,
    )


def set_schedule(engine: Engine, text: str = "weekly fri 10:00", team: str = "sales") -> None:
    with session_scope(engine) as session:
        row = session.exec(select(Team).where(Team.key == team)).one()
        row.review_schedule = text
        session.add(row)


def age_kpi(engine: Engine, key: str, created: datetime = LONG_AGO) -> None:
    """Make a KPI old enough (never re-examined) to come up for the relevance question."""
    with session_scope(engine) as session:
        kpi = session.exec(select(Kpi).where(Kpi.key == key)).one()
        kpi.created_at = created
        session.add(kpi)


def parents(workspace: Workspace, channel: str = SALES) -> list[Message]:
    """Review parent messages in the channel (top level, with a review key)."""
    return [
        m
        for m in workspace.messages_in(channel)
        if not m.is_reply and key_of(m).startswith("review:")
    ]


def thread(workspace: Workspace, parent: Message) -> list[Message]:
    return workspace.replies_to(parent.channel, parent.ts)


def wait_review(harness: Harness, number: int = 1, replies: int = 3) -> Message:
    """The `number`-th review parent in Sales, once its thread has `replies` replies."""

    def ready() -> Message | None:
        found = parents(harness.workspace)
        if len(found) < number or len(thread(harness.workspace, found[number - 1])) < replies:
            return None
        return found[number - 1]

    parent: Message = harness.wait(ready)
    return parent


def key_of(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("key", ""))


def press(harness: Harness, user: str, action_id: str, message: Message | Ephemeral) -> None:
    """`user` clicks the button `action_id` on `message` (its value as Slack sends it)."""
    value = next(
        element.get("value")
        for block in message.blocks or []
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == action_id
    )
    response = harness.driver.block_action(user, action_id, value, message=message)
    assert response.status_code == 200, response.text


def rows(engine: Engine, table: type[Any]) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(table).order_by(col(table.id))))


def reviews_of(engine: Engine) -> list[Review]:
    return rows(engine, Review)


def comments(engine: Engine) -> list[ReviewComment]:
    return rows(engine, ReviewComment)


def decisions(engine: Engine) -> list[ReviewDecision]:
    return rows(engine, ReviewDecision)


def actions(engine: Engine) -> list[ActionItem]:
    return rows(engine, ActionItem)
