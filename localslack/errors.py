"""The one exception the stand-in raises for a Slack-style failure."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Web API error: becomes `{"ok": false, "error": error, **extra}` on the wire."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}
