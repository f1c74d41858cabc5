"""Problems with a config file: :class:`ConfigError`, and collecting every problem at its line.

A config file is checked as a whole: each problem is collected as ``file:line: message`` and
all of them are raised together, in line order, so one import run reports everything to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class ConfigError(ValueError):
    """A config file that cannot be imported; ``str()`` lists every problem, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Bad(Exception):
    """One problem with one field; the message says what is wrong and what is expected."""


class Problems:
    """The problems found in one file, each with its ``file:line``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, f"{self.source}:{line}: {message}"))

    def raise_if_any(self) -> None:
        """Raise a ConfigError listing every problem in line order, if there is any."""
        if self.items:
            raise ConfigError([message for _, message in sorted(self.items, key=lambda i: i[0])])


def shown(text: str, limit: int = 60) -> str:
    """`text` as quoted in a message: cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A hint like `` (did you mean 'sales'?)`` for a misspelt name, or an empty string."""
    candidates = list(known)
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
