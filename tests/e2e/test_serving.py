"""Slack's rules for apps: signatures, fast acks, retries, rate limits, errors after ack."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from commands import kpis

from .conftest import ALICE, LEAD, SALES, Harness
from .slack_text import blocks_of, text_of


def test_health_check(harness: Harness) -> None:
    url = harness.driver.app_url.replace("/slack/events", "/healthz")
    response = httpx.get(url, trust_env=False)
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_bad_signature_and_stale_timestamp_are_refused(harness: Harness) -> None:
    harness.driver.signing_secret = "not-the-secret"
    assert harness.driver.command(ALICE, "mine", channel_id=SALES).status_code == 401
    harness.driver.signing_secret = "e2e-signing-secret"
    harness.driver.timestamp_skew = -600  # Slack's window is five minutes
    assert harness.driver.command(ALICE, "mine", channel_id=SALES).status_code == 401
    harness.drain()
    assert harness.workspace.ephemerals_for(ALICE) == []


def test_url_verification(harness: Harness) -> None:
    response = harness.driver.url_verification("challenge-token")
    assert response.json() == {"challenge": "challenge-token"}


def test_twenty_concurrent_slow_commands_are_all_acked_fast(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mine = kpis.mine

    def slow_mine(ctx):  # the work after ack takes a second
        time.sleep(1.0)
        return real_mine(ctx)

    monkeypatch.setattr(kpis, "mine", slow_mine)

    def timed(_: int) -> tuple[int, float]:
        started = time.perf_counter()
        response = harness.driver.command(ALICE, "mine", channel_id=SALES)
        return response.status_code, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(timed, range(20)))
    assert all(status == 200 for status, _ in results)
    assert max(elapsed for _, elapsed in results) < 3.0, results
    harness.wait(lambda: len(harness.workspace.ephemerals_for(ALICE)) == 20, timeout=20)


def test_an_error_after_ack_still_answers_the_user(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(kpis, "mine", broken)
    reply = harness.kpi("mine")
    body = text_of(reply)
    assert "something went wrong" in body and "reference" in body
    assert "database on fire" not in body


def test_event_retries_are_processed_once(harness: Harness) -> None:
    harness.driver.event(
        {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D1"},
        event_id="Ev0RETRY01",
    )
    harness.wait(lambda: harness.workspace.home_for(ALICE))
    for attempt in (1, 2):
        response = harness.driver.event(
            {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D1"},
            event_id="Ev0RETRY01",
            retry_num=attempt,
            retry_reason="http_timeout",
        )
        assert response.status_code == 200
    harness.drain()  # a retry that slipped through would have published by now
    assert len(harness.workspace.calls_to("views.publish")) == 1


def test_home_tab_lists_my_kpis_with_log_buttons(harness: Harness) -> None:
    harness.driver.app_home_opened(ALICE)
    home = harness.wait(lambda: harness.workspace.home_for(ALICE))
    body = json.dumps(home.definition["blocks"])
    assert "Qualified pipeline" in body and "Win rate" in body and "log_open" in body
    assert "Grow ARR" in body


def test_rate_limited_upload_is_waited_out(harness: Harness) -> None:
    harness.workspace.rate_limit("files.completeUploadExternal", times=1, retry_after=1)
    reply = harness.kpi("show pipeline")
    assert any(b["type"] == "image" for b in blocks_of(reply))
    assert len(harness.workspace.calls_to("files.completeUploadExternal")) == 2


def test_share_without_membership_explains_how_to_fix(harness: Harness) -> None:
    harness.workspace.set_bot_membership(SALES, False)
    harness.send("show pipeline share", user=LEAD)
    reply = harness.wait(
        lambda: (
            harness.workspace.ephemerals_for(LEAD)
            or [m for m in harness.workspace.messages_in(SALES) if m.blocks]
        )
    )
    assert "Invite kpibot" in text_of(reply[-1])
