"""Splitting the text after ``/kpi`` into tokens: words, quoted names and ``name:value`` fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.parsing.text import (
    MARKUP,
    USER,
    UsageError,
    collapse,
    fail,
    plain,
    ref,
    shown,
)
from commands.text import MAX_NOTE_CHARS

_DOUBLE_QUOTES = '"“”„‟'
_SINGLE_QUOTES = "'‘’‚‛"
_FIELD_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)[:=]")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    source: str  # quotes removed (and whitespace collapsed) if quoted; Slack markup intact
    quoted: bool = False
    key: str | None = None  # lowercased field name of a `name:value` token
    value: str = ""  # a field's value, quotes removed
    value_quoted: bool = False

    @property
    def text(self) -> str:
        return collapse(plain(self.source))

    @property
    def word(self) -> str:
        """The token lowercased, for comparing with keywords; "" when it was quoted."""
        return "" if self.quoted else self.source.lower()


def _closing_quote(text: str, at: int) -> int | None:
    family = _DOUBLE_QUOTES if text[at] in _DOUBLE_QUOTES else _SINGLE_QUOTES
    i = at + 1
    while i < len(text):
        markup = MARKUP.match(text, i)
        if markup:
            i = markup.end()
            continue
        # An apostrophe inside a word does not close a single-quoted string.
        if text[i] in family and (
            family == _DOUBLE_QUOTES or i + 1 == len(text) or text[i + 1].isspace()
        ):
            return i
        i += 1
    return None


def _word_end(text: str, at: int) -> int:
    i = at
    while i < len(text) and not text[i].isspace():
        markup = MARKUP.match(text, i)
        i = markup.end() if markup else i + 1
    return i


def scan(text: str, at: int, topic: str) -> Token | None:
    """The token starting at or after `at`, or None at the end of the text."""
    while at < len(text) and text[at].isspace():
        at += 1
    if at == len(text):
        return None
    start = at
    key = None
    prefix = _FIELD_PREFIX.match(text, at)
    if prefix:
        key = prefix.group(1).lower()
        at = prefix.end()
        if at == len(text) or text[at].isspace():
            return Token(start, at, text[start:at], key=key)
    if text[at] in _DOUBLE_QUOTES or text[at] in _SINGLE_QUOTES:
        close = _closing_quote(text, at)
        if close is None:
            raise fail(
                f"A quote in `{shown(plain(text[at:]))}` is never closed. Put names in matching "
                'quotes, like "Qualified pipeline".',
                topic,
            )
        inside = collapse(text[at + 1 : close])
        if key is not None:
            raw = text[start : close + 1]
            return Token(start, close + 1, raw, key=key, value=inside, value_quoted=True)
        return Token(start, close + 1, inside, quoted=True)
    end = _word_end(text, at)
    if key is not None:
        return Token(start, end, text[start:end], key=key, value=text[at:end])
    return Token(start, end, text[start:end])


def try_scan(text: str, at: int) -> Token | None:
    """Like scan, but None where the text has an unbalanced quote (it may be a note's)."""
    try:
        return scan(text, at, "help")
    except UsageError:
        return None


class Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.topic = "help"

    def peek(self) -> Token | None:
        return scan(self.text, self.at, self.topic)

    def take(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.at = token.end
        return token

    def rest(self) -> list[Token]:
        tokens = []
        while (token := self.take()) is not None:
            tokens.append(token)
        return tokens

    def raw_rest(self) -> str:
        return self.text[self.at :]


# --- values of tokens ------------------------------------------------------------------------


def user_id(token: Token) -> str | None:
    match = USER.fullmatch(token.source.strip())
    return match.group(1) if match else None


def free_text(raw: str, what: str, topic: str) -> str | None:
    """A note or reason: the user's own text, unescaped and trimmed; None when empty."""
    text = raw.strip()
    whole = try_scan(text, 0)
    if whole is not None and whole.quoted and whole.end == len(text):
        text = text[1:-1].strip()
    text = plain(text).strip()
    if len(text) > MAX_NOTE_CHARS:
        raise fail(
            f"That {what} is {len(text):,} characters long; the limit is {MAX_NOTE_CHARS:,}.",
            topic,
        )
    return text or None


def no_more(tokens: list[Token], form: str, topic: str) -> None:
    if tokens:
        extra = " ".join(token.text for token in tokens)
        raise fail(f"`{form}` takes nothing more, but got `{shown(extra)}`.", topic)


def reference(tokens: list[Token], command: str, example: str, topic: str) -> str:
    """The KPI or goal that `tokens` name, as a key or (quoted or not) a name."""
    reference = ref(" ".join(token.text for token in tokens)).rstrip(":").strip()
    if not reference:
        what = "goal" if topic == "goal" else "KPI"
        raise fail(f"`{command}` needs a {what} key or name, like `{example}`.", topic)
    return reference
