"""Rate limiting as Slack documents it: per-method tiers, and chat.postMessage per channel.

Slack's tiers allow roughly 1 (Tier 1), 20 (Tier 2), 50 (Tier 3) and 100 (Tier 4) calls per
minute per method per workspace, with short bursts tolerated; chat.postMessage is "special":
about one message per second per channel, again with short bursts. The limiter models each
as a token bucket that refills at the documented rate and holds a small burst, and answers a
refused call with the whole seconds until a token is back (the `Retry-After` Slack sends).

It is off unless a workspace turns it on (`Workspace.enable_rate_limits()`); the benchmarks
use it to see how kpibot paces itself.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from localslack.clock import Clock

TIER_CALLS_PER_MINUTE: Final[dict[int, int]] = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIERS: Final[dict[str, int]] = {
    "auth.test": 4,  # "special", far above Tier 4 in practice
    "team.info": 3,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "conversations.open": 3,
    "conversations.join": 3,
    "conversations.info": 3,
    "conversations.members": 4,
    "conversations.list": 2,
    "conversations.history": 3,
    "conversations.replies": 3,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "apps.connections.open": 1,
}

PER_CHANNEL_METHODS: Final = frozenset({"chat.postMessage"})


@dataclass(frozen=True)
class RateLimitPolicy:
    """The numbers the limiter works with; every one can be overridden."""

    method_tiers: Mapping[str, int] = field(default_factory=lambda: dict(METHOD_TIERS))
    calls_per_minute: Mapping[int, int] = field(default_factory=lambda: dict(TIER_CALLS_PER_MINUTE))
    default_tier: int = 3
    # A tiered method may spend this many seconds' worth of its allowance at once.
    burst_seconds: float = 15.0
    # chat.postMessage: messages per second per channel, and how many may go at once.
    messages_per_second: float = 1.0
    message_burst: int = 3
    # chat.postMessage across the whole workspace. Slack documents only "several hundred
    # messages per minute" on top of the per-channel rule, so it is off (None) unless a
    # caller picks a number; the burst is `burst_seconds` worth, as for the tiers.
    workspace_messages_per_minute: float | None = None


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by method (and channel for chat.postMessage)."""

    def __init__(self, clock: Clock, policy: RateLimitPolicy | None = None) -> None:
        self.clock = clock
        self.policy = policy or RateLimitPolicy()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def _shape(self, method: str) -> tuple[float, float]:
        """(capacity, tokens per second) for a method's bucket."""
        policy = self.policy
        if method in PER_CHANNEL_METHODS:
            return float(max(1, policy.message_burst)), policy.messages_per_second
        tier = policy.method_tiers.get(method, policy.default_tier)
        rate = policy.calls_per_minute[tier] / 60.0
        return max(1.0, rate * policy.burst_seconds), rate

    def acquire(self, method: str, params: Mapping[str, Any]) -> int | None:
        """Take a token for this call: None if allowed, else the seconds to wait (>= 1)."""
        key = (method, str(params.get("channel", "")) if method in PER_CHANNEL_METHODS else "")
        now = self.clock()
        with self._lock:
            buckets = [self._bucket(key, self._shape(method), now)]
            workspace_rate = self.policy.workspace_messages_per_minute
            if method in PER_CHANNEL_METHODS and workspace_rate:
                rate = workspace_rate / 60.0
                shape = (max(1.0, rate * self.policy.burst_seconds), rate)
                buckets.append(self._bucket((method, "*"), shape, now))
            short = [b for b in buckets if b.tokens < 1.0]
            if not short:
                for bucket in buckets:
                    bucket.tokens -= 1.0
                return None
            return max(max(1, math.ceil((1.0 - b.tokens) / b.rate)) for b in short)

    def _bucket(self, key: tuple[str, str], shape: tuple[float, float], now: float) -> _Bucket:
        """The bucket for `key`, refilled up to `now` (the caller holds the lock)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            capacity, rate = shape
            bucket = _Bucket(capacity=capacity, rate=rate, tokens=capacity, updated=now)
            self._buckets[key] = bucket
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(bucket.capacity, bucket.tokens + elapsed * bucket.rate)
        bucket.updated = now
        return bucket

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
