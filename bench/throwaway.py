"""Throwaway databases for the benches: a SQLite file, or a database on a PostgreSQL server
created for the run and dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url, text

from storage.db import make_engine


@contextmanager
def database(server_url: str | None) -> Iterator[str]:
    """A fresh database: a SQLite file, or a throwaway database on the PostgreSQL server."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="kpibot-bench-api-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    admin_url = make_url(server_url)
    name = f"kpibot_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
