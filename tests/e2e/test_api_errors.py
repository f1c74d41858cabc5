"""Every refusal of /api/v1 over real HTTP: the right status, a JSON error that says what was
wrong, the same checks and words as /kpi log, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.values import ValueParseError, parse_value

from .api_helpers import ApiHarness, start
from .conftest import ALICE, SALES
from .slack_text import text_of


@pytest.fixture
def api(slack_server, engine, monkeypatch) -> Iterator[ApiHarness]:
    yield from start(slack_server, engine, monkeypatch)


def _refused(api: ApiHarness, response, status: int, code: str, field: str | None) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"]
    return str(error["message"])


def _parse_error(text: str) -> str:
    with pytest.raises(ValueParseError) as caught:
        parse_value(text)
    return str(caught.value)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "carries no token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "carries no token"),
        ({"Authorization": "Bearer not-a-token"}, "not a kpibot API token"),
        ({"Authorization": "Bearer kpi_" + "A" * 43}, "not known"),
    ],
)
def test_no_usable_token_is_401(api: ApiHarness, headers: dict[str, str], why: str) -> None:
    api.token()
    before = api.counts()
    for method, path, payload in [
        ("POST", "/api/v1/values", {"kpi": "pipeline", "value": 1}),
        ("POST", "/api/v1/values:batch", {"values": [{"kpi": "pipeline", "value": 1}]}),
        ("GET", "/api/v1/kpis", None),
        ("GET", "/api/v1/kpis/pipeline", None),
        ("GET", "/api/v1/kpis/pipeline/values", None),
    ]:
        response = api.call(method, path, None, headers=headers, json=payload)
        assert why in _refused(api, response, 401, "unauthorized", "Authorization")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.counts() == before


def test_a_revoked_token_is_401_at_once(api: ApiHarness) -> None:
    token = api.token("crm-sync")
    assert api.call("GET", "/api/v1/kpis", token).status_code == 200
    api.revoke("crm-sync")
    before = api.counts()
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 1})
    assert "revoked" in _refused(api, response, 401, "unauthorized", "Authorization")
    assert api.call("GET", "/api/v1/kpis", token).status_code == 401
    assert api.counts() == before


def test_a_kpi_outside_the_scope_is_403(api: ApiHarness) -> None:
    marketing = api.token("mkt", teams=["marketing"])
    before = api.counts()
    response = api.call("POST", "/api/v1/values", marketing, json={"kpi": "pipeline", "value": 1})
    assert "may not reach KPI 'pipeline'" in _refused(api, response, 403, "forbidden", "kpi")
    for path in ("/api/v1/kpis/pipeline", "/api/v1/kpis/pipeline/values"):
        _refused(api, api.call("GET", path, marketing), 403, "forbidden", "kpi")
    batch = {"values": [{"kpi": "signups", "value": 10}, {"kpi": "churn", "value": 2}]}
    response = api.call("POST", "/api/v1/values:batch", marketing, json=batch)
    _refused(api, response, 403, "rows_refused", "values")
    assert [r["index"] for r in response.json()["rows"]] == [1]
    assert api.counts() == before
    ok = api.call("POST", "/api/v1/values", marketing, json={"kpi": "signups", "value": "420"})
    assert ok.status_code == 201, ok.text


def test_a_kpi_named_in_the_scope_is_reachable(api: ApiHarness) -> None:
    token = api.token("one-kpi", kpis=["churn"])
    assert (
        api.call("POST", "/api/v1/values", token, json={"kpi": "churn", "value": 3}).status_code
        == 201
    )
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "win-rate", "value": 3})
    _refused(api, response, 403, "forbidden", "kpi")


def test_a_read_only_token_reads_but_never_writes(api: ApiHarness) -> None:
    token = api.token("dashboards", read_only=True)
    assert api.call("GET", "/api/v1/kpis/pipeline", token).status_code == 200
    before = api.counts()
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 1})
    assert "read-only" in _refused(api, response, 403, "forbidden", None)
    batch = api.call(
        "POST", "/api/v1/values:batch", token, json={"values": [{"kpi": "pipeline", "value": 1}]}
    )
    _refused(api, batch, 403, "forbidden", None)
    assert api.counts() == before


def test_an_unknown_kpi_is_404(api: ApiHarness) -> None:
    token = api.token()
    before = api.counts()
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "pipline", "value": 1})
    assert "No KPI has the key 'pipline'" in _refused(api, response, 404, "not_found", "kpi")
    for path in ("/api/v1/kpis/nope", "/api/v1/kpis/nope/values"):
        _refused(api, api.call("GET", path, token), 404, "not_found", "kpi")
    assert api.counts() == before


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NaN", _parse_error("NaN")),
        ("inf", _parse_error("inf")),
        ("2e15", _parse_error("2e15")),
        ("lots", _parse_error("lots")),
        (-1e16, _parse_error(repr(-1e16))),
    ],
)
def test_a_bad_value_is_422_with_the_kpi_log_message(
    api: ApiHarness, value: object, expected: str
) -> None:
    token = api.token()
    before = api.counts()
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": value})
    assert _refused(api, response, 422, "invalid", "value") == expected
    assert api.counts() == before


def test_json_nan_and_infinity_literals_are_refused_too(api: ApiHarness) -> None:
    token = api.token()
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = '{"kpi": "pipeline", "value": ' + literal + "}"
        response = api.call(
            "POST",
            "/api/v1/values",
            token,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        _refused(api, response, 422, "invalid", "value")
    assert api.counts()["measurement"] == 0


def test_a_future_period_is_422_with_the_same_words_as_kpi_log(api: ApiHarness) -> None:
    token = api.token()
    response = api.call(
        "POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 1, "period": "2026-W50"}
    )
    message = _refused(api, response, 422, "invalid", "period")
    assert "has not started yet" in message
    slack = text_of(api.kpi("log pipeline 1 for 2026-W50", user=ALICE, channel=SALES))
    assert message in slack
    assert api.counts()["measurement"] == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kpi": "pipeline", "value": 1, "period": "week fifty"}, "period"),
        ({"kpi": "pipeline", "value": "€3k"}, "value"),  # a USD KPI
        ({"kpi": "pipeline", "value": True}, "value"),
        ({"kpi": "pipeline", "value": None}, "value"),
        ({"kpi": "pipeline"}, "value"),
        ({"kpi": 7, "value": 1}, "kpi"),
        ({"kpi": "pipeline", "value": 1, "note": "x" * 2001}, "note"),
        ({"kpi": "pipeline", "value": 1, "note": 5}, "note"),
        ({"kpi": "pipeline", "value": 1, "colour": "red"}, "colour"),
        ([1, 2], None),
    ],
)
def test_a_bad_request_is_422_and_names_the_field(
    api: ApiHarness, payload: object, field: str | None
) -> None:
    token = api.token()
    before = api.counts()
    response = api.call("POST", "/api/v1/values", token, json=payload)
    _refused(api, response, 422, "invalid", field)
    assert api.counts() == before


def test_a_body_that_is_not_json_is_422(api: ApiHarness) -> None:
    token = api.token()
    for path in ("/api/v1/values", "/api/v1/values:batch"):
        response = api.call("POST", path, token, content=b"kpi=pipeline&value=1")
        _refused(api, response, 422, "invalid_json", "body")
    response = api.call("POST", "/api/v1/values:batch", token, json={"rows": []})
    _refused(api, response, 422, "invalid", "values")


def test_a_bad_since_is_422(api: ApiHarness) -> None:
    token = api.token()
    response = api.call("GET", "/api/v1/kpis/pipeline/values?since=yesterdayish", token)
    assert "since" in _refused(api, response, 422, "invalid", "since")


def test_a_retired_kpi_takes_no_values(api: ApiHarness) -> None:
    token = api.token()
    api.kpi("retire churn no longer useful", user="U0ADMIN01", channel=SALES)
    response = api.call("POST", "/api/v1/values", token, json={"kpi": "churn", "value": 2})
    assert "retired" in _refused(api, response, 422, "invalid", "kpi")
    assert api.call("GET", "/api/v1/kpis/churn", token).json()["active"] is False


def test_a_body_over_a_megabyte_is_413(api: ApiHarness) -> None:
    token = api.token()
    big = {"kpi": "pipeline", "value": 1, "note": "x" * 1_100_000}
    for path in ("/api/v1/values", "/api/v1/values:batch"):
        response = api.call("POST", path, token, json=big)
        _refused(api, response, 413, "too_large", None)
    assert api.counts()["measurement"] == 0


def test_an_idempotency_key_too_long_is_422(api: ApiHarness) -> None:
    token = api.token()
    response = api.call(
        "POST",
        "/api/v1/values",
        token,
        json={"kpi": "pipeline", "value": 1},
        headers={"Idempotency-Key": "k" * 201},
    )
    _refused(api, response, 422, "invalid", "Idempotency-Key")
    assert api.counts()["measurement"] == 0


@pytest.fixture
def limited(slack_server, engine, monkeypatch) -> Iterator[ApiHarness]:
    yield from start(slack_server, engine, monkeypatch, rate_limit=3)


def test_past_the_rate_limit_is_429_with_retry_after(limited: ApiHarness) -> None:
    token, other = limited.token("busy"), limited.token("quiet")
    for week in (45, 46, 47):
        payload = {"kpi": "pipeline", "value": week, "period": f"2026-W{week}"}
        assert limited.call("POST", "/api/v1/values", token, json=payload).status_code == 201
    before = limited.counts()
    response = limited.call("POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 48})
    assert "too many requests" in _refused(limited, response, 429, "rate_limited", None)
    assert 1 <= int(response.headers["Retry-After"]) <= 20  # 3 a minute: one every 20 s
    assert limited.call("GET", "/api/v1/kpis", token).status_code == 429
    assert limited.counts() == before
    assert limited.call("GET", "/api/v1/kpis", other).status_code == 200  # per token
