"""Pulling a KPI's number from a real database (SQLite and PostgreSQL, filled by the test)
and from a local HTTP server the test starts (JSON and CSV)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, text

from commands.source_pull import PullError, period_params, pull
from core.cadence import parse_period
from core.kinds import Cadence
from core.sources import CsvSource, HttpSource, SqlSource, parse_cell
from tests.commands.source_site import Site

W48 = parse_period(Cadence.WEEKLY, "2026-W48")  # 23-29 Nov 2026


# --- SQL ---------------------------------------------------------------------------------------


@pytest.fixture
def deals(engine: Engine) -> Iterator[str]:
    """A deals table in the test database: three deals in week 48, one before, one after."""
    table = f"deals_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {table} (amount NUMERIC, closed_at DATE, note TEXT)")
        )
        connection.execute(
            text(f"INSERT INTO {table} VALUES (:a, :d, :n)"),  # noqa: S608
            [
                {"a": 100, "d": date(2026, 11, 22), "n": "before"},
                {"a": 1000, "d": date(2026, 11, 23), "n": "first day"},
                {"a": 2000.5, "d": date(2026, 11, 26), "n": "middle"},
                {"a": 300, "d": date(2026, 11, 29), "n": "last day"},
                {"a": 9999, "d": date(2026, 11, 30), "n": "after"},
            ],
        )
    yield table
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {table}"))


def _sql(engine: Engine, query: str, timeout: int = 5) -> tuple[SqlSource, dict[str, str]]:
    url = engine.url.render_as_string(hide_password=False)
    return SqlSource("WAREHOUSE_URL", query, timeout), {"WAREHOUSE_URL": url}


def test_the_period_parameters_bound_the_period() -> None:
    assert period_params(W48) == {
        "period_start": date(2026, 11, 23),
        "period_end": date(2026, 11, 30),
        "period_key": "2026-W48",
    }


def test_a_sum_over_the_period(engine: Engine, deals: str) -> None:
    source, env = _sql(
        engine,
        f"select sum(amount) from {deals} where closed_at >= :period_start "  # noqa: S608
        "and closed_at < :period_end",
    )
    assert pull(source, W48, env) == 3300.5


def test_the_period_key_is_a_parameter_too(engine: Engine, deals: str) -> None:
    source, env = _sql(engine, f"select count(*) from {deals} where :period_key = '2026-W48'")  # noqa: S608
    assert pull(source, W48, env) == 5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("select amount from {t}", "exactly one number; it returned 5 rows"),
        ("select amount, note from {t} where note = 'middle'", "it returned 2 columns"),
        ("select amount from {t} where note = 'nothing'", "it returned 0 rows"),
        ("select sum(amount) from {t} where note = 'nothing'", "gave None, not a number"),
        ("select note from {t} where note = 'middle'", "gave 'middle', not a number"),
        ("select amount from no_such_table", "The database refused the query"),
        ("selec 1", "The database refused the query"),
    ],
)
def test_a_query_that_gives_no_single_number_is_a_clear_error(
    engine: Engine, deals: str, query: str, message: str
) -> None:
    source, env = _sql(engine, query.format(t=deals))
    with pytest.raises(PullError, match=message):
        pull(source, W48, env)


def test_the_query_cannot_write(engine: Engine, deals: str) -> None:
    for statement in (f"delete from {deals}", f"insert into {deals} values (1, '2026-11-24', 'x')"):  # noqa: S608
        source, env = _sql(engine, statement)
        with pytest.raises(PullError, match="refused"):
            pull(source, W48, env)
    with engine.connect() as connection:
        assert connection.execute(text(f"select count(*) from {deals}")).scalar_one() == 5  # noqa: S608


def test_a_slow_query_is_stopped_at_the_timeout(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        slow = "select 1 from pg_sleep(5)"
    else:  # a long recursive count: SQLite has no sleep
        slow = (
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000000) "
            "select count(*) from n"
        )
    source, env = _sql(engine, slow, timeout=1)
    with pytest.raises(PullError, match="longer than 1 s and was stopped"):
        pull(source, W48, env)


def test_a_missing_or_bad_database_url_is_explained(tmp_path) -> None:
    source = SqlSource("WAREHOUSE_URL", "select 1")
    with pytest.raises(PullError, match=r"WAREHOUSE_URL .* is not set"):
        pull(source, W48, {})
    with pytest.raises(PullError, match="does not exist"):
        pull(source, W48, {"WAREHOUSE_URL": f"sqlite:///{tmp_path}/nothing.sqlite3"})
    with pytest.raises(PullError, match="not a usable database URL"):
        pull(source, W48, {"WAREHOUSE_URL": "not a url"})


# --- HTTP: JSON and CSV ------------------------------------------------------------------------


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.stop()


def test_a_number_at_a_json_path(site: Site) -> None:
    site.json("/crm/2026-W48", {"data": {"total": 1200000, "rows": [{"v": "12.5%"}]}})
    total = HttpSource(f"{site.url}/crm/{{period_key}}", "data.total", "CRM_HEADERS")
    env = {"CRM_HEADERS": '{"Authorization": "Bearer crm-secret"}'}
    assert pull(total, W48, env) == 1200000
    assert site.seen_headers[-1]["Authorization"] == "Bearer crm-secret"
    assert pull(HttpSource(f"{site.url}/crm/2026-W48", "data.rows.0.v"), W48) == 12.5


@pytest.mark.parametrize(
    ("page", "path", "message"),
    [
        ({"data": {}}, "data.total", "nothing at 'data.total'"),
        ({"data": {"total": "lots"}}, "data.total", "gave 'lots', not a number"),
        ({"data": {"total": None}}, "data.total", "gave None"),
        ({"data": {"total": True}}, "data.total", "gave True"),
        ({"data": [1]}, "data.3", "nothing at 'data.3'"),
        ({"data": {"total": {"a": 1}}}, "data.total", "gave a dict"),
    ],
)
def test_json_without_a_number_there_is_a_clear_error(
    site: Site, page: object, path: str, message: str
) -> None:
    site.json("/x", page)
    with pytest.raises(PullError, match=message):
        pull(HttpSource(f"{site.url}/x", path), W48, {})


def test_http_failures_are_clear_errors(site: Site) -> None:
    site.json("/broken", {"error": "db down"}, status=500)
    site.pages["/html"] = (200, "text/html", b"<html>")
    cases = [
        (HttpSource(f"{site.url}/broken", "a"), {}, "answered HTTP 500"),
        (HttpSource(f"{site.url}/html", "a"), {}, "did not send JSON"),
        (HttpSource(f"{site.url}/slow", "a", timeout=1), {}, "did not answer within 1 s"),
        (HttpSource(f"{site.url}/x", "a", "CRM_HEADERS"), {}, r"CRM_HEADERS .* is not set"),
        (HttpSource(f"{site.url}/x", "a", "CRM_HEADERS"), {"CRM_HEADERS": "x"}, "JSON object"),
        (HttpSource("http://127.0.0.1:9/", "a", timeout=2), {}, "Could not reach"),
    ]
    for source, env, message in cases:
        with pytest.raises(PullError, match=message):
            pull(source, W48, env)


SHEET = """Metric,2026-W47,2026-W48
Pipeline,"$1,100,000","$1,200,000"
Win rate,21%,23%
Empty,,
"""


def test_a_csv_cell_and_a_row_column_lookup(site: Site) -> None:
    site.csv("/sheet.csv", SHEET)
    assert pull(CsvSource(f"{site.url}/sheet.csv", cell=parse_cell("C2")), W48) == 1200000
    assert pull(CsvSource(f"{site.url}/sheet.csv", cell=parse_cell("b3")), W48) == 21
    lookup = CsvSource(f"{site.url}/sheet.csv", row="Win rate", column="{period_key}")
    assert pull(lookup, W48) == 23


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (CsvSource("/sheet.csv", cell=(9, 0)), "no cell A10"),
        (CsvSource("/sheet.csv", cell=(0, 26)), "no cell AA1"),
        (CsvSource("/sheet.csv", cell=(0, 0)), "Cell A1 .* gave 'Metric', not a number"),
        (CsvSource("/sheet.csv", cell=(3, 1)), "Cell B4 .* gave '', not a number"),
        (CsvSource("/sheet.csv", row="Churn", column="2026-W48"), "no row 'Churn'"),
        (CsvSource("/sheet.csv", row="Pipeline", column="2026-W50"), "no column '2026-W50'"),
        (CsvSource("/missing.csv", cell=(1, 1)), "answered HTTP 404"),
    ],
)
def test_csv_without_a_number_there_is_a_clear_error(
    site: Site, source: CsvSource, message: str
) -> None:
    site.csv("/sheet.csv", SHEET)
    located = CsvSource(site.url + source.url, source.cell, source.row, source.column)
    with pytest.raises(PullError, match=message):
        pull(located, W48)
