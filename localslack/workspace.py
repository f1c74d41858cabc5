"""An in-memory Slack workspace: people, conversations, messages, views, files and calls.

The workspace is the single source of truth behind the stand-in. The Web API (`webapi.py`)
and the driver (`driver.py`) change it through the operations below; tests seed it, tune
its behaviour (scopes, rate limits, latency, clock) and read it back with the query helpers.

Everything is guarded by one re-entrant lock, so the server thread and a test thread can use
it at once. Query helpers return copies. `wait_for()` blocks until a condition holds, which
is how a test waits for work an app does after it has acknowledged a request.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from localslack.clock import Clock
from localslack.errors import SlackError
from localslack.models import (
    Call,
    Channel,
    Ephemeral,
    EphemeralSource,
    File,
    Message,
    ResponseTarget,
    Trigger,
    User,
    View,
)
from localslack.ratelimit import RateLimiter, RateLimitPolicy
from localslack.scopes import CHAT_WRITE_PUBLIC, DEFAULT_BOT_SCOPES

T = TypeVar("T")

MAX_TEXT_LENGTH = 40_000
MAX_BLOCKS = 50
MAX_MODAL_STACK = 3


@dataclass
class _ForcedLimit:
    remaining: int
    retry_after: int


class Workspace:
    """One Slack team with one app installed in it (the app under test)."""

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
        self._forced_limits: dict[str, _ForcedLimit] = {}

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

        self.add_user(bot_user_id, bot_name, tz="UTC", is_bot=True, bot_id=bot_id)

    # =========================================================================================
    # seeding and configuration
    # =========================================================================================

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    def add_user(
        self,
        id: str,
        name: str,
        tz: str = "America/New_York",
        deleted: bool = False,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        bot_id: str | None = None,
        locale: str = "en-US",
    ) -> User:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r} for user {id}") from exc
        user = User(
            id=id,
            name=name,
            real_name=real_name if real_name is not None else name.replace(".", " ").title(),
            display_name=display_name if display_name is not None else name,
            tz=tz,
            deleted=deleted,
            is_bot=is_bot,
            is_admin=is_admin,
            is_owner=is_owner,
            email=email,
            locale=locale,
            bot_id=bot_id,
        )
        with self.lock:
            self._users[id] = user
            self._notify()
        return copy.deepcopy(user)

    def deactivate_user(self, user_id: str) -> None:
        with self.lock:
            self._user(user_id).deleted = True
            self._notify()

    def add_channel(
        self,
        id: str,
        name: str,
        members: Iterable[str] | None = None,
        bot_is_member: bool = True,
        *,
        is_private: bool = False,
        is_archived: bool = False,
        topic: str = "",
        purpose: str = "",
    ) -> Channel:
        """A public (or private) channel. `members=None` means every person added so far."""
        with self.lock:
            if members is None:
                humans = [u.id for u in self._users.values() if not u.is_bot and not u.deleted]
                member_ids = humans
            else:
                member_ids = [m for m in members if m != self.bot_user_id]
            channel = Channel(
                id=id,
                name=name,
                members=member_ids,
                bot_is_member=bot_is_member,
                is_private=is_private,
                is_archived=is_archived,
                created=int(self.clock()),
                topic=topic,
                purpose=purpose,
            )
            self._channels[id] = channel
            self._messages.setdefault(id, [])
            self._notify()
            return copy.deepcopy(channel)

    def set_bot_membership(self, channel_id: str, is_member: bool) -> None:
        with self.lock:
            self._channel(channel_id).bot_is_member = is_member
            self._notify()

    def add_member(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            channel = self._channel(channel_id)
            if user_id == self.bot_user_id:
                channel.bot_is_member = True
            elif user_id not in channel.members:
                channel.members.append(user_id)
            self._notify()

    def grant(self, *scopes: str) -> None:
        with self.lock:
            self.scopes.update(scopes)

    def revoke(self, *scopes: str) -> None:
        with self.lock:
            self.scopes.difference_update(scopes)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and this Retry-After."""
        with self.lock:
            self._forced_limits[method] = _ForcedLimit(times, retry_after)

    def enable_rate_limits(self, policy: RateLimitPolicy | None = None) -> RateLimiter:
        """Turn on Slack's documented per-method (and per-channel) limits."""
        with self.lock:
            self.rate_limiter = RateLimiter(self.clock, policy)
            return self.rate_limiter

    def disable_rate_limits(self) -> None:
        with self.lock:
            self.rate_limiter = None
            self._forced_limits.clear()

    def latency_for(self, method: str) -> float:
        return self.method_latency.get(method, self.latency)

    # =========================================================================================
    # reading it back (copies)
    # =========================================================================================

    def user(self, user_id: str) -> User | None:
        with self.lock:
            return copy.deepcopy(self._users.get(user_id))

    @property
    def users(self) -> list[User]:
        with self.lock:
            return copy.deepcopy(list(self._users.values()))

    def channel(self, channel_id: str) -> Channel | None:
        with self.lock:
            return copy.deepcopy(self._channels.get(channel_id))

    @property
    def channels(self) -> list[Channel]:
        with self.lock:
            return copy.deepcopy(list(self._channels.values()))

    def messages_in(self, channel: str) -> list[Message]:
        """Every message in a channel, replies included, oldest first. A user ID means the
        bot's DM with that person."""
        with self.lock:
            channel_id = self._dm_ids().get(channel, channel)
            return copy.deepcopy(self._messages.get(channel_id, []))

    def message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            channel_id = self._dm_ids().get(channel, channel)
            return copy.deepcopy(self._message_index.get((channel_id, ts)))

    def replies_to(self, channel: str, thread_ts: str) -> list[Message]:
        """The replies in a thread (without its parent), oldest first."""
        return [m for m in self.messages_in(channel) if m.is_reply and m.thread_ts == thread_ts]

    def dm_id(self, user_id: str) -> str | None:
        """The ID of the bot's DM with a person, if it has been opened."""
        with self.lock:
            return self._dm_ids().get(user_id)

    def dm_with(self, user_id: str) -> list[Message]:
        with self.lock:
            dm = self._dm_ids().get(user_id)
            return self.messages_in(dm) if dm is not None else []

    def ephemerals_for(self, user_id: str, channel: str | None = None) -> list[Ephemeral]:
        with self.lock:
            return copy.deepcopy(
                [
                    e
                    for e in self._ephemerals
                    if e.user == user_id and (channel is None or e.channel == channel)
                ]
            )

    def views_for(self, user_id: str) -> list[View]:
        """The modals open for a person, bottom of the stack first."""
        with self.lock:
            return copy.deepcopy([self._views[v] for v in self._modal_stacks.get(user_id, [])])

    def view(self, view_id: str) -> View | None:
        with self.lock:
            return copy.deepcopy(self._views.get(view_id))

    def home_for(self, user_id: str) -> View | None:
        with self.lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    @property
    def files(self) -> list[File]:
        with self.lock:
            return copy.deepcopy(list(self._files.values()))

    def file(self, file_id: str) -> File | None:
        with self.lock:
            return copy.deepcopy(self._files.get(file_id))

    @property
    def calls(self) -> list[Call]:
        with self.lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self.lock:
            self._calls.clear()

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

    # =========================================================================================
    # operations (used by the Web API, the driver, and later a browser front end)
    # =========================================================================================

    def record_call(self, call: Call) -> None:
        with self.lock:
            self._calls.append(call)
            self._notify()

    def take_rate_limit(self, method: str, params: Mapping[str, Any]) -> int | None:
        """Whether this call is refused for rate: None, or the Retry-After in seconds."""
        with self.lock:
            forced = self._forced_limits.get(method)
            if forced is not None:
                forced.remaining -= 1
                if forced.remaining <= 0:
                    del self._forced_limits[method]
                return forced.retry_after
            limiter = self.rate_limiter
        return limiter.acquire(method, params) if limiter is not None else None

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

    # --- conversations -----------------------------------------------------------------------

    def find_user(self, user_id: str) -> User:
        with self.lock:
            user = self._users.get(user_id)
            if user is None:
                raise SlackError("user_not_found")
            return copy.deepcopy(user)

    def find_channel(self, channel_id: str) -> Channel:
        """A conversation by ID; private ones the bot is not in are invisible to it."""
        with self.lock:
            channel = self._channels.get(channel_id)
            if channel is None or (channel.is_private and not channel.bot_is_member):
                raise SlackError("channel_not_found")
            return copy.deepcopy(channel)

    def open_dm(self, user_id: str) -> tuple[Channel, bool]:
        """The bot's DM with a person, created if needed; and whether it already existed."""
        with self.lock:
            user = self._users.get(user_id)
            if user is None:
                raise SlackError("user_not_found")
            existing = self._dm_ids().get(user_id)
            if existing is not None:
                return copy.deepcopy(self._channels[existing]), True
            channel = Channel(
                id=self.new_id("D"),
                name=user_id,
                members=[user_id],
                bot_is_member=True,
                is_im=True,
                user=user_id,
                created=int(self.clock()),
            )
            self._channels[channel.id] = channel
            self._messages[channel.id] = []
            self._notify()
            return copy.deepcopy(channel), False

    def open_mpim(self, user_ids: list[str]) -> tuple[Channel, bool]:
        with self.lock:
            for user_id in user_ids:
                self.find_user(user_id)
            wanted = set(user_ids)
            for channel in self._channels.values():
                if channel.is_mpim and set(channel.members) == wanted:
                    return copy.deepcopy(channel), True
            names = [self.bot_name, *(self._users[u].name for u in user_ids)]
            channel = Channel(
                id=self.new_id("G"),
                name="mpdm-" + "--".join(names) + "-1",
                members=list(user_ids),
                is_mpim=True,
                created=int(self.clock()),
            )
            self._channels[channel.id] = channel
            self._messages[channel.id] = []
            self._notify()
            return copy.deepcopy(channel), False

    def conversation_for(self, target: str) -> Channel:
        """What a `channel` argument names: a conversation ID, or a user ID meaning the bot's
        DM with that person (opened on the way), as chat.postMessage allows."""
        with self.lock:
            if target in self._users:
                user = self._users[target]
                if user.deleted and self.deleted_user_dm_error:
                    raise SlackError(self.deleted_user_dm_error)
                return self.open_dm(target)[0]
            return self.find_channel(target)

    def check_bot_can_post(self, channel: Channel) -> None:
        """Slack's rules for the bot posting into a conversation."""
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.bot_is_member or channel.is_im:
            return
        if channel.is_private or channel.is_mpim:
            raise SlackError("channel_not_found")
        if CHAT_WRITE_PUBLIC not in self.scopes:
            raise SlackError("not_in_channel")

    # --- messages ----------------------------------------------------------------------------

    def post_message(
        self,
        channel_id: str,
        text: str = "",
        *,
        user: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        reply_broadcast: bool = False,
    ) -> Message:
        """Add a message; `user=None` means the bot. No permission checks here."""
        with self.lock:
            if channel_id not in self._channels:
                raise SlackError("channel_not_found")
            author = user or self.bot_user_id
            is_bot = author == self.bot_user_id
            message = Message(
                channel=channel_id,
                ts=self.new_ts(),
                text=text,
                user=author,
                bot_id=self.bot_id if is_bot else None,
                app_id=self.app_id if is_bot else None,
                blocks=blocks,
                attachments=attachments,
                files=files,
                metadata=metadata,
                reply_broadcast=reply_broadcast,
            )
            if thread_ts:
                parent = self._message_index.get((channel_id, thread_ts))
                if parent is not None and parent.is_reply and parent.thread_ts:
                    parent = self._message_index.get((channel_id, parent.thread_ts), parent)
                message.thread_ts = parent.ts if parent is not None else thread_ts
                if parent is not None:
                    parent.thread_ts = parent.ts
                    parent.reply_count += 1
                    parent.latest_reply = message.ts
                    if author not in parent.reply_users:
                        parent.reply_users.append(author)
            self._messages.setdefault(channel_id, []).append(message)
            self._message_index[(channel_id, message.ts)] = message
            self._notify()
            return copy.deepcopy(message)

    def post_as_user(
        self, user_id: str, channel: str, text: str, *, thread_ts: str | None = None
    ) -> Message:
        """A person writes in a conversation (a user ID means their DM with the bot)."""
        with self.lock:
            self.find_user(user_id)
            channel_id = self.open_dm(channel)[0].id if channel in self._users else channel
            return self.post_message(channel_id, text, user=user_id, thread_ts=thread_ts)

    def find_message(self, channel_id: str, ts: str) -> Message:
        with self.lock:
            message = self._message_index.get((channel_id, ts))
            if message is None:
                raise SlackError("message_not_found")
            return copy.deepcopy(message)

    def update_message(
        self,
        channel_id: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        mark_edited: bool = True,
    ) -> Message:
        with self.lock:
            message = self._message_index.get((channel_id, ts))
            if message is None:
                raise SlackError("message_not_found")
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = blocks or None  # [] clears them, as a replacement does
            if attachments is not None:
                message.attachments = attachments
            if metadata is not None:
                message.metadata = metadata
            if mark_edited:
                message.edited = {"user": self.bot_user_id, "ts": self.new_ts()}
            self._notify()
            return copy.deepcopy(message)

    def delete_message(self, channel_id: str, ts: str) -> Message:
        with self.lock:
            message = self._message_index.pop((channel_id, ts), None)
            if message is None:
                raise SlackError("message_not_found")
            self._messages[channel_id].remove(message)
            if message.is_reply and message.thread_ts:
                parent = self._message_index.get((channel_id, message.thread_ts))
                if parent is not None:
                    parent.reply_count = max(0, parent.reply_count - 1)
            self._notify()
            return copy.deepcopy(message)

    def permalink(self, channel_id: str, ts: str) -> str:
        message = self.find_message(channel_id, ts)
        link = f"{self.url}archives/{channel_id}/p{ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel_id}"
        return link

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        text: str = "",
        *,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        source: EphemeralSource = "api",
    ) -> Ephemeral:
        with self.lock:
            ephemeral = Ephemeral(
                channel=channel_id,
                user=user_id,
                ts=self.new_ts(),
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                source=source,
            )
            self._ephemerals.append(ephemeral)
            self._notify()
            return copy.deepcopy(ephemeral)

    # --- interactivity: trigger ids and response URLs ----------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id as Slack puts in an interaction; views.open takes it within 3 s."""
        with self.lock:
            now = self.clock()
            trigger_id = f"{int(now)}.{next(self._counter)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = Trigger(trigger_id, user_id, now)
            return trigger_id

    def redeem_trigger_id(self, trigger_id: str) -> Trigger:
        with self.lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if self.clock() - trigger.issued_at > self.trigger_ttl:
                raise SlackError("expired_trigger_id")
            if trigger.used:
                raise SlackError("exchanged_trigger_id")
            trigger.used = True
            return copy.deepcopy(trigger)

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str,
        *,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
    ) -> str:
        if self.base_url is None:
            raise RuntimeError("the workspace is not served yet: start a LocalSlackServer")
        with self.lock:
            response_id = f"{next(self._counter)}-{secrets.token_urlsafe(12)}"
            self._responses[response_id] = ResponseTarget(
                id=response_id,
                user=user_id,
                channel=channel_id,
                issued_at=self.clock(),
                message_ts=message_ts,
                message_is_ephemeral=message_is_ephemeral,
            )
        return f"{self.base_url.rstrip('/')}/response/{response_id}"

    def post_to_response_url(self, response_id: str, payload: Mapping[str, Any]) -> None:
        """What Slack does with a post to a response URL (up to 5 uses in 30 minutes)."""
        with self.lock:
            target = self._responses.get(response_id)
            if target is None:
                raise SlackError("no_active_hooks", status=404)
            if self.clock() - target.issued_at > self.response_url_ttl:
                raise SlackError("expired_url", status=404)
            if target.uses >= self.response_url_max_uses:
                raise SlackError("used_url", status=404)
            target.uses += 1
            self.apply_message_response(
                target.user,
                target.channel,
                payload,
                message_ts=target.message_ts,
                message_is_ephemeral=target.message_is_ephemeral,
                source="response_url",
            )

    def apply_message_response(
        self,
        user_id: str,
        channel_id: str,
        payload: Mapping[str, Any],
        *,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
        source: EphemeralSource = "response_url",
    ) -> None:
        """A message given back to Slack for an interaction: posted to its response URL, or
        the body of a slash command's acknowledgement."""
        text = str(payload.get("text") or "")
        blocks = payload.get("blocks") if isinstance(payload.get("blocks"), list) else None
        attachments = payload.get("attachments")
        attachments = attachments if isinstance(attachments, list) else None
        thread_ts = payload.get("thread_ts") or None
        with self.lock:
            if _truthy(payload.get("delete_original")) and message_ts:
                if message_is_ephemeral:
                    self._ephemerals = [
                        e
                        for e in self._ephemerals
                        if not (e.user == user_id and e.ts == message_ts)
                    ]
                    self._notify()
                elif (channel_id, message_ts) in self._message_index:
                    self.delete_message(channel_id, message_ts)
                return
            if _truthy(payload.get("replace_original")) and message_ts:
                if message_is_ephemeral:
                    for ephemeral in self._ephemerals:
                        if ephemeral.user == user_id and ephemeral.ts == message_ts:
                            ephemeral.text, ephemeral.blocks = text, blocks
                            ephemeral.attachments = attachments
                            self._notify()
                            return
                elif (channel_id, message_ts) in self._message_index:
                    self.update_message(
                        channel_id,
                        message_ts,
                        text=text,
                        blocks=blocks if blocks is not None else [],
                        attachments=attachments,
                        mark_edited=False,
                    )
                    return
            if payload.get("response_type") == "in_channel":
                self.post_message(
                    channel_id, text, blocks=blocks, attachments=attachments, thread_ts=thread_ts
                )
            else:
                self.post_ephemeral(
                    channel_id,
                    user_id,
                    text,
                    blocks=blocks,
                    attachments=attachments,
                    thread_ts=thread_ts,
                    source=source,
                )

    # --- views -------------------------------------------------------------------------------

    def _new_view(self, user_id: str, view_type: str, definition: dict[str, Any]) -> View:
        external_id = definition.get("external_id") or None
        if external_id is not None and any(
            v.external_id == external_id for v in self._views.values()
        ):
            raise SlackError("duplicate_external_id")
        view = View(
            id=self.new_id("V"),
            user=user_id,
            type=view_type,
            definition=copy.deepcopy(definition),
            hash=_new_hash(self.clock()),
            external_id=str(external_id) if external_id else None,
        )
        self._views[view.id] = view
        return view

    def open_view(self, user_id: str, definition: dict[str, Any]) -> View:
        """Open a modal for a person, replacing any modals they had open."""
        with self.lock:
            for old in self._modal_stacks.get(user_id, []):
                self._views[old].is_open = False
            view = self._new_view(user_id, "modal", definition)
            view.root_view_id = view.id
            self._modal_stacks[user_id] = [view.id]
            self._notify()
            return copy.deepcopy(view)

    def push_view(self, user_id: str, definition: dict[str, Any]) -> View:
        with self.lock:
            stack = self._modal_stacks.setdefault(user_id, [])
            if len(stack) >= MAX_MODAL_STACK:
                raise SlackError("push_limit_reached")
            view = self._new_view(user_id, "modal", definition)
            view.previous_view_id = stack[-1] if stack else None
            view.root_view_id = stack[0] if stack else view.id
            stack.append(view.id)
            self._notify()
            return copy.deepcopy(view)

    def update_view(
        self,
        definition: dict[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> View:
        with self.lock:
            view = self._views.get(view_id) if view_id else None
            if view is None and external_id:
                view = next((v for v in self._views.values() if v.external_id == external_id), None)
            if view is None:
                raise SlackError("not_found")
            if hash and hash != view.hash:
                raise SlackError("hash_conflict")
            definition = copy.deepcopy(definition)
            if view.external_id and not definition.get("external_id"):
                definition["external_id"] = view.external_id
            view.definition = definition
            view.hash = _new_hash(self.clock())
            view.errors = None
            self._notify()
            return copy.deepcopy(view)

    def publish_home(
        self, user_id: str, definition: dict[str, Any], *, hash: str | None = None
    ) -> View:
        with self.lock:
            self.find_user(user_id)
            existing = self._homes.get(user_id)
            if existing is not None:
                return self.update_view(definition, view_id=existing, hash=hash)
            view = self._new_view(user_id, "home", definition)
            self._homes[user_id] = view.id
            self._notify()
            return copy.deepcopy(view)

    def set_view_state(self, view_id: str, values: dict[str, Any]) -> None:
        with self.lock:
            self._views[view_id].state_values = copy.deepcopy(values)

    def set_view_errors(self, view_id: str, errors: dict[str, str]) -> None:
        with self.lock:
            self._views[view_id].errors = dict(errors)
            self._notify()

    def close_view(self, view_id: str) -> None:
        """Close one modal and any pushed on top of it."""
        with self.lock:
            view = self._views.get(view_id)
            if view is None:
                return
            stack = self._modal_stacks.get(view.user, [])
            if view_id in stack:
                for closed in stack[stack.index(view_id) :]:
                    self._views[closed].is_open = False
                del stack[stack.index(view_id) :]
            view.is_open = False
            self._notify()

    def clear_views(self, user_id: str) -> None:
        with self.lock:
            for view_id in self._modal_stacks.pop(user_id, []):
                self._views[view_id].is_open = False
            self._notify()

    # --- files -------------------------------------------------------------------------------

    def start_upload(
        self,
        filename: str,
        length: int,
        *,
        alt_txt: str | None = None,
        snippet_type: str | None = None,
    ) -> File:
        with self.lock:
            file = File(
                id=self.new_id("F"),
                name=filename,
                length=length,
                created=int(self.clock()),
                user=self.bot_user_id,
                alt_txt=alt_txt,
                snippet_type=snippet_type,
            )
            self._files[file.id] = file
            self._notify()
            return copy.deepcopy(file)

    def receive_upload(self, file_id: str, data: bytes) -> File:
        with self.lock:
            file = self._files.get(file_id)
            if file is None or file.completed:
                raise SlackError("file_not_found", status=404)
            file.content = bytes(data)
            self._notify()
            return copy.deepcopy(file)

    def complete_upload(
        self,
        items: list[dict[str, Any]],
        *,
        channels: list[str],
        initial_comment: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> list[File]:
        """Finish uploads and share them into each conversation as one message."""
        with self.lock:
            files: list[File] = []
            for item in items:
                file = self._files.get(str(item.get("id", "")))
                if file is None:
                    raise SlackError("file_not_found")
                if not file.uploaded:
                    raise SlackError(
                        "file_not_found",
                        response_metadata={
                            "messages": [f"[ERROR] no bytes were ever uploaded for {file.id}"]
                        },
                    )
                files.append(file)
            targets = [self.conversation_for(c) for c in channels]
            for target in targets:
                self.check_bot_can_post(target)
            for file, item in zip(files, items, strict=True):
                file.title = str(item.get("title") or file.title or file.name)
                alt = item.get("alt_txt", item.get("alt_text"))
                if alt:
                    file.alt_txt = str(alt)
                file.completed = True
            base_url = self.base_url or "http://localslack.invalid"
            for target in targets:
                for file in files:
                    if target.id not in file.channels:
                        file.channels.append(target.id)
                self.post_message(
                    target.id,
                    initial_comment or "",
                    blocks=None if initial_comment else blocks,
                    files=[f.to_api(base_url) for f in files],
                    thread_ts=thread_ts,
                )
            self._notify()
            return copy.deepcopy(files)

    # =========================================================================================
    # internals
    # =========================================================================================

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


def _new_hash(now: float) -> str:
    return f"{int(now)}.{secrets.token_hex(6)}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)
