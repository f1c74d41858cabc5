"""Where a KPI's value can be pulled from: the `source:` field of a KPI in the config file.

    source: {sql: {url_env: WAREHOUSE_URL, query: "select sum(amount) from deals where ..."}}
    source: {http: {url: https://..., headers_env: CRM_HEADERS, path: data.total}}
    source: {csv: {url: https://..., cell: B7}}
    source: {csv: {url: https://..., row: Pipeline, column: "{period_key}"}}

Secrets never appear here: a database URL or HTTP headers are named by an environment variable.
Parsing is pure; commands.source_pull does the pulling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
MAX_TIMEOUT = 300
# Measurement.source of pulled values; UNCONFIRMED until the owner of a `confirm: true` KPI
# confirms it (it does not count as logged for reminders, and digests mark it).
PULLED, UNCONFIRMED = "pulled", "pulled-unconf"
DEFAULT_TIMEOUT = 30


class SourceError(ValueError):
    """A `source:` that cannot be used; the message names the field and what to write."""


@dataclass(frozen=True)
class SqlSource:
    url_env: str
    query: str
    timeout: int = DEFAULT_TIMEOUT  # seconds, for the statement and the connection


@dataclass(frozen=True)
class HttpSource:
    url: str
    path: str
    headers_env: str | None = None
    timeout: int = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class CsvSource:
    url: str
    cell: tuple[int, int] | None = None  # (row, column), both from 0
    row: str | None = None  # or: the row whose first cell is this...
    column: str | None = None  # ...and the column whose header is this ({period_key} allowed)
    timeout: int = DEFAULT_TIMEOUT


Source = SqlSource | HttpSource | CsvSource


def parse_source(raw: object) -> Source:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise SourceError("source: give exactly one of sql, http or csv, like {sql: {...}}")
    ((kind, fields),) = raw.items()
    if not isinstance(fields, Mapping):
        raise SourceError(f"source.{kind}: expected a mapping of settings")
    parsers: dict[str, Callable[[dict[str, object]], Source]] = {
        "sql": _sql,
        "http": _http,
        "csv": _csv,
    }
    if kind not in parsers:
        raise SourceError(f"source: '{kind}' is not a source kind; use sql, http or csv")
    allowed = {"sql": {"url_env", "query", "timeout"},
               "http": {"url", "path", "headers_env", "timeout"},
               "csv": {"url", "cell", "row", "column", "timeout"}}[kind]  # fmt: skip
    unknown = sorted(set(map(str, fields)) - allowed)
    if unknown:
        raise SourceError(
            f"source.{kind}.{unknown[0]}: unknown setting; use {', '.join(sorted(allowed))}"
        )
    return parsers[kind](dict(fields))


def _text(fields: dict[str, object], kind: str, name: str, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise SourceError(f"source.{kind}.{name}: required, as text")
    return str(value).strip()


def _env(fields: dict[str, object], kind: str, name: str, *, required: bool = True) -> str | None:
    value = _text(fields, kind, name, required=required)
    if value is not None and not ENV_NAME.match(value):
        raise SourceError(
            f"source.{kind}.{name}: '{value}' is not an environment variable name (like "
            "WAREHOUSE_URL); secrets come from the environment, never from this file"
        )
    return value


def _timeout(fields: dict[str, object], kind: str) -> int:
    value = fields.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TIMEOUT:
        raise SourceError(f"source.{kind}.timeout: seconds, from 1 to {MAX_TIMEOUT}")
    return value


def _url(fields: dict[str, object], kind: str) -> str:
    url = _text(fields, kind, "url")
    assert url is not None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SourceError(f"source.{kind}.url: expected an http(s) URL, got '{url}'")
    return url


def _sql(fields: dict[str, object]) -> SqlSource:
    url_env, query = _env(fields, "sql", "url_env"), _text(fields, "sql", "query")
    assert url_env is not None
    assert query is not None
    return SqlSource(url_env, query, _timeout(fields, "sql"))


def _http(fields: dict[str, object]) -> HttpSource:
    path = _text(fields, "http", "path")
    assert path is not None
    return HttpSource(
        _url(fields, "http"), path, _env(fields, "http", "headers_env", required=False),
        _timeout(fields, "http"),
    )  # fmt: skip


def _csv(fields: dict[str, object]) -> CsvSource:
    url, timeout = _url(fields, "csv"), _timeout(fields, "csv")
    cell = _text(fields, "csv", "cell", required=False)
    row = _text(fields, "csv", "row", required=False)
    column = _text(fields, "csv", "column", required=False)
    if cell is not None and (row is not None or column is not None):
        raise SourceError("source.csv: give either cell (like B7) or row and column, not both")
    if cell is not None:
        return CsvSource(url, cell=parse_cell(cell), timeout=timeout)
    if row is None or column is None:
        raise SourceError("source.csv: give cell (like B7), or both row and column")
    return CsvSource(url, row=row, column=column, timeout=timeout)


def parse_cell(text: str) -> tuple[int, int]:
    """A spreadsheet reference like B7 as (row, column) from 0: (6, 1)."""
    match = CELL.match(text.strip().upper())
    if not match:
        raise SourceError(f"source.csv.cell: '{text}' is not a cell like B7")
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + (ord(letter) - ord("A") + 1)
    return int(digits) - 1, column - 1


def cell_name(row: int, column: int) -> str:
    """(6, 1) -> B7: the inverse of :func:`parse_cell`."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{row + 1}"


def source_fields(source: Source) -> dict[str, dict[str, object]]:
    """A source as the config file writes it (defaults left out); parse_source reads it back."""
    if isinstance(source, SqlSource):
        kind, fields = "sql", {"url_env": source.url_env, "query": source.query}
    elif isinstance(source, HttpSource):
        kind, fields = "http", {"url": source.url, "path": source.path}
        if source.headers_env:
            fields["headers_env"] = source.headers_env
    else:
        kind, fields = "csv", {"url": source.url}
        if source.cell is not None:
            fields["cell"] = cell_name(*source.cell)
        else:
            fields["row"], fields["column"] = str(source.row), str(source.column)
    settings: dict[str, object] = dict(fields)
    if source.timeout != DEFAULT_TIMEOUT:
        settings["timeout"] = source.timeout
    return {kind: settings}


def source_name(source: Source) -> str:
    """How messages name a source: *sql*, *http* or *csv*."""
    return (
        "sql"
        if isinstance(source, SqlSource)
        else "http"
        if isinstance(source, HttpSource)
        else "csv"
    )
