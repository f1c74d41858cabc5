"""``away until DATE [delegate @person]`` and ``back``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.parsing.dates import read_date
from commands.parsing.text import USER, fail, mention_needed
from commands.parsing.tokens import Scanner, Token, no_more


@dataclass(frozen=True)
class Away:
    until: date
    delegate: str | None = None  # a Slack user ID


@dataclass(frozen=True)
class Back:
    pass


def _is_delegate_start(token: Token) -> bool:
    return (
        token.key == "delegate"
        or token.word == "delegate"
        or (not token.quoted and token.source.startswith(("@", "<@")))
    )


def parse_away(scanner: Scanner, today: date) -> Away | Back:
    tokens = scanner.rest()
    if tokens and tokens[0].word == "until":
        tokens = tokens[1:]
    split = next((n for n, token in enumerate(tokens) if _is_delegate_start(token)), len(tokens))
    date_tokens, rest = tokens[:split], tokens[split:]
    if not date_tokens:
        example = "/kpi away until 2026-12-24"
        raise fail(f"`away` needs the date you're away until, like `{example}`.", "away")
    until = read_date(" ".join(token.text for token in date_tokens), today, "away")
    if not rest:
        return Away(until)
    example = "/kpi away until 2026-12-24 delegate @bob"
    head, rest = rest[0], rest[1:]
    source = head.source
    if head.key == "delegate" and head.value:
        source = head.value
    elif head.key == "delegate" or head.word == "delegate":
        if not rest:
            raise fail(f"`delegate` needs an @-mention, like `{example}`.", "away")
        source, rest = rest[0].source, rest[1:]
    user = USER.fullmatch(source.strip())
    if user is None:
        raise mention_needed("The delegate", source, example, "away")
    no_more(rest, example, "away")
    return Away(until, user.group(1))


def parse_back(scanner: Scanner, today: date) -> Away | Back:
    no_more(scanner.rest(), "/kpi back", "back")
    return Back()
