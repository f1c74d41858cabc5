"""Slack's escaped text as people read it, the usage error, and small readers shared by parsers."""

from __future__ import annotations

import difflib
import re
import unicodedata

MAX_COMMAND_CHARS = 4000


class UsageError(ValueError):
    """The command could not be read; ``message`` is fit to show the person who typed it.

    The message is plain text (what the user typed is quoted back unescaped): escape ``&``,
    ``<`` and ``>`` before posting it to Slack. ``topic`` names the registry entry whose usage
    line follows the problem; the registry adds that line (:meth:`with_usage`).
    """

    def __init__(self, message: str, topic: str = "help", *, wants_usage: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.topic = topic
        self.wants_usage = wants_usage

    def with_usage(self, usage: str) -> UsageError:
        if not self.wants_usage:
            return self
        return UsageError(f"{self.message}\nUsage: {usage}", self.topic)


def fail(problem: str, topic: str) -> UsageError:
    """A usage error whose message is `problem`, then the usage of `topic`."""
    return UsageError(problem, topic, wants_usage=True)


MARKUP = re.compile(r"<[^<>\s][^<>]*>")
USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")


def _markup_as_text(match: re.Match[str]) -> str:
    target, _, label = match.group()[1:-1].partition("|")
    if target.startswith("@"):
        return "@" + (label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label.lstrip("#") or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        return label or "@" + target[1:].split("^")[0]
    if not label:
        return target.removeprefix("mailto:")
    bare = target.removeprefix("mailto:").split("//", 1)[-1].rstrip("/")
    return label if label in (target, bare) else f"{label} ({target})"


def plain(text: str) -> str:
    """Slack's escaped text as a person would read it."""
    text = MARKUP.sub(_markup_as_text, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def collapse(text: str) -> str:
    return " ".join(text.split())


def shown(text: str, limit: int = 40) -> str:
    """Plain user text quoted back in a message, shortened."""
    text = collapse(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


# --- tokens ----------------------------------------------------------------------------------


def ref(text: str) -> str:
    """A KPI, goal or team reference from plain text: lowercased, whitespace collapsed."""
    return collapse(text).lower()


def team_key(source: str) -> str:
    channel = CHANNEL.fullmatch(source.strip())
    if channel:
        return (channel.group(2) or channel.group(1)).lower()
    return ref(plain(source)).lstrip("#")


def mention_needed(what: str, got: str, example: str, topic: str) -> UsageError:
    return fail(
        f"{what} has to be an @-mention: type @ and pick the person from Slack's list "
        f"(`{shown(plain(got))}` can't be matched to a person). Example: `{example}`",
        topic,
    )


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word.lower(), choices, n=1)
    return matches[0] if matches else None
