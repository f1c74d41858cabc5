"""`kpibot tokens create|list|revoke`, run as operators run it, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.cli import main
from commands.api_tokens import Unauthenticated, authenticate
from commands.configfile import apply_config, parse_config
from commands.context import Context, Policy
from core.tokens import looks_like_token, token_hash
from storage.db import make_engine, session_scope

from ..conftest import NOW

CONFIG = """
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
kpis:
  - {key: pipeline, name: Qualified pipeline, team: sales, owner: U0ALICE01, unit: USD,
     direction: up, target: 4000000, cadence: weekly}
"""


@pytest.fixture
def db(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        apply_config(session, parse_config(CONFIG, "company.yml"), actor="test", now=NOW)
    engine.dispose()
    return database_url


def _authenticate(url: str, token: str):
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return authenticate(
                Context(session=session, actor="api", now=NOW, policy=Policy()), token
            )
    finally:
        engine.dispose()


def test_create_prints_the_token_once_and_stores_only_its_hash(db: str, capsys) -> None:
    assert main(["tokens", "create", "--name", "CRM-sync", "--team", "sales", "--read-only"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert looks_like_token(token) and "shown only this once" in err and "read-only" in err
    engine = make_engine(db)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM api_token")).mappings().one()
        audit = connection.execute(
            text("SELECT actor, action, entity_key FROM audit_event WHERE entity='api_token'")
        ).all()
    engine.dispose()
    assert stored["name"] == "crm-sync" and stored["token_hash"] == token_hash(token)
    assert token not in " ".join(str(v) for v in stored.values())
    assert stored["teams"] == "sales" and stored["read_only"]
    assert [tuple(a) for a in audit] == [("cli", "token.create", "crm-sync")]
    caller = _authenticate(db, token)
    assert caller.name == "crm-sync" and caller.scope.read_only


def test_list_shows_names_and_hints_never_tokens(db: str, capsys) -> None:
    assert main(["tokens", "list"]) == 0
    assert "No API tokens yet" in capsys.readouterr().out
    main(["tokens", "create", "--name", "crm-sync", "--kpi", "pipeline"])
    token = capsys.readouterr().out.strip()
    assert main(["tokens", "list"]) == 0
    listed = capsys.readouterr().out
    assert "crm-sync" in listed and token[:10] in listed and token not in listed
    assert "KPIs pipeline, read and write" in listed and "active" in listed


def test_revoke_stops_the_token_at_once(db: str, capsys) -> None:
    main(["tokens", "create", "--name", "crm-sync"])
    token = capsys.readouterr().out.strip()
    assert main(["tokens", "revoke", "crm-sync"]) == 0
    assert "Revoked" in capsys.readouterr().out
    with pytest.raises(Unauthenticated) as refused:
        _authenticate(db, token)
    assert "revoked" in str(refused.value)
    assert main(["tokens", "revoke", "crm-sync"]) == 0
    assert "already revoked" in capsys.readouterr().out
    main(["tokens", "list"])
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tokens", "create", "--name", "has space"], "not a usable token name"),
        (["tokens", "create", "--name", "x", "--team", "nope"], "No team has the key"),
        (["tokens", "create", "--name", "x", "--kpi", "nope"], "No KPI has the key 'nope'"),
        (["tokens", "revoke", "ghost"], "No token is called 'ghost'"),
    ],
)
def test_mistakes_are_explained_and_write_nothing(db: str, capsys, argv, message) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    engine = make_engine(db)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM api_token")).scalar_one() == 0
    engine.dispose()


def test_a_name_is_used_once(db: str, capsys) -> None:
    assert main(["tokens", "create", "--name", "crm-sync"]) == 0
    assert main(["tokens", "create", "--name", "crm-sync"]) == 2
    assert "exists already" in capsys.readouterr().err
