"""What every facet of the workspace shares: its state, one re-entrant lock, the change
signal `wait_for()` waits on, and the IDs and timestamps it hands out.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from localslack.clock import Clock
from localslack.models import (
    Call,
    Channel,
    Ephemeral,
    File,
    Message,
    ResponseTarget,
    Trigger,
    User,
    View,
)
from localslack.ratelimit import RateLimiter
from localslack.scopes import DEFAULT_BOT_SCOPES

T = TypeVar("T")

MAX_TEXT_LENGTH = 40_000
MAX_BLOCKS = 50
MAX_MODAL_STACK = 3


@dataclass
class ForcedLimit:
    remaining: int
    retry_after: int


class WorkspaceState:
    """The workspace's data, its lock and change signal, and the IDs and timestamps it hands
    out. The facets (one per Slack Web API family) operate on it."""

    def __init__(
        self,
        *,
        team_id: str = "T0KPIBOT",
        team_name: str = "kpibot local",
        domain: str = "kpibot-local",
        bot_user_id: str = "U0KPIBOT",
        bot_id: str = "B0KPIBOT",
        bot_name: str = "kpibot",
        app_id: str = "A0KPIBOT",
        bot_token: str = "xoxb-localslack-kpibot",  # noqa: S107 - a local stand-in's token
        app_token: str = "xapp-localslack-kpibot",  # noqa: S107
        scopes: Iterable[str] | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        # Counts changes; a browser long-polls until it moves (see web.py).
        self._version = 0
        self.clock = clock

        self.team_id = team_id
        self.team_name = team_name
        self.domain = domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.bot_token = bot_token
        self.app_token = app_token

        # --- behaviour, all of it adjustable by tests ----------------------------------------
        self.scopes: set[str] = set(DEFAULT_BOT_SCOPES if scopes is None else scopes)
        self.token_revoked = False  # every bot-token call answers token_revoked
        self.latency = 0.0  # seconds added to every Web API call
        self.method_latency: dict[str, float] = {}  # per method, instead of `latency`
        self.trigger_ttl = 3.0
        self.response_url_ttl = 30 * 60.0
        self.response_url_max_uses = 5
        # Slack accepts posts to a deactivated user's DM without complaint; set an error code
        # here (e.g. "user_disabled") to make chat.postMessage refuse them instead.
        self.deleted_user_dm_error: str | None = None
        # Where this workspace is served; the server sets it. Upload and response URLs use it.
        self.base_url: str | None = None
        self.rate_limiter: RateLimiter | None = None
        self._forced_limits: dict[str, ForcedLimit] = {}

        # --- state ---------------------------------------------------------------------------
        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._messages: dict[str, list[Message]] = {}
        self._message_index: dict[tuple[str, str], Message] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, View] = {}
        self._modal_stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._files: dict[str, File] = {}
        self._calls: list[Call] = []
        self._triggers: dict[str, Trigger] = {}
        self._responses: dict[str, ResponseTarget] = {}
        self._last_ts_micros = 0
        self._counter = itertools.count(1)

        # The app's own bot user, as Slack lists it among the team's users.
        self._users[bot_user_id] = User(
            id=bot_user_id,
            name=bot_name,
            real_name=bot_name.replace(".", " ").title(),
            display_name=bot_name,
            tz="UTC",
            is_bot=True,
            bot_id=bot_id,
        )
        self._version += 1  # as adding any user does

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    def latency_for(self, method: str) -> float:
        return self.method_latency.get(method, self.latency)

    @property
    def version(self) -> int:
        """A number that grows with every change to the workspace (calls included)."""
        with self.lock:
            return self._version

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until `predicate()` is truthy (re-checked on every change); return it.

        Apps often do their work after acknowledging a request, so a test that sent one
        waits here for the outcome. Raises TimeoutError after `timeout` real seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self._changed.wait(remaining)

    def new_ts(self) -> str:
        """A message timestamp: the clock's time, kept strictly increasing."""
        with self.lock:
            micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            taken = self._users.keys() | self._channels.keys() | self._views.keys()
            while True:
                candidate = f"{prefix}0LS{next(self._counter):06d}"
                if candidate not in taken and candidate not in self._files:
                    return candidate

    def _notify(self) -> None:
        self._version += 1
        self._changed.notify_all()

    def _user(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id} in the workspace")
        return user

    def _channel(self, channel_id: str) -> Channel:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise KeyError(f"no channel {channel_id} in the workspace")
        return channel

    def _dm_ids(self) -> dict[str, str]:
        return {c.user: c.id for c in self._channels.values() if c.is_im and c.user is not None}
