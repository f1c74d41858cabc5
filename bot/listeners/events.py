"""Events API: the Home tab, and de-duplication of Slack's retried deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot import blocks
from bot.runtime import Failure, Runtime
from commands import kpis
from commands.goals import goal_tree
from commands.results import GoalTree, KpiTable
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.middleware
    def process_each_event_once(
        body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        """Slack retries an event it thinks went unanswered (X-Slack-Retry-Num); the event_id
        is the same, so the first process to record it handles it and the others only ack."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with session_scope(rt.engine) as session:
                if not repo.first_delivery(session, str(event_id), rt.now()):
                    log.info("skipping retried event %s", event_id)
                    return BoltResponse(status=200, body="")
        next()
        return None

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(rt, event["user"])


def publish_home(rt: Runtime, user_id: str) -> None:
    outcome = rt.execute(user_id, lambda ctx: (kpis.mine(ctx), goal_tree(ctx)))
    if isinstance(outcome, Failure):
        view_blocks = blocks.error(outcome.message, outcome.hint).blocks
    else:
        mine, tree = outcome
        view_blocks = home_blocks(mine, tree)
    rt.client.views_publish(user_id=user_id, view={"type": "home", "blocks": view_blocks})


def home_blocks(mine: KpiTable, tree: GoalTree) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [blocks.header("Your KPIs")]
    if not mine.rows:
        out.append(blocks.section(mine.empty_hint))
    for row in mine.rows[:20]:
        out.append(
            blocks.section(
                blocks.kpi_line(row),
                accessory=blocks.button("Log value", "log_open", row.key, style="primary"),
            )
        )
    out.append({"type": "divider"})
    out.extend(blocks.goal_tree(tree).blocks[:25])
    out.append(blocks.context("Type `/kpi help` anywhere for every command."))
    return out[:100]
