"""What a run of the app's scheduled jobs did, in the words of the person who ran it.

The app's own report ("4 stale steps skipped, 12 new periods") is written for operators. The
clock control tells its visitor instead what they can go and look at: who was reminded, what
was posted where, which threads got replies. It reads that from the workspace itself, from
what was posted and edited while the job ran, so it works for any app.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from localslack.models import Message
from localslack.workspace import Workspace

SNIPPET = 80
SUGGESTED_WEEKDAY, SUGGESTED_TIME = 0, (10, 30)  # Monday 10:30: reminders and digests are due


def suggested_time(real_now: float, tz: ZoneInfo) -> str:
    """The clock control's default: the next Monday 10:30 after today, from *real* time, so
    reopening the panel after a run suggests the same Monday instead of a week later each
    time. As the page's datetime-local input wants it."""
    today = datetime.fromtimestamp(real_now, tz).date()
    days = (SUGGESTED_WEEKDAY - today.weekday()) % 7 or 7
    hour, minute = SUGGESTED_TIME
    return f"{(today + timedelta(days=days)).isoformat()}T{hour:02d}:{minute:02d}"


def what_happened(ws: Workspace, job: str, mark: str) -> list[str]:
    """One sentence per message the job posted or updated since `mark`, oldest first."""
    posted, edited = ws.messages_since(mark)
    said: list[str] = []
    parents = {(m.channel, m.ts) for m in posted if not m.is_reply}
    replies: dict[tuple[str, str], int] = {}
    for message in posted:
        if message.is_reply and message.thread_ts:
            key = (message.channel, message.thread_ts)
            replies[key] = replies.get(key, 0) + 1
    for message in posted:
        if message.is_reply:
            continue
        line = f"{_posted(ws, job, message)}: “{_snippet(message)}”"
        count = replies.get((message.channel, message.ts), 0)
        if count:
            line += f" ({count} {'reply' if count == 1 else 'replies'} in its thread)"
        said.append(line)
    for (channel, _parent), count in replies.items():
        if (channel, _parent) not in parents:
            noun = "reply" if count == 1 else "replies"
            said.append(f"Added {count} {noun} to a thread in {_where(ws, channel)}")
    said.extend(f"Updated in {_where(ws, m.channel)}: “{_snippet(m)}”" for m in edited)
    return said


def _posted(ws: Workspace, job: str, message: Message) -> str:
    channel = ws.channel(message.channel)
    if channel is not None and channel.is_im and channel.user is not None:
        verb = "Reminded" if "remind" in job else "Messaged"
        return f"{verb} {_person(ws, channel.user)}"
    return f"Posted in {_where(ws, message.channel)}"


def _where(ws: Workspace, channel_id: str) -> str:
    channel = ws.channel(channel_id)
    if channel is None:
        return channel_id
    if channel.is_im and channel.user is not None:
        return f"the DM with {_person(ws, channel.user)}"
    return f"#{channel.name}"


def _person(ws: Workspace, user_id: str) -> str:
    user = ws.user(user_id)
    return (user.real_name or user.name) if user is not None else user_id


def _snippet(message: Message) -> str:
    first = next((line.strip() for line in message.text.splitlines() if line.strip()), "")
    if not first:
        return "a message with a chart" if message.files else "a message"
    return first if len(first) <= SNIPPET else first[: SNIPPET - 1].rstrip() + "…"
