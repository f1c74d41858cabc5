"""Repository functions for API tokens and remembered idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.api_models import ApiIdempotency, ApiToken


def add_token(session: Session, token: ApiToken) -> ApiToken:
    session.add(token)
    session.flush()
    return token


def token_by_name(session: Session, name: str) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.name == name)).first()


def token_by_hash(session: Session, digest: str) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.name))))


def mark_revoked(session: Session, token: ApiToken, now: datetime) -> None:
    token.revoked_at = now
    session.add(token)
    session.flush()


def mark_used(session: Session, token: ApiToken, now: datetime) -> None:
    token.last_used_at = now
    session.add(token)
    session.flush()


def idempotent_answer(session: Session, token_id: int, key: str) -> ApiIdempotency | None:
    query = select(ApiIdempotency).where(
        ApiIdempotency.token_id == token_id, ApiIdempotency.key == key
    )
    return session.exec(query).first()


def remember_answer(
    session: Session,
    *,
    token_id: int,
    key: str,
    request_hash: str,
    status: int,
    response: str,
    now: datetime,
) -> None:
    """Keep the answer to a keyed write; the unique (token, key) pair makes a concurrent
    twin fail at flush, so only one of two racing requests can store anything."""
    session.add(
        ApiIdempotency(
            token_id=token_id,
            key=key,
            request_hash=request_hash,
            status=status,
            response=response,
            created_at=now,
        )
    )
    session.flush()
