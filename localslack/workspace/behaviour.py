"""How the workspace answers calls (scopes, rate limits) and the record of calls it keeps:
what auth.test, apps.permissions and Slack's 429s are about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localslack.models import Call
from localslack.ratelimit import RateLimiter, RateLimitPolicy
from localslack.workspace.state import ForcedLimit, WorkspaceState


class BehaviourFacet(WorkspaceState):
    """Scopes, forced and documented rate limits, and the call log."""

    def grant(self, *scopes: str) -> None:
        with self.lock:
            self.scopes.update(scopes)

    def revoke(self, *scopes: str) -> None:
        with self.lock:
            self.scopes.difference_update(scopes)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and this Retry-After."""
        with self.lock:
            self._forced_limits[method] = ForcedLimit(times, retry_after)

    def enable_rate_limits(self, policy: RateLimitPolicy | None = None) -> RateLimiter:
        """Turn on Slack's documented per-method (and per-channel) limits."""
        with self.lock:
            self.rate_limiter = RateLimiter(self.clock, policy)
            return self.rate_limiter

    def disable_rate_limits(self) -> None:
        with self.lock:
            self.rate_limiter = None
            self._forced_limits.clear()

    @property
    def calls(self) -> list[Call]:
        with self.lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self._calls if c.method == method]

    def clear_calls(self) -> None:
        with self.lock:
            self._calls.clear()

    def record_call(self, call: Call) -> None:
        with self.lock:
            self._calls.append(call)
            self._notify()

    def take_rate_limit(self, method: str, params: Mapping[str, Any]) -> int | None:
        """Whether this call is refused for rate: None, or the Retry-After in seconds."""
        with self.lock:
            forced = self._forced_limits.get(method)
            if forced is not None:
                forced.remaining -= 1
                if forced.remaining <= 0:
                    del self._forced_limits[method]
                return forced.retry_after
            limiter = self.rate_limiter
        return limiter.acquire(method, params) if limiter is not None else None
