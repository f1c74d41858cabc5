"""The things a workspace holds, and how each looks in a Web API answer.

These are plain dataclasses; the workspace owns them and changes them under its lock. Its
query helpers hand out copies, so a test can keep one without it changing underneath.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

EphemeralSource = Literal["api", "response_url", "ack"]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    display_name: str
    tz: str = "America/New_York"
    deleted: bool = False
    is_bot: bool = False
    is_admin: bool = False
    is_owner: bool = False
    email: str | None = None
    locale: str = "en-US"
    bot_id: str | None = None

    def tz_offset(self, now: float) -> int:
        """Seconds east of UTC at `now`, as Slack reports it (daylight saving included)."""
        offset = datetime.fromtimestamp(now, ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def tz_label(self, now: float) -> str:
        return datetime.fromtimestamp(now, ZoneInfo(self.tz)).tzname() or self.tz

    def to_api(self, team_id: str, now: float) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        if self.bot_id is not None:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label(now),
            "tz_offset": self.tz_offset(now),
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": int(now),
            "locale": self.locale,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)
    bot_is_member: bool = True
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    user: str | None = None  # the other party of a DM
    created: int = 0
    topic: str = ""
    purpose: str = ""

    @property
    def kind(self) -> str:
        """The conversation type name Slack uses in `types=` filters."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "private_channel" if self.is_private else "public_channel"

    def to_api(self, *, include_num_members: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "created": self.created,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_mpim,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.bot_is_member,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }
        if include_num_members:
            data["num_members"] = len(self.members)
        return data


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str
    bot_id: str | None = None
    app_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    files: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    edited: dict[str, str] | None = None
    reply_broadcast: bool = False
    subtype: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, team_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user}
        data["text"] = self.text
        data["team"] = team_id
        if self.subtype:
            data["subtype"] = self.subtype
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.app_id:
            data["app_id"] = self.app_id
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.attachments is not None:
            data["attachments"] = self.attachments
        if self.files is not None:
            data["files"] = self.files
            data["upload"] = True
        if self.metadata is not None:
            data["metadata"] = self.metadata
        if self.edited is not None:
            data["edited"] = self.edited
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
            if not self.is_reply:
                data["reply_count"] = self.reply_count
                data["reply_users"] = list(self.reply_users)
                data["reply_users_count"] = len(self.reply_users)
                if self.latest_reply is not None:
                    data["latest_reply"] = self.latest_reply
            elif self.reply_broadcast:
                data["subtype"] = "thread_broadcast"
        return data


@dataclass
class Ephemeral:
    """A message only `user` sees; it lives in the client, so Slack keeps no history of it."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    source: EphemeralSource = "api"

    def to_api(self, bot_id: str, app_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "ts": self.ts,
            "text": self.text,
            "bot_id": bot_id,
            "app_id": app_id,
        }
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.attachments is not None:
            data["attachments"] = self.attachments
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
        return data


@dataclass
class View:
    """A modal or a home tab as the app defined it, plus what Slack adds."""

    id: str
    user: str
    type: str  # "modal" | "home"
    definition: dict[str, Any]  # what the app sent: blocks, title, callback_id, ...
    hash: str
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    state_values: dict[str, Any] = field(default_factory=dict)
    is_open: bool = True
    errors: dict[str, str] | None = None  # the last `response_action: errors` shown on it

    @property
    def callback_id(self) -> str:
        return str(self.definition.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.definition.get("private_metadata", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.definition.get("blocks", [])
        return list(blocks) if isinstance(blocks, list) else []

    @property
    def title(self) -> str:
        title = self.definition.get("title")
        return str(title.get("text", "")) if isinstance(title, dict) else ""

    def to_api(self, *, team_id: str, app_id: str, bot_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state_values},
            "hash": self.hash,
            "clear_on_close": bool(self.definition.get("clear_on_close", False)),
            "notify_on_close": bool(self.definition.get("notify_on_close", False)),
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "external_id": self.external_id or "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        for key in ("title", "close", "submit", "submit_disabled"):
            if key in self.definition:
                data[key] = self.definition[key]
        return data


@dataclass
class File:
    id: str
    name: str
    length: int
    created: int
    user: str
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None  # None until the upload URL has received the bytes
    completed: bool = False
    channels: list[str] = field(default_factory=list)

    @property
    def uploaded(self) -> bool:
        return self.content is not None

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    @property
    def filetype(self) -> str:
        _, dot, ext = self.name.rpartition(".")
        return ext.lower() if dot else "binary"

    def to_api(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url.rstrip('/')}/files/{self.id}/{self.name}"
        data: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "size": len(self.content) if self.content is not None else self.length,
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(self.channels),
            "url_private": url,
            "url_private_download": url,
            "permalink": url,
            "channels": [c for c in self.channels if c.startswith("C")],
            "groups": [c for c in self.channels if c.startswith("G")],
            "ims": [c for c in self.channels if c.startswith("D")],
        }
        if self.alt_txt is not None:
            data["alt_txt"] = self.alt_txt
        return data


@dataclass(frozen=True)
class Call:
    """One request the app made: a Web API method, an upload, or a response-URL post.

    Uploads are recorded with method "upload" and response-URL posts with "response_url".
    `status` is the HTTP status answered and `response` the JSON body (None for uploads).
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response is None or self.response.get("ok"))

    @property
    def error(self) -> str | None:
        if self.response is None or self.response.get("ok"):
            return None
        return str(self.response.get("error"))


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseTarget:
    """Where posts to one response URL land, and what they may replace."""

    id: str
    user: str
    channel: str
    issued_at: float
    message_ts: str | None = None  # the message the interaction came from, if any
    message_is_ephemeral: bool = False
    uses: int = 0
