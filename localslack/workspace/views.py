"""The views.* family: modals (a stack of up to three per person) and Home tabs."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from localslack.errors import SlackError
from localslack.models import View
from localslack.workspace.state import MAX_MODAL_STACK
from localslack.workspace.users import UsersFacet


class ViewsFacet(UsersFacet):
    """Opening, pushing, updating and closing modals; publishing Home tabs."""

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


def _new_hash(now: float) -> str:
    return f"{int(now)}.{secrets.token_hex(6)}"
