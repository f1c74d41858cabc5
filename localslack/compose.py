"""What a Slack client sends for text a person typed into the message box.

Slack's clients escape `&`, `<` and `>` and turn the mentions a person picks into Slack's
markup: `@ana` becomes `<@U0ANA>` in a message and `<@U0ANA|ana>` in a slash command whose
`should_escape` is on; `#sales` becomes `<#C0SALES|sales>`; `@here`, `@channel` and
`@everyone` become `<!here>` and so on. So what a person types here reaches the app in the
shape it would from Slack, and text such as `<!channel>` typed literally stays harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from localslack.models import Channel, User

SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})
_MENTION = re.compile(r"(?<![\w@#&])([@#])([\w][\w.\-]*)")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(
    text: str, users: Iterable[User], channels: Iterable[Channel], *, command: bool = False
) -> str:
    """`text` as a Slack client would send it (`command`: as a slash command's text)."""
    people: dict[str, User] = {}
    for user in users:
        if user.deleted:
            continue
        for handle in (user.name, user.display_name):
            people.setdefault(handle.lower(), user)
    rooms = {c.name.lower(): c for c in channels if not c.is_im and not c.is_mpim}

    def mention(match: re.Match[str]) -> str:
        sigil, word = match.group(1), match.group(2)
        handle = word.rstrip(".-")
        rest = word[len(handle) :]
        if sigil == "#":
            room = rooms.get(handle.lower())
            return f"<#{room.id}|{room.name}>{rest}" if room else match.group(0)
        if handle.lower() in SPECIAL_MENTIONS:
            return f"<!{handle.lower()}>{rest}"
        user = people.get(handle.lower())
        if user is None:
            return match.group(0)
        return (f"<@{user.id}|{user.name}>" if command else f"<@{user.id}>") + rest

    return _MENTION.sub(mention, escape(text))
