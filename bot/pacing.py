"""Pacing bulk Web API calls to Slack's documented rate limits, so they rarely meet a 429.

Slack allows about 100 calls a minute for Tier 4 methods (files.getUploadURLExternal,
files.completeUploadExternal), 50 for Tier 3 (chat.update), 20 for Tier 2, and about one
chat.postMessage a second per channel, each with short bursts. Posting hundreds of digests as
fast as possible would hit those limits constantly; the SDK waits out each 429, but every wait
is Retry-After plus up to a second of jitter, and a call that is refused five times in a row
fails. The pacer holds each caller back just enough instead: one token bucket per method (per
channel for chat.postMessage) that refills at the documented rate and allows a small burst.
A 429 that still arrives (the same app's other traffic shares the limits) pauses that method
for every caller until Retry-After has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

CALLS_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
TIERS = {
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "chat.update": 3,
    "users.list": 2,
}
PER_CHANNEL = {"chat.postMessage": 1.0}  # messages per second per channel
BURST_SECONDS = 10.0  # a tiered method may spend this many seconds' worth of calls at once
CHANNEL_BURST = 2
_EPSILON = 1e-9  # float noise: a token short by this much is a whole token


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float
    paused_until: float = 0.0


class Pacer:
    """Token buckets shared by every thread that calls Slack in bulk."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        burst_seconds: float = BURST_SECONDS,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._burst = burst_seconds
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds callers spent waiting, for benchmarks and logs

    def _bucket(self, method: str, channel: str) -> _Bucket:
        key = (method, channel if method in PER_CHANNEL else "")
        bucket = self._buckets.get(key)
        if bucket is None:
            if method in PER_CHANNEL:
                capacity, rate = float(CHANNEL_BURST), PER_CHANNEL[method]
            else:
                rate = CALLS_PER_MINUTE[TIERS.get(method, 3)] / 60.0
                capacity = max(1.0, rate * self._burst)
            bucket = _Bucket(capacity, rate, capacity, self._clock())
            self._buckets[key] = bucket
        return bucket

    def take(self, *methods: str, channel: str = "") -> None:
        """Wait until one call of each of ``methods`` may go, and take the tokens."""
        while True:
            with self._lock:
                now = self._clock()
                wait = 0.0
                buckets = [self._bucket(method, channel) for method in methods]
                for bucket in buckets:
                    bucket.tokens = min(
                        bucket.capacity, bucket.tokens + (now - bucket.updated) * bucket.rate
                    )
                    bucket.updated = now
                    wait = max(wait, bucket.paused_until - now)
                    if bucket.tokens < 1.0 - _EPSILON:
                        wait = max(wait, (1.0 - bucket.tokens) / bucket.rate)
                if wait <= _EPSILON:
                    for bucket in buckets:
                        bucket.tokens -= 1.0
                    return
                self.waited += wait
            self._sleep(wait)

    def pause(self, method: str, seconds: float, *, channel: str = "") -> None:
        """Slack answered 429: hold ``method`` back for everyone for ``seconds``."""
        with self._lock:
            bucket = self._bucket(method, channel)
            bucket.paused_until = max(bucket.paused_until, self._clock() + seconds)
            bucket.tokens = min(bucket.tokens, 0.0)
