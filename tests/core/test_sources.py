"""The `source:` field of a KPI in the config file."""

from __future__ import annotations

import pytest

from core.sources import CsvSource, HttpSource, SourceError, SqlSource, parse_cell, parse_source


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"sql": {"url_env": "WAREHOUSE_URL", "query": "select 1"}},
            SqlSource("WAREHOUSE_URL", "select 1", 30),
        ),
        (
            {"sql": {"url_env": "WAREHOUSE_URL", "query": "select 1", "timeout": 5}},
            SqlSource("WAREHOUSE_URL", "select 1", 5),
        ),
        (
            {"http": {"url": "https://crm.example.com/t", "path": "data.total"}},
            HttpSource("https://crm.example.com/t", "data.total"),
        ),
        (
            {"http": {"url": "https://x.io/", "path": "a", "headers_env": "CRM_HEADERS"}},
            HttpSource("https://x.io/", "a", "CRM_HEADERS"),
        ),
        (
            {"csv": {"url": "https://x.io/s.csv", "cell": "B7"}},
            CsvSource("https://x.io/s.csv", (6, 1)),
        ),
        (
            {"csv": {"url": "https://x.io/s.csv", "row": "Pipeline", "column": "{period_key}"}},
            CsvSource("https://x.io/s.csv", row="Pipeline", column="{period_key}"),
        ),
    ],
)
def test_good_sources(raw: object, expected: object) -> None:
    assert parse_source(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("sql", "exactly one of sql, http or csv"),
        ({"sql": {}, "http": {}}, "exactly one of sql, http or csv"),
        ({"ftp": {"url": "x"}}, "'ftp' is not a source kind"),
        ({"sql": "select 1"}, "expected a mapping"),
        ({"sql": {"query": "select 1"}}, "source.sql.url_env: required"),
        (
            {"sql": {"url_env": "postgresql://u:p@h/db", "query": "x"}},
            "not an environment variable",
        ),
        ({"sql": {"url_env": "WAREHOUSE_URL"}}, "source.sql.query: required"),
        (
            {"sql": {"url_env": "W", "query": "x", "url": "postgresql://"}},
            "source.sql.url: unknown",
        ),
        ({"sql": {"url_env": "W", "query": "x", "timeout": 0}}, "timeout: seconds, from 1"),
        ({"sql": {"url_env": "W", "query": "x", "timeout": True}}, "timeout: seconds"),
        ({"http": {"url": "ftp://x", "path": "a"}}, "expected an http\\(s\\) URL"),
        ({"http": {"url": "https://x.io"}}, "source.http.path: required"),
        ({"http": {"url": "https://x.io", "path": "a", "headers": "k"}}, "headers: unknown"),
        ({"csv": {"url": "https://x.io"}}, "give cell \\(like B7\\), or both row and column"),
        ({"csv": {"url": "https://x.io", "row": "Pipeline"}}, "both row and column"),
        ({"csv": {"url": "https://x.io", "cell": "B7", "row": "x"}}, "not both"),
        ({"csv": {"url": "https://x.io", "cell": "7B"}}, "'7B' is not a cell like B7"),
        ({"csv": {"url": "https://x.io", "cell": "B0"}}, "not a cell"),
    ],
)
def test_bad_sources_say_what_to_write(raw: object, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_source(raw)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("A1", (0, 0)), ("B7", (6, 1)), ("z10", (9, 25)), ("AA1", (0, 26)), ("AZ3", (2, 51))],
)
def test_cells(cell: str, expected: tuple[int, int]) -> None:
    assert parse_cell(cell) == expected
