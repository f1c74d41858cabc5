"""Creating, listing and revoking API tokens, and finding the token a request presents.

The plain token leaves this module once, in `IssuedToken`; the database keeps only its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from commands.context import CommandError, Context
from commands.lookup import find_team
from core.tokens import (
    Scope,
    TokenNameError,
    check_name,
    hint_of,
    join_keys,
    looks_like_token,
    new_token,
    split_keys,
    token_hash,
)
from storage import repo
from storage import tokens as token_store
from storage.api_models import ApiToken

ACTOR_PREFIX = "api:"  # how a token appears as the author of a value and in the audit trail
USE_RECORDED_EVERY = timedelta(minutes=1)  # last_used_at is a hint, not a write per request


@dataclass(frozen=True)
class IssuedToken:
    name: str
    token: str  # shown once, never stored
    scope: Scope


@dataclass(frozen=True)
class TokenInfo:
    name: str
    hint: str
    scope: Scope
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Caller:
    """The token behind an authenticated request."""

    token_id: int
    name: str
    scope: Scope

    @property
    def actor(self) -> str:
        return ACTOR_PREFIX + self.name


class Unauthenticated(CommandError):
    """No usable token: missing, malformed, unknown or revoked."""


def scope_of(token: ApiToken) -> Scope:
    return Scope(split_keys(token.teams), split_keys(token.kpis), token.read_only)


def create_token(
    ctx: Context, name: str, *, teams: list[str], kpis: list[str], read_only: bool
) -> IssuedToken:
    try:
        clean_name = check_name(name)
    except TokenNameError as exc:
        raise CommandError(str(exc), field="name") from None
    if token_store.token_by_name(ctx.session, clean_name) is not None:
        raise CommandError(
            f"A token named '{clean_name}' exists already.",
            hint=f"Pick another name, or revoke it first with `kpibot tokens revoke {clean_name}`.",
            field="name",
        )
    team_keys = [find_team(ctx, key).key for key in teams]
    for key in kpis:
        if repo.get_kpi(ctx.session, key.strip().lower()) is None:
            raise CommandError(f"No KPI has the key '{key}'.", field="kpi")
    token = new_token()
    stored = token_store.add_token(
        ctx.session,
        ApiToken(
            name=clean_name,
            token_hash=token_hash(token),
            hint=hint_of(token),
            teams=join_keys(team_keys),
            kpis=join_keys(kpis),
            read_only=read_only,
            created_by=ctx.actor,
            created_at=ctx.now,
        ),
    )
    scope = scope_of(stored)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="token.create",
        entity="api_token",
        key=clean_name,
        now=ctx.now,
        details={"scope": scope.describe()},
    )
    return IssuedToken(clean_name, token, scope)


def list_tokens(ctx: Context) -> list[TokenInfo]:
    return [
        TokenInfo(
            name=t.name,
            hint=t.hint,
            scope=scope_of(t),
            created_at=t.created_at,
            created_by=t.created_by,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in token_store.list_tokens(ctx.session)
    ]


def revoke_token(ctx: Context, name: str) -> bool:
    """Revoke the token called `name`; False when it was revoked already."""
    token = token_store.token_by_name(ctx.session, name.strip().lower())
    if token is None:
        known = ", ".join(t.name for t in token_store.list_tokens(ctx.session)) or "none yet"
        raise CommandError(f"No token is called '{name}' (tokens: {known}).", field="name")
    if token.revoked_at is not None:
        return False
    token_store.mark_revoked(ctx.session, token, ctx.now)
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="token.revoke",
        entity="api_token",
        key=token.name,
        now=ctx.now,
        details={},
    )
    return True


def authenticate(ctx: Context, presented: str | None) -> Caller:
    """The live token `presented` names, or Unauthenticated saying what is wrong."""
    if not presented:
        raise Unauthenticated(
            "This request carries no token: send the header Authorization: Bearer <token>.",
            field="Authorization",
        )
    if not looks_like_token(presented):
        raise Unauthenticated(
            "That is not a kpibot API token (they start with kpi_); check the Authorization "
            "header.",
            field="Authorization",
        )
    token = token_store.token_by_hash(ctx.session, token_hash(presented))
    if token is None or token.id is None:
        raise Unauthenticated("This token is not known to kpibot.", field="Authorization")
    if token.revoked_at is not None:
        raise Unauthenticated(
            f"The token '{token.name}' was revoked; ask an admin for a new one.",
            field="Authorization",
        )
    if token.last_used_at is None or ctx.now - token.last_used_at >= USE_RECORDED_EVERY:
        token_store.mark_used(ctx.session, token, ctx.now)
    return Caller(token.id, token.name, scope_of(token))


def token_behind(logged_by: str) -> str | None:
    """The name of the API token that logged a value, or None when a person (or file) did."""
    return logged_by.removeprefix(ACTOR_PREFIX) if logged_by.startswith(ACTOR_PREFIX) else None
