"""GET /api/v1/kpis, /kpis/{key}, /kpis/{key}/values and the OpenAPI document, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from bot.api.openapi import document
from bot.api.routes import Api
from commands.context import Policy

from .api_helpers import ApiHarness, start


@pytest.fixture
def api(slack_server, engine, monkeypatch) -> Iterator[ApiHarness]:
    yield from start(slack_server, engine, monkeypatch)


def test_kpis_lists_the_scope_with_definitions_and_status(api: ApiHarness) -> None:
    everything, marketing = api.token("all"), api.token("mkt", teams=["marketing"])
    api.call("POST", "/api/v1/values", everything, json={"kpi": "pipeline", "value": "1.2M"})
    listed = api.call("GET", "/api/v1/kpis", everything).json()["kpis"]
    assert [k["key"] for k in listed] == ["churn", "pipeline", "signups", "win-rate"]
    pipeline = next(k for k in listed if k["key"] == "pipeline")
    assert pipeline["team"] == "sales" and pipeline["goal"] == "pipeline-h1"
    assert pipeline["unit"] == "USD" and pipeline["target"] == 4000000
    assert pipeline["latest"]["value"] == 1200000 and pipeline["latest"]["via"] == "API token all"
    assert pipeline["status"] in ("on_track", "at_risk", "off_track")
    assert [k["key"] for k in api.call("GET", "/api/v1/kpis", marketing).json()["kpis"]] == [
        "signups"
    ]


def test_one_kpi_and_its_history_since(api: ApiHarness) -> None:
    token = api.token()
    rows = [
        {"kpi": "pipeline", "value": v, "period": p}
        for v, p in [(1.0e6, "2026-W45"), (1.1e6, "2026-W46"), (1.2e6, "2026-W47")]
    ]
    api.call("POST", "/api/v1/values:batch", token, json={"values": rows})
    api.kpi("log pipeline 1.3M", user="U0ALICE01", channel="C0SALES01")
    detail = api.call("GET", "/api/v1/kpis/Pipeline", token).json()
    assert detail["key"] == "pipeline" and detail["latest"]["period"] == "2026-W48"
    assert detail["latest"]["logged_by"] == "U0ALICE01" and detail["latest"]["via"] is None
    since = api.call("GET", "/api/v1/kpis/pipeline/values?since=2026-W46", token).json()
    assert since["since"] == "2026-11-09"
    assert [(v["period"], v["value"], v["source"]) for v in since["values"]] == [
        ("2026-W46", 1.1e6, "api"),
        ("2026-W47", 1.2e6, "api"),
        ("2026-W48", 1.3e6, "slack"),
    ]
    by_date = api.call("GET", "/api/v1/kpis/pipeline/values?since=2026-11-16", token).json()
    assert [v["period"] for v in by_date["values"]] == ["2026-W47", "2026-W48"]
    everything = api.call("GET", "/api/v1/kpis/pipeline/values", token).json()
    assert len(everything["values"]) == 4 and everything["since"] is None


def test_the_openapi_document_is_valid_and_served(api: ApiHarness) -> None:
    served = api.call("GET", "/api/v1/openapi.json", None)
    assert served.status_code == 200
    assert served.json() == document()
    validate(served.json())


def test_every_documented_operation_is_a_route_and_every_route_is_documented(engine) -> None:
    api = Api(engine, Policy(), lambda: None, per_minute=1)  # type: ignore[arg-type,return-value]
    served = {
        (route.path, method.lower())
        for route in api.routes()
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {
        (path, method) for path, operations in document()["paths"].items() for method in operations
    }
    assert served == documented


def test_unknown_paths_under_the_api_are_404(api: ApiHarness) -> None:
    token = api.token()
    assert api.call("GET", "/api/v1/nothing-here", token).status_code == 404
    assert api.call("DELETE", "/api/v1/values", token).status_code == 405
