"""The conversations.* family: channels, DMs and group DMs, and who may post where."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from localslack.errors import SlackError
from localslack.models import Channel
from localslack.scopes import CHAT_WRITE_PUBLIC
from localslack.workspace.users import UsersFacet


class ConversationsFacet(UsersFacet):
    """Channels, DMs and group DMs."""

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

    def channel(self, channel_id: str) -> Channel | None:
        with self.lock:
            return copy.deepcopy(self._channels.get(channel_id))

    @property
    def channels(self) -> list[Channel]:
        with self.lock:
            return copy.deepcopy(list(self._channels.values()))

    def dm_id(self, user_id: str) -> str | None:
        """The ID of the bot's DM with a person, if it has been opened."""
        with self.lock:
            return self._dm_ids().get(user_id)

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
