"""Tables of the HTTP API: access tokens (only their hashes) and remembered idempotent writes.

Kept apart from storage.models, which imports this module so that every table is registered
on the same metadata.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime


class ApiToken(SQLModel, table=True):
    """A bearer token for /api/v1. The token itself is shown once; only its SHA-256 is kept.

    `teams` and `kpis` are comma-separated keys; both empty means every KPI.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=28)
    token_hash: str = Field(unique=True, max_length=64)
    hint: str = Field(max_length=16)  # the token's first characters, to tell tokens apart
    teams: str = Field(default="", sa_type=Text)
    kpis: str = Field(default="", sa_type=Text)
    read_only: bool = False
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class ApiIdempotency(SQLModel, table=True):
    """The answer given to a write that carried an Idempotency-Key, replayed on a retry."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)  # SHA-256 of method, path and body
    status: int
    response: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
