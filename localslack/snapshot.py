"""What one person's Slack window shows, as JSON for the browser page.

`snapshot()` reads the workspace (never changes it) and returns what the page renders for the
person it acts as: the conversations down the side, the open conversation's messages with that
person's ephemeral messages mixed in, an open thread, their Home tab and their modals. Blocks are
passed on as the app sent them; the page renders them.
"""

from __future__ import annotations

from typing import Any

from localslack.models import Channel, Ephemeral, Message, User, View
from localslack.workspace import Workspace

APP_CONVERSATION = "app"  # the page's name for the person's DM with the app


def snapshot(
    ws: Workspace,
    user_id: str,
    *,
    channel: str | None = None,
    thread_ts: str | None = None,
    travelled: bool = False,
) -> dict[str, Any]:
    version = ws.version  # read first: a change while building shows up on the next poll
    users = ws.users
    me = next((u for u in users if u.id == user_id), None)
    if me is None:
        raise LookupError(f"no user {user_id} in the workspace")
    conversations = _conversations(ws, user_id)
    channel_id = resolve_channel(ws, user_id, channel) if channel else None
    data: dict[str, Any] = {
        "version": version,
        "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain},
        "now": ws.clock(),
        "travelled": travelled,
        "me": user_id,
        "bot_user_id": ws.bot_user_id,
        "users": [_user(u) for u in users],
        "conversations": conversations,
        "channel": channel,
        "messages": _timeline(ws, user_id, channel_id) if channel_id else [],
        "thread": None,
        "home": _view(ws.home_for(user_id)),
        "modals": [_view(v) for v in ws.views_for(user_id)],
    }
    if channel_id and thread_ts:
        data["thread"] = _thread(ws, user_id, channel_id, thread_ts)
    return data


def resolve_channel(ws: Workspace, user_id: str, channel: str) -> str | None:
    """A conversation ID from the page's name for it (None: the app DM is not opened yet)."""
    if channel == APP_CONVERSATION:
        return ws.dm_id(user_id)
    return channel


def _user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.real_name,
        "display_name": user.display_name,
        "tz": user.tz,
        "is_bot": user.is_bot,
        "deleted": user.deleted,
    }


def _conversations(ws: Workspace, user_id: str) -> list[dict[str, Any]]:
    """The person's channels (by name) and, last, their DM with the app."""
    listed: list[dict[str, Any]] = []
    app: dict[str, Any] = {"id": APP_CONVERSATION, "name": ws.bot_name, "kind": "app"}
    app["latest"] = None
    for channel in sorted(ws.channels, key=lambda c: c.name):
        if channel.is_im:
            if channel.user == user_id:
                app["latest"] = _latest(ws, channel, user_id)
            continue
        if user_id not in channel.members or channel.is_archived:
            continue
        listed.append(
            {
                "id": channel.id,
                "name": channel.name,
                "kind": _kind(channel),
                "topic": channel.topic,
                "latest": _latest(ws, channel, user_id),
            }
        )
    listed.append(app)
    return listed


def _kind(channel: Channel) -> str:
    if channel.is_mpim:
        return "mpim"
    return "private" if channel.is_private else "channel"


def _latest(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    """The newest message someone else wrote there (the page marks the channel unread)."""
    timestamps = [m.ts for m in ws.messages_in(channel.id) if m.user != user_id]
    timestamps += [e.ts for e in ws.ephemerals_for(user_id, channel.id)]
    return max(timestamps, key=float) if timestamps else None


def _timeline(ws: Workspace, user_id: str, channel_id: str) -> list[dict[str, Any]]:
    """Top-level messages and the person's ephemeral ones, oldest first."""
    entries = [
        _message(m) for m in ws.messages_in(channel_id) if not m.is_reply or m.reply_broadcast
    ]
    entries += [
        _ephemeral(ws, e) for e in ws.ephemerals_for(user_id, channel_id) if e.thread_ts is None
    ]
    return sorted(entries, key=lambda e: float(e["ts"]))


def _thread(ws: Workspace, user_id: str, channel_id: str, thread_ts: str) -> dict[str, Any] | None:
    parent = ws.message(channel_id, thread_ts)
    if parent is None:
        return None
    replies = [_message(m) for m in ws.replies_to(channel_id, thread_ts)]
    replies += [
        _ephemeral(ws, e)
        for e in ws.ephemerals_for(user_id, channel_id)
        if e.thread_ts == thread_ts
    ]
    return {
        "channel": channel_id,
        "ts": thread_ts,
        "parent": _message(parent),
        "replies": sorted(replies, key=lambda e: float(e["ts"])),
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "ts": message.ts,
        "user": message.user,
        "is_bot": message.bot_id is not None,
        "text": message.text,
        "blocks": message.blocks,
        "attachments": message.attachments,
        "files": [_file(f) for f in message.files or []],
        "thread_ts": message.thread_ts,
        "reply_count": message.reply_count if not message.is_reply else 0,
        "reply_users": list(message.reply_users),
        "latest_reply": message.latest_reply,
        "edited": message.edited is not None,
        "ephemeral": False,
    }


def _ephemeral(ws: Workspace, ephemeral: Ephemeral) -> dict[str, Any]:
    return {
        "channel": ephemeral.channel,
        "ts": ephemeral.ts,
        "user": ws.bot_user_id,
        "is_bot": True,
        "text": ephemeral.text,
        "blocks": ephemeral.blocks,
        "attachments": ephemeral.attachments,
        "files": [],
        "thread_ts": ephemeral.thread_ts,
        "reply_count": 0,
        "reply_users": [],
        "latest_reply": None,
        "edited": False,
        "ephemeral": True,
    }


def _file(file: dict[str, Any]) -> dict[str, Any]:
    file_id = str(file.get("id", ""))
    return {
        "id": file_id,
        "name": file.get("name", ""),
        "title": file.get("title", ""),
        "mimetype": file.get("mimetype", ""),
        "alt_txt": file.get("alt_txt", ""),
        "url": f"/ui/files/{file_id}",
    }


def _view(view: View | None) -> dict[str, Any] | None:
    if view is None:
        return None
    definition = view.definition
    return {
        "id": view.id,
        "type": view.type,
        "hash": view.hash,
        "callback_id": view.callback_id,
        "title": definition.get("title"),
        "submit": definition.get("submit"),
        "close": definition.get("close"),
        "notify_on_close": bool(definition.get("notify_on_close")),
        "blocks": view.blocks,
        "errors": view.errors or {},
    }
