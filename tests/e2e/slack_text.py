"""Reading what kpibot posted: the text a person sees in a message, reply or modal."""

from __future__ import annotations

import json
from typing import Any


def text_of(message: Any) -> str:
    """Blocks and fallback text as one string, characters as typed (not JSON-escaped)."""
    blocks = getattr(message, "blocks", None) or []
    return json.dumps(blocks, ensure_ascii=False) + str(getattr(message, "text", ""))


def blocks_of(message: Any) -> list[dict[str, Any]]:
    return list(getattr(message, "blocks", None) or [])
