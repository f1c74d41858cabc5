"""The users.* family: people in the team."""

from __future__ import annotations

import copy
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from localslack.errors import SlackError
from localslack.models import User
from localslack.workspace.state import WorkspaceState


class UsersFacet(WorkspaceState):
    """Adding, deactivating and looking up people."""

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

    def user(self, user_id: str) -> User | None:
        with self.lock:
            return copy.deepcopy(self._users.get(user_id))

    @property
    def users(self) -> list[User]:
        with self.lock:
            return copy.deepcopy(list(self._users.values()))

    def find_user(self, user_id: str) -> User:
        with self.lock:
            user = self._users.get(user_id)
            if user is None:
                raise SlackError("user_not_found")
            return copy.deepcopy(user)
