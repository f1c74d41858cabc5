"""The per-token rate limit of the values API, on a clock the test moves."""

from __future__ import annotations

import pytest

from bot.api.ratelimit import RateLimited, RateLimiter


def test_a_burst_up_to_the_limit_then_429_with_the_wait() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])  # one a second
    for _ in range(60):
        limiter.take(1)
    with pytest.raises(RateLimited) as limited:
        limiter.take(1)
    assert limited.value.retry_after == 1
    limiter.take(2)  # another token has its own allowance
    now[0] += 1.0
    limiter.take(1)
    with pytest.raises(RateLimited):
        limiter.take(1)


def test_retry_after_is_whole_seconds_until_one_request_is_allowed() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.take(7)
    with pytest.raises(RateLimited) as limited:
        limiter.take(7)
    assert limited.value.retry_after == 20
    now[0] += 19.0
    with pytest.raises(RateLimited) as limited:
        limiter.take(7)
    assert limited.value.retry_after == 1
    now[0] += 1.0
    limiter.take(7)


def test_refused_requests_do_not_eat_the_allowance() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])
    for _ in range(60):
        limiter.take(1)
    for _ in range(10):
        with pytest.raises(RateLimited):
            limiter.take(1)
    now[0] += 1.0
    limiter.take(1)
