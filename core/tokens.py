"""API tokens: how they look, how they are hashed, and which KPIs one may reach.

A token is `kpi_` followed by 43 URL-safe characters (32 random bytes), so it is recognisable
in logs and secret scanners and cannot be guessed. Only its SHA-256 is stored: a token has
256 bits of entropy, so a fast hash is enough (no salt or slow hash needed, unlike passwords),
and a lookup by hash stays a single indexed query.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

PREFIX = "kpi_"
_RANDOM_BYTES = 32
HINT_LENGTH = 10  # "kpi_" and six random characters: enough to tell tokens apart in a list
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,27}$")
_TOKEN = re.compile(r"^kpi_[A-Za-z0-9_-]{43}$")


class TokenNameError(ValueError):
    pass


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    """True for text shaped like a kpibot token; anything else is refused without a lookup."""
    return bool(_TOKEN.match(text))


def hint_of(token: str) -> str:
    return token[:HINT_LENGTH]


def check_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not NAME.match(cleaned):
        raise TokenNameError(
            f"'{name}' is not a usable token name: use 1 to 28 lowercase letters, digits, "
            "- or _, starting with a letter or digit (like crm-sync)."
        )
    return cleaned


def join_keys(keys: Iterable[str]) -> str:
    return ",".join(sorted({k.strip().lower() for k in keys if k.strip()}))


def split_keys(text: str) -> frozenset[str]:
    return frozenset(k for k in text.split(",") if k)


@dataclass(frozen=True)
class Scope:
    """What a token may reach: KPIs of `teams`, plus the KPIs named in `kpis`.

    Both empty means every KPI. A read-only token reads within its scope and writes nothing.
    """

    teams: frozenset[str] = frozenset()
    kpis: frozenset[str] = frozenset()
    read_only: bool = False

    @property
    def everything(self) -> bool:
        return not self.teams and not self.kpis

    def covers(self, kpi_key: str, team_key: str | None) -> bool:
        if self.everything or kpi_key in self.kpis:
            return True
        return team_key is not None and team_key in self.teams

    def describe(self) -> str:
        parts = []
        if self.teams:
            parts.append("teams " + ", ".join(sorted(self.teams)))
        if self.kpis:
            parts.append("KPIs " + ", ".join(sorted(self.kpis)))
        reach = " and ".join(parts) if parts else "every KPI"
        return f"{reach}, {'read-only' if self.read_only else 'read and write'}"
