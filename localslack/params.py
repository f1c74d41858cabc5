"""A Web API method's arguments and answer, and Slack's cursor pagination.

Shared by the method families in `methods.py` and `methods_views.py`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localslack.errors import SlackError


@dataclass
class ApiResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Params:
    """A method's arguments, from a form (all strings) or a JSON body (typed values)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.text(name)
        if value is None:
            raise SlackError(error)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "yes"}

    def number(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None

    def decoded(self, name: str, error: str = "invalid_arguments") -> Any:
        """A JSON argument: forms send it encoded as a string, JSON bodies as a value."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackError(error) from None
        return value

    def list_of_dicts(self, name: str, error: str = "invalid_arguments") -> list[dict[str, Any]]:
        value = self.decoded(name, error)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise SlackError(error)
        return value

    def csv(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]


Handler = Callable[[Params, "CallContext"], dict[str, Any]]


@dataclass
class CallContext:
    method: str
    base_url: str


def paginate(items: list[Any], p: Params) -> tuple[list[Any], str]:
    """Slice by Slack-style opaque cursor; returns the page and the next cursor ("" at end)."""
    limit = p.number("limit", 0)
    limit = 1000 if limit <= 0 else min(limit, 1000)
    start = 0
    cursor = p.text("cursor")
    if cursor:
        try:
            decoded = base64.b64decode(cursor.encode(), validate=True).decode()
            prefix, _, offset = decoded.partition(":")
            start = int(offset)
            if prefix != "offset" or start < 0:
                raise ValueError(cursor)
        except (ValueError, binascii.Error):
            raise SlackError("invalid_cursor") from None
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor
