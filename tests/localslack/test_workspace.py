"""The workspace and its parts on their own, without HTTP."""

from __future__ import annotations

import threading

import pytest

from localslack import FakeClock, RateLimiter, RateLimitPolicy, SlackError, Workspace
from localslack.scopes import DEFAULT_BOT_SCOPES, METHOD_SCOPES


def test_timestamps_increase_strictly_on_a_still_clock() -> None:
    ws = Workspace(clock=FakeClock(1_764_200_000.0))
    stamps = [ws.new_ts() for _ in range(3)]
    assert stamps == ["1764200000.000000", "1764200000.000001", "1764200000.000002"]


def test_fake_clock() -> None:
    clock = FakeClock(10.0)
    assert clock.advance(2.5) == 12.5 == clock()
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_rate_limiter_buckets() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(clock, RateLimitPolicy(message_burst=2, burst_seconds=3.0))
    post = {"channel": "C1"}
    assert limiter.acquire("chat.postMessage", post) is None
    assert limiter.acquire("chat.postMessage", post) is None
    assert limiter.acquire("chat.postMessage", post) == 1
    assert limiter.acquire("chat.postMessage", {"channel": "C2"}) is None
    clock.advance(1.0)
    assert limiter.acquire("chat.postMessage", post) is None

    # Tier 1 (apps.connections.open): one a minute.
    assert limiter.acquire("apps.connections.open", {}) is None
    assert limiter.acquire("apps.connections.open", {}) == 60
    # Tier 4 with a 3-second burst: 5 calls, then one every 0.6 s (reported as 1 s).
    assert all(limiter.acquire("users.info", {}) is None for _ in range(5))
    assert limiter.acquire("users.info", {}) == 1


def test_forced_rate_limit_counts_down() -> None:
    ws = Workspace()
    ws.rate_limit("users.info", times=2, retry_after=7)
    assert ws.take_rate_limit("users.info", {}) == 7
    assert ws.take_rate_limit("users.info", {}) == 7
    assert ws.take_rate_limit("users.info", {}) is None


def test_wait_for_wakes_on_changes() -> None:
    ws = Workspace()
    ws.add_channel("C1", "general")
    timer = threading.Timer(0.05, lambda: ws.post_message("C1", "late"))
    timer.start()
    [message] = ws.wait_for(lambda: ws.messages_in("C1"), timeout=5)
    timer.join()
    assert message.text == "late"
    with pytest.raises(TimeoutError):
        ws.wait_for(lambda: ws.messages_in("C2"), timeout=0.05)


def test_queries_return_copies() -> None:
    ws = Workspace()
    ws.add_channel("C1", "general")
    ws.post_message("C1", "original")
    ws.messages_in("C1")[0].text = "changed by a test"
    assert ws.messages_in("C1")[0].text == "original"


def test_seeding() -> None:
    ws = Workspace()
    ws.add_user("U1", "ann.lee")
    ws.add_user("U2", "bob")
    general = ws.add_channel("C1", "general")
    assert general.members == ["U1", "U2"]  # everyone added so far, not the bot
    assert ws.find_user("U1").real_name == "Ann Lee"
    with pytest.raises(ValueError, match="time zone"):
        ws.add_user("U3", "cy", tz="Mars/Olympus")
    with pytest.raises(SlackError) as caught:
        ws.find_channel("C404")
    assert caught.value.error == "channel_not_found"


def test_trigger_ids_expire_after_three_seconds() -> None:
    clock = FakeClock()
    ws = Workspace(clock=clock)
    ws.add_user("U1", "ann")
    trigger = ws.issue_trigger_id("U1")
    clock.advance(3.5)
    with pytest.raises(SlackError) as caught:
        ws.redeem_trigger_id(trigger)
    assert caught.value.error == "expired_trigger_id"


def test_scope_table() -> None:
    assert METHOD_SCOPES["chat.postMessage"] == ("chat:write",)
    assert METHOD_SCOPES["views.open"] == ()
    assert "chat:write.public" not in DEFAULT_BOT_SCOPES
    assert {"chat:write", "users:read", "im:write", "files:write"} <= DEFAULT_BOT_SCOPES
