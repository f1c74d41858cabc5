"""The opt-in workspace-wide chat.postMessage budget, on top of the per-channel rule."""

from __future__ import annotations

from localslack import FakeClock, RateLimiter, RateLimitPolicy


def test_off_by_default_each_channel_has_its_own_allowance() -> None:
    limiter = RateLimiter(FakeClock(0.0))
    assert all(
        limiter.acquire("chat.postMessage", {"channel": f"D{n}"}) is None for n in range(500)
    )


def test_a_workspace_budget_caps_messages_across_channels() -> None:
    clock = FakeClock(0.0)
    policy = RateLimitPolicy(workspace_messages_per_minute=60, burst_seconds=5)
    limiter = RateLimiter(clock, policy)
    # a burst of five (5 seconds' worth at one a second), each to a different DM
    assert [limiter.acquire("chat.postMessage", {"channel": f"D{n}"}) for n in range(5)] == [
        None
    ] * 5
    assert limiter.acquire("chat.postMessage", {"channel": "D9"}) == 1
    clock.advance(1.0)
    assert limiter.acquire("chat.postMessage", {"channel": "D9"}) is None
    # a refused call takes no token from its channel either
    assert limiter.acquire("users.list", {}) is None


def test_the_per_channel_rule_still_applies_under_a_workspace_budget() -> None:
    limiter = RateLimiter(FakeClock(0.0), RateLimitPolicy(workspace_messages_per_minute=6000))
    answers = [limiter.acquire("chat.postMessage", {"channel": "D1"}) for _ in range(4)]
    assert answers == [None, None, None, 1]
