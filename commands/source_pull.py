"""Pulling one number from a KPI's source for one period: SQL, HTTP JSON or a CSV export.

Every function returns a float or raises PullError whose message says in plain words what
went wrong (for the owner's DM) - never a stack trace or a secret. Nothing here stores,
schedules or retries: the caller decides what to do with the number or the error.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from core.cadence import Period
from core.sources import CsvSource, HttpSource, Source, SqlSource
from core.values import ValueParseError, parse_value

MAX_RESPONSE = 10_000_000  # bytes of JSON or CSV read from a source


class PullError(Exception):
    """The source gave no usable number; `message` is fit to show the KPI's owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pull(source: Source, period: Period, env: Mapping[str, str] | None = None) -> float:
    environment = os.environ if env is None else env
    if isinstance(source, SqlSource):
        return pull_sql(source, period, environment)
    if isinstance(source, HttpSource):
        return pull_http(source, period, environment)
    return pull_csv(source, period)


def period_params(period: Period) -> dict[str, Any]:
    """:period_start and :period_end (the day after the last, for `>= start and < end`)."""
    return {
        "period_start": period.start,
        "period_end": period.end + timedelta(days=1),
        "period_key": period.key,
    }


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or value is None:
        raise PullError(f"{where} gave {value!r}, not a number.")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = parse_value(value).number
        except ValueParseError as exc:
            raise PullError(f"{where} gave '{value[:80]}', not a number ({exc}).") from None
    else:
        raise PullError(f"{where} gave a {type(value).__name__}, not a number.")
    if not math.isfinite(number):
        raise PullError(f"{where} gave {number}, not a usable number.")
    return number


# --- SQL ---------------------------------------------------------------------------------------


def pull_sql(source: SqlSource, period: Period, env: Mapping[str, str]) -> float:
    url = env.get(source.url_env, "").strip()
    if not url:
        raise PullError(
            f"The environment variable {source.url_env} (the database URL) is not set where "
            "kpibot runs."
        )
    if url.startswith("sqlite:///") and not os.path.exists(url.removeprefix("sqlite:///")):
        raise PullError(f"The SQLite database that {source.url_env} names does not exist.")
    try:
        engine = create_engine(url, poolclass=NullPool, **_connect_args(url, source.timeout))
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise PullError(
            f"{source.url_env} is not a usable database URL ({type(exc).__name__})."
        ) from None
    try:
        with engine.connect() as connection:
            _read_only(connection, source.timeout)
            rows = connection.execute(text(source.query), period_params(period)).all()
            connection.rollback()
    except DBAPIError as exc:
        if _timed_out(exc):
            raise PullError(
                f"The query took longer than {source.timeout} s and was stopped."
            ) from None
        raise PullError(f"The database refused the query: {_first_line(exc.orig)}") from None
    except SQLAlchemyError as exc:
        raise PullError(f"The query failed: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    if len(rows) != 1 or len(rows[0]) != 1:
        shape = f"{len(rows)} rows" if len(rows) != 1 else f"{len(rows[0])} columns"
        raise PullError(f"The query must return exactly one number; it returned {shape}.")
    return _number(rows[0][0], "The query")


def _connect_args(url: str, timeout: int) -> dict[str, Any]:
    if url.startswith("postgresql"):
        return {"connect_args": {"connect_timeout": timeout}}
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": timeout}}
    return {}


def _read_only(connection: Connection, timeout: int) -> None:
    """Writes fail and long statements stop, whatever the query says."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout) * 1000}")
    elif dialect == "sqlite":
        raw = connection.connection.driver_connection
        connection.exec_driver_sql("PRAGMA query_only = ON")
        deadline = time.monotonic() + timeout
        # SQLite has no statement timeout: a progress handler interrupts a query past it.
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)  # type: ignore[union-attr]
    elif dialect == "mysql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET SESSION max_execution_time = {int(timeout) * 1000}")


def _timed_out(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return (
        "statement timeout" in message
        or "interrupted" in message
        or "max_execution_time" in message
    )


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or ["unknown error"])[0][:300]


# --- HTTP JSON and CSV -------------------------------------------------------------------------


def _fetch(url: str, timeout: int, headers: Mapping[str, str] | None = None) -> bytes:
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            response = client.get(url, headers=dict(headers or {}))
    except httpx.TimeoutException:
        raise PullError(f"{url} did not answer within {timeout} s.") from None
    except httpx.HTTPError as exc:
        raise PullError(f"Could not reach {url} ({type(exc).__name__}).") from None
    if response.status_code >= 400:
        raise PullError(f"{url} answered HTTP {response.status_code}.")
    if len(response.content) > MAX_RESPONSE:
        raise PullError(f"{url} sent more than {MAX_RESPONSE:,} bytes.")
    return response.content


def _headers(source: HttpSource, env: Mapping[str, str]) -> dict[str, str]:
    """Headers from the variable named in headers_env: a JSON object of name -> value."""
    if source.headers_env is None:
        return {}
    raw = env.get(source.headers_env)
    if not raw:
        raise PullError(f"The environment variable {source.headers_env} (the headers) is not set.")
    try:
        headers = json.loads(raw)
    except ValueError:
        headers = None
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise PullError(
            f"{source.headers_env} must hold a JSON object of header names and values, like "
            '{"Authorization": "Bearer ..."}.'
        )
    return {str(k): v for k, v in headers.items()}


def pull_http(source: HttpSource, period: Period, env: Mapping[str, str]) -> float:
    url = source.url.replace("{period_key}", period.key)
    try:
        document = json.loads(_fetch(url, source.timeout, _headers(source, env)))
    except ValueError:
        raise PullError(f"{url} did not send JSON.") from None
    node: Any = document
    walked: list[str] = []
    for part in source.path.split("."):
        walked.append(part)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif (
            isinstance(node, list)
            and part.lstrip("-").isdigit()
            and -len(node) <= int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            raise PullError(f"The JSON from {url} has nothing at '{'.'.join(walked)}'.")
    return _number(node, f"'{source.path}' in the JSON from {url}")


def pull_csv(source: CsvSource, period: Period) -> float:
    url = source.url.replace("{period_key}", period.key)
    raw = _fetch(url, source.timeout)
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PullError(f"{url} is not readable CSV ({exc}).") from None
    if source.cell is not None:
        row, column = source.cell
        if row >= len(rows) or column >= len(rows[row]):
            name = _cell_name(row, column)
            raise PullError(f"The CSV from {url} has no cell {name} (it has {len(rows)} rows).")
        return _number(rows[row][column], f"Cell {_cell_name(row, column)} of {url}")
    assert source.row is not None
    assert source.column is not None
    wanted_column = source.column.replace("{period_key}", period.key)
    header = [h.strip() for h in rows[0]] if rows else []
    if wanted_column not in header:
        raise PullError(f"The CSV from {url} has no column '{wanted_column}' in its first row.")
    index = header.index(wanted_column)
    for row_cells in rows[1:]:
        if row_cells and row_cells[0].strip() == source.row:
            if index >= len(row_cells):
                break
            return _number(
                row_cells[index], f"Row '{source.row}', column '{wanted_column}' of {url}"
            )
    raise PullError(f"The CSV from {url} has no row '{source.row}' with a '{wanted_column}' cell.")


def _cell_name(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{row + 1}"
