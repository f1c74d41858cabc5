"""Events API: the Home tab (bot/home.py), and de-duplication of Slack's retried deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.home import publish_home
from bot.runtime import Runtime
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.middleware
    def process_each_event_once(
        body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        """Slack retries an event it thinks went unanswered (X-Slack-Retry-Num); the event_id
        is the same, so the first process to record it handles it and the others only ack.
        Messages (replies in review threads) are recorded by their listener in the same
        transaction as what they write, so one whose first attempt died half-way is handled
        when Slack retries it; here they are only skipped once recorded."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with session_scope(rt.engine) as session:
                if (body.get("event") or {}).get("type") == "message":
                    handled = repo.event_seen(session, str(event_id))
                else:
                    handled = not repo.first_delivery(session, str(event_id), rt.now())
            if handled:
                log.info("skipping retried event %s", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(rt, event["user"])
