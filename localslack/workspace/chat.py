"""The chat.* family: messages, threads and ephemeral messages."""

from __future__ import annotations

import copy
from typing import Any

from localslack.errors import SlackError
from localslack.models import Ephemeral, EphemeralSource, Message
from localslack.workspace.conversations import ConversationsFacet


class ChatFacet(ConversationsFacet):
    """Posting, editing, deleting and reading messages."""

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

    def mark(self) -> str:
        """A timestamp before anything posted or edited from now on (see `messages_since`)."""
        with self.lock:
            micros = self._last_ts_micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def messages_since(self, mark: str) -> tuple[list[Message], list[Message]]:
        """What was posted after `mark`, and what older messages were edited after it, each
        oldest first, in every conversation."""
        with self.lock:
            posted, edited = [], []
            for messages in self._messages.values():
                for message in messages:
                    if float(message.ts) > float(mark):
                        posted.append(message)
                    elif message.edited and float(message.edited["ts"]) > float(mark):
                        edited.append(message)
            by_ts = lambda m: float(m.ts)  # noqa: E731
            return copy.deepcopy(sorted(posted, key=by_ts)), copy.deepcopy(
                sorted(edited, key=by_ts)
            )

    def forget_after(self, moment: float) -> int:
        """Undo a move of the clock: drop every message and ephemeral stamped after `moment`,
        and stamp the next ones from `moment` again. Returns how many messages went."""
        with self.lock:
            removed = 0
            for channel_id, messages in self._messages.items():
                for message in [m for m in messages if float(m.ts) > moment]:
                    self.delete_message(channel_id, message.ts)
                    removed += 1
            self._ephemerals = [e for e in self._ephemerals if float(e.ts) <= moment]
            latest = [float(m.ts) for ms in self._messages.values() for m in ms]
            latest += [float(e.ts) for e in self._ephemerals]
            self._last_ts_micros = int(max([moment, *latest]) * 1_000_000)
            self._notify()
            return removed
