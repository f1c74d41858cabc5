"""POST /api/v1/values and :batch over real HTTP: stored like /kpi log, idempotent, all or
nothing, and shown as coming from the token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from .api_helpers import ApiHarness, start
from .conftest import ALICE, SALES
from .reminder_helpers import MONDAY_10_NY, make_job, reminder_dms
from .reminder_helpers import text_of as reminder_text
from .slack_text import text_of


@pytest.fixture
def api(slack_server, engine, monkeypatch) -> Iterator[ApiHarness]:
    yield from start(slack_server, engine, monkeypatch)


def _rows(api: ApiHarness, sql: str) -> list[tuple[object, ...]]:
    with api.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql))]


def test_a_value_is_stored_like_kpi_log_and_shows_its_token(api: ApiHarness) -> None:
    token = api.token("crm-sync")
    response = api.call(
        "POST",
        "/api/v1/values",
        token,
        json={"kpi": "pipeline", "value": 1200000, "note": "from CRM"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kpi"] == "pipeline" and body["period"] == "2026-W48"
    assert body["value"] == 1200000 and body["note"] == "from CRM" and body["version"] == 1
    assert body["status"] in ("on_track", "at_risk", "off_track")
    assert _rows(api, "SELECT value, source, logged_by FROM measurement") == [
        (1200000.0, "api", "api:crm-sync")
    ]
    assert _rows(
        api, "SELECT actor, action, entity_key FROM audit_event WHERE action='value.log'"
    ) == [("api:crm-sync", "value.log", "pipeline")]
    card = text_of(api.kpi("show pipeline", user=ALICE, channel=SALES))
    assert "via API token *crm-sync*" in card


def test_the_same_body_twice_writes_once(api: ApiHarness) -> None:
    token = api.token()
    payload = {"kpi": "pipeline", "value": "1.2M", "period": "2026-W47"}
    first = api.call("POST", "/api/v1/values", token, json=payload)
    before = api.counts()
    second = api.call("POST", "/api/v1/values", token, json=payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["value"] == 1200000 and second.json()["period"] == "2026-W47"
    assert api.counts() == before


def test_an_edit_keeps_the_earlier_value_in_history(api: ApiHarness) -> None:
    token = api.token()
    api.call("POST", "/api/v1/values", token, json={"kpi": "win-rate", "value": "21%"})
    edited = api.call("POST", "/api/v1/values", token, json={"kpi": "win-rate", "value": 23})
    assert edited.status_code == 201 and edited.json()["version"] == 2
    assert edited.json()["replaced"] == "21%"
    assert _rows(api, "SELECT value, logged_by FROM measurement_revision") == [
        (21.0, "api:crm-sync")
    ]
    history = api.call("GET", "/api/v1/kpis/win-rate/values", token).json()["values"]
    assert [(v["value"], v["via"], v["version"]) for v in history] == [
        (23.0, "API token crm-sync", 2)
    ]


def test_idempotency_key_replays_the_first_answer(api: ApiHarness) -> None:
    token = api.token()
    key = {"Idempotency-Key": "sync-2026-11-26-pipeline"}
    payload = {"kpi": "pipeline", "value": 900000}
    first = api.call("POST", "/api/v1/values", token, json=payload, headers=key)
    before = api.counts()
    again = api.call("POST", "/api/v1/values", token, json=payload, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.counts() == before


def test_an_idempotency_key_reused_for_another_body_is_refused(api: ApiHarness) -> None:
    token = api.token()
    key = {"Idempotency-Key": "once"}
    api.call("POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 1}, headers=key)
    before = api.counts()
    reused = api.call(
        "POST", "/api/v1/values", token, json={"kpi": "pipeline", "value": 2}, headers=key
    )
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert reused.json()["error"]["field"] == "Idempotency-Key"
    assert api.counts() == before
    assert _rows(api, "SELECT value FROM measurement") == [(1.0,)]


def test_keys_are_per_token(api: ApiHarness) -> None:
    one, other = api.token("one"), api.token("other")
    key = {"Idempotency-Key": "shared-name"}
    a = api.call("POST", "/api/v1/values", one, json={"kpi": "pipeline", "value": 5}, headers=key)
    b = api.call("POST", "/api/v1/values", other, json={"kpi": "churn", "value": 3}, headers=key)
    assert (a.status_code, b.status_code) == (201, 201)


def test_a_batch_is_stored_whole(api: ApiHarness) -> None:
    token = api.token()
    rows = [
        {"kpi": "pipeline", "value": 1000000, "period": "2026-W46"},
        {"kpi": "pipeline", "value": "1.1M", "period": "2026-W47"},
        {"kpi": "churn", "value": "3.5%", "period": "2026-10", "note": "October"},
    ]
    response = api.call("POST", "/api/v1/values:batch", token, json={"values": rows})
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 3
    assert [v["period"] for v in response.json()["values"]] == ["2026-W46", "2026-W47", "2026-10"]
    again = api.call("POST", "/api/v1/values:batch", token, json={"values": rows})
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    assert [v["value"] for v in again.json()["values"]] == [1000000, 1100000, 3.5]
    assert api.counts()["measurement_revision"] == 0


def test_a_batch_with_one_bad_row_stores_nothing_and_names_every_bad_row(api: ApiHarness) -> None:
    token = api.token()
    before = api.counts()
    rows = [
        {"kpi": "pipeline", "value": 1000000, "period": "2026-W46"},
        {"kpi": "pipeline", "value": "lots", "period": "2026-W47"},
        {"kpi": "churn", "value": 2},
        {"kpi": "pipeline", "value": 5, "period": "2027-W10"},
    ]
    response = api.call("POST", "/api/v1/values:batch", token, json={"values": rows})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "rows_refused"
    assert "2 of 4" in body["error"]["message"] and "nothing was stored" in body["error"]["message"]
    assert [(r["index"], r["field"]) for r in body["rows"]] == [(1, "value"), (3, "period")]
    assert api.counts() == before


def test_a_batch_over_the_limit_is_refused_as_too_large(api: ApiHarness) -> None:
    token = api.token()
    rows = [{"kpi": "pipeline", "value": i, "period": "2026-W40"} for i in range(1001)]
    response = api.call("POST", "/api/v1/values:batch", token, json={"values": rows})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_many_rows"
    assert api.counts()["measurement"] == 0


def test_a_batch_of_a_thousand_rows_fits(api: ApiHarness) -> None:
    token = api.token()
    rows = [
        {
            "kpi": ("pipeline", "signups")[i % 2],
            "value": i,
            "period": f"2026-W{i // 2 % 48 + 1:02d}",
        }
        for i in range(1000)
    ]
    response = api.call("POST", "/api/v1/values:batch", token, json={"values": rows}, timeout=180)
    assert response.status_code == 201, response.text[:500]
    assert response.json()["created"] == 1000
    counts = api.counts()
    assert counts["measurement"] == 96  # 48 weeks of two KPIs; the later rows edit them
    assert counts["measurement_revision"] == 1000 - 96


def test_a_value_sent_through_the_api_answers_the_owners_reminder(
    api: ApiHarness, slack_server
) -> None:
    job = make_job(api.engine, slack_server, api.workspace, api.runtime.policy)
    job.run(MONDAY_10_NY)
    api.clock[0] = MONDAY_10_NY + timedelta(hours=1)
    token = api.token()
    payload = {"kpi": "pipeline", "value": "1.25M", "period": "2026-W48"}
    assert api.call("POST", "/api/v1/values", token, json=payload).status_code == 201
    dm = api.wait(
        lambda: [m for m in reminder_dms(api.workspace, ALICE) if "Logged" in reminder_text(m)]
    )
    assert "$1.25M" in reminder_text(dm[0])
