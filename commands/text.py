"""Replies are Slack mrkdwn. Anything a user typed is escaped where it is embedded, so a KPI
name or a note can never ping `@channel`, mention someone or form a link."""

from __future__ import annotations

import unicodedata

MAX_NOTE_CHARS = 2000
"""The longest note or reason, wherever it is typed: a command, a form or a values file."""

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def esc(text: object) -> str:
    """Escape user text for mrkdwn (Slack asks for exactly &, < and >)."""
    return str(text).translate(_ESCAPES)


def clean(text: str, limit: int) -> str:
    """Drop control characters (keeping newlines and tabs) and surrounding space; callers
    check the length against `limit` and say so rather than cut silently."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.strip()
