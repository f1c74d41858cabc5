"""A token bucket per API token, in this process: `per_minute` requests a minute, with bursts
up to that many. Several kpibot processes each allow the limit (it guards the server from a
runaway client; it is not a quota)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # token id -> (tokens, updated at)
        self._lock = threading.Lock()

    def take(self, token_id: int) -> None:
        """Spend one request of `token_id`'s allowance, or raise RateLimited."""
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(token_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - updated) * self.per_second)
            if tokens < 1.0:
                self._buckets[token_id] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.per_second)))
            self._buckets[token_id] = (tokens - 1.0, now)
