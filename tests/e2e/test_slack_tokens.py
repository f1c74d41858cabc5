"""`/kpi tokens` in Slack: admins list, create (the token shown once, only to them) and revoke;
anyone else is refused and nothing is written."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from commands.api_tokens import Unauthenticated, authenticate
from commands.context import Context, Policy
from core.tokens import token_hash
from storage.db import session_scope

from .conftest import ADMIN, ALICE, NOW, SALES, Harness


def _tokens(harness: Harness) -> list[dict[str, Any]]:
    with harness.engine.connect() as connection:
        rows = connection.execute(text("SELECT name, token_hash, teams, read_only FROM api_token"))
        return [dict(r._mapping) for r in rows]


def test_an_admin_creates_lists_and_revokes_a_token(harness: Harness) -> None:
    reply = harness.kpi("tokens create crm-sync team:sales read-only", user=ADMIN)
    body = json.dumps(reply.blocks)
    token = re.search(r"`(kpi_[A-Za-z0-9_]+)`", body) or re.search(r"`([A-Za-z0-9_-]{20,})`", body)
    assert token is not None, body
    assert "shown only this once" in body
    (stored,) = _tokens(harness)
    assert stored["name"] == "crm-sync" and stored["token_hash"] == token_hash(token.group(1))
    assert stored["read_only"]
    # the token was an ephemeral reply: nothing in the channel shows it
    assert all(
        token.group(1) not in json.dumps(m.blocks) for m in harness.workspace.messages_in(SALES)
    )

    listed = json.dumps(harness.kpi("tokens", user=ADMIN).blocks)
    assert "crm-sync" in listed and "active" in listed and token.group(1) not in listed

    revoked = json.dumps(harness.kpi("tokens revoke crm-sync", user=ADMIN).blocks)
    assert "Revoked token *crm-sync*" in revoked
    with session_scope(harness.engine) as session:
        ctx = Context(session=session, actor="api", now=NOW, policy=Policy())
        with pytest.raises(Unauthenticated, match="revoked"):
            authenticate(ctx, token.group(1))


def test_a_non_admin_is_refused_and_nothing_is_written(harness: Harness) -> None:
    reply = harness.kpi("tokens create sneaky", user=ALICE)
    assert "Only kpibot admins manage API tokens" in json.dumps(reply.blocks)
    assert _tokens(harness) == []


def test_bad_input_is_explained_and_writes_nothing(harness: Harness) -> None:
    for command, message in [
        ("tokens create", "Name the token"),
        ("tokens create x team:nope", "nope"),
        ("tokens create x color:blue", "not part of a token"),
        ("tokens destroy x", "list, create or revoke"),
        ("tokens revoke ghost", "No token is called 'ghost'"),
    ]:
        reply = harness.kpi(command, user=ADMIN)
        assert message in json.dumps(reply.blocks), (command, reply.blocks)
    assert _tokens(harness) == []
