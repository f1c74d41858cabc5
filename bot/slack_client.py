"""The one Web API client every part of kpibot uses, and the scopes its calls need."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.settings import Settings

log = logging.getLogger(__name__)

# Every Web API method kpibot calls, with the bot scope it needs (None: no scope needed).
# tests/bot/test_manifest.py checks this against the calls in bot/ and against
# app_manifest.yml, so the manifest asks for exactly what the code uses.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,  # Bolt checks the token at start-up
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",  # reminders updated in place once answered
    "users.info": "users:read",  # timezones of a few people (reminders)
    "users.list": "users:read",  # timezones of many, in one sweep
    # Only to check whether a crashed run already posted a reminder, never on the hot path.
    "conversations.open": "im:write",
    "conversations.history": "im:history",  # in channels too: channels:history, below
    # A crashed reviews run's thread replies, looked for before posting one again.
    "conversations.replies": "channels:history",
    "chat.postEphemeral": "chat:write",  # "recorded as your commentary" in a review thread
    "views.open": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}

# SDK helpers that make several Web API calls.
COMPOSITE_METHODS = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}

# Scopes that come from features rather than Web API calls.
FEATURE_SCOPES = {
    "commands",  # the /kpi slash command
    # message.channels and message.groups events: owners' replies in review threads
    "channels:history",
    "groups:history",
}


def bot_scopes() -> set[str]:
    return {s for s in METHOD_SCOPES.values() if s} | FEATURE_SCOPES


def make_client(settings: Settings, *, wait_out_rate_limits: bool = True) -> WebClient:
    """A WebClient on SLACK_API_URL that waits out HTTP 429 (honouring Retry-After).

    Only rate-limit answers are retried: Slack did not act on them. Connection errors are
    not retried blindly, because a request that timed out may still have been carried out
    (a second chat.postMessage would post twice). Scheduled jobs pass
    `wait_out_rate_limits=False` and handle 429 themselves, so that a long storm postpones
    a message instead of failing it after the SDK's retries.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5)]
        if wait_out_rate_limits
        else [],
        logger=log,
    )
