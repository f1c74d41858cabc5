"""Engines, sessions and schema migrations, for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaBehind(RuntimeError):
    """The database schema is older (or newer) than this kpibot expects."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a
    pool that survives restarts of the server."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if in_memory:
            options["poolclass"] = StaticPool  # one shared connection, or each would be empty
        if not in_memory:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL lets readers go on while one writer writes; in-memory databases ignore it.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config_without_engine()).get_current_head()
    assert head is not None
    return head


def _alembic_config_without_engine() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply migrations up to `revision`; returns (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), revision)
    after = current_revision(engine)
    assert after is not None
    return before, after


def ensure_current(engine: Engine) -> None:
    """Refuse to run on a schema that is not exactly the one this code was written for."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaBehind("The database has no kpibot tables yet: run `kpibot migrate` first.")
    known = {
        rev.revision
        for rev in ScriptDirectory.from_config(_alembic_config_without_engine()).walk_revisions()
    }
    if current not in known:
        raise SchemaBehind(
            f"The database schema ({current}) is newer than this kpibot ({head}): "
            "upgrade kpibot before running it against this database."
        )
    raise SchemaBehind(
        f"The database schema is behind ({current}, this kpibot needs {head}): "
        "run `kpibot migrate`."
    )
