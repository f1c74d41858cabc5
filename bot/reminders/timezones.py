"""Keeping cached timezones fresh without a Slack call per person on the hot path.

When someone kpibot reminds has no cached timezone, or one older than KPIBOT_TIMEZONE_REFRESH,
the reminders job refreshes it before planning: up to LAZY_LOOKUPS people one by one with
users.info (Tier 4), more than that with one users.list sweep (Tier 2, 200 people a page).
A user_change event refreshes one person as it happens (bot/listeners/reminders.py).
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from commands.timezones import Profile, needing_refresh, store
from storage.db import session_scope

log = logging.getLogger(__name__)

LAZY_LOOKUPS = 20
PAGE = 200  # Slack's advice for users.list


def refresh_timezones(
    engine: Engine,
    client: WebClient,
    call: Callable[[Callable[[], Any]], Any],
    *,
    now: datetime,
    max_age: timedelta,
) -> str | None:
    """Refresh stale timezones; a summary, or None if none was stale. `call(request)` runs a
    request, waiting out 429s. Failures are logged and leave the cache as it was: reminders
    then use the cached, team or default timezone."""
    with session_scope(engine) as session:
        stale = needing_refresh(session, now=now, max_age=max_age)
    if not stale:
        return None
    profiles: dict[str, Profile] = {}
    try:
        if len(stale) <= LAZY_LOOKUPS:
            how = f"users.info for {len(stale)} people"
            for user_id in stale:
                try:
                    answer = call(lambda: client.users_info(user=user_id))  # noqa: B023 - called at once
                    profiles[user_id] = profile_of(answer["user"])
                except SlackApiError as exc:
                    if exc.response.get("error") != "user_not_found":
                        raise
        else:
            how = f"users.list for {len(stale)} people"
            cursor: str | None = None
            while True:
                page = call(lambda: client.users_list(limit=PAGE, cursor=cursor))  # noqa: B023 - called at once
                profiles.update({m["id"]: profile_of(m) for m in page.get("members", [])})
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
    except (SlackApiError, OSError, http.client.HTTPException, RuntimeError) as exc:
        log.warning("could not refresh timezones (%s); using cached or team ones", exc)
        return f"refresh failed ({type(exc).__name__}); cached or team timezones used"
    with session_scope(engine) as session:
        changed = store(session, profiles, now=now, checked=stale)
    return f"{how}, {changed} changed"


def profile_of(user: dict[str, Any]) -> Profile:
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or user.get("name")
    return Profile(timezone=user.get("tz"), name=name)
