"""Time for the stand-in: the real clock by default, a hand-driven one in tests.

Everything in the workspace that depends on time (message timestamps, trigger ids that expire
after 3 seconds, response URLs, rate-limit buckets) reads a clock, a plain callable returning
Unix seconds, so tests can move time forward instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class FakeClock:
    """A clock that only moves when told to: `clock.advance(3.5)`."""

    def __init__(self, start: float = 1_764_200_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        with self._lock:
            self._now = float(now)


class TravelClock:
    """Real time that can be moved: after `travel_to(t)` it reads `t` and ticks on from there.

    The local workspace shares one with the app it runs, so "run scheduled work as of Monday
    09:00" moves the app's idea of now and the timestamps of the messages it posts together.
    """

    def __init__(self, real: Clock = time.time) -> None:
        self._real = real
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._real() + self._offset

    def real(self) -> float:
        """Real time, wherever the clock was moved."""
        return self._real()

    @property
    def travelled(self) -> bool:
        """Whether the clock has been moved away from real time."""
        with self._lock:
            return self._offset != 0.0

    def travel_to(self, when: float) -> None:
        """Read `when` now, and keep ticking from there."""
        with self._lock:
            self._offset = float(when) - self._real()

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0
