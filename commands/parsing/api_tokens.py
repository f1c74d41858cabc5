"""`/kpi tokens [list | create NAME [team:KEY]... [kpi:KEY]... [read-only] | revoke NAME]`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.parsing.text import fail
from commands.parsing.tokens import Scanner

USAGE_HINT = (
    "`/kpi tokens` lists API tokens; `/kpi tokens create NAME [team:KEY]... [kpi:KEY]... "
    "[read-only]` makes one; `/kpi tokens revoke NAME` revokes one."
)


@dataclass(frozen=True)
class TokensList:
    pass


@dataclass(frozen=True)
class TokensCreate:
    name: str
    teams: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()
    read_only: bool = False


@dataclass(frozen=True)
class TokensRevoke:
    name: str


TokensCommand = TokensList | TokensCreate | TokensRevoke


def parse_tokens(scanner: Scanner, today: date) -> TokensCommand:
    tokens = scanner.rest()
    if not tokens or tokens[0].word == "list":
        if len(tokens) > 1:
            raise fail("`tokens list` takes nothing more.", "tokens")
        return TokensList()
    action, rest = tokens[0].word, tokens[1:]
    if action == "revoke":
        if len(rest) != 1:
            raise fail("Say which token to revoke, like `/kpi tokens revoke crm-sync`.", "tokens")
        return TokensRevoke(rest[0].text)
    if action != "create":
        raise fail(f"`tokens` does list, create or revoke. {USAGE_HINT}", "tokens")
    if not rest or rest[0].key is not None:
        raise fail("Name the token, like `/kpi tokens create crm-sync team:sales`.", "tokens")
    teams: list[str] = []
    kpis: list[str] = []
    read_only = False
    for token in rest[1:]:
        if token.key == "team" and token.value:
            teams.append(token.value)
        elif token.key == "kpi" and token.value:
            kpis.append(token.value)
        elif token.word in ("read-only", "readonly"):
            read_only = True
        else:
            raise fail(
                f"'{token.text}' is not part of a token: use team:KEY, kpi:KEY or read-only.",
                "tokens",
            )
    return TokensCreate(rest[0].text, tuple(teams), tuple(kpis), read_only)
