"""Rendering digest charts off the listener pool: in worker processes when many are due.

Drawing a team chart takes a fifth of a second of pure Python and C under the GIL. Done in the
serving process for hundreds of teams it would starve the threads that acknowledge Slack's
requests, so scheduled runs render in a pool of worker processes (started with ``forkserver``,
never ``fork``: the serving process has threads, and a forked copy of a held lock never opens).
Single charts (`/kpi digest`, a late-value update) render in the calling thread, which is never
a listener thread: those run on the digest executor (see bot.digests).

Workers are started once and kept; the first chart in each pays for importing matplotlib.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from charts import Chart, KpiSeries, team_chart
from charts.rollup import rollup_chart
from charts.theme import DIGEST_MAX_COLUMNS
from core.digest import StatusCounts

log = logging.getLogger(__name__)


def render_team(series: Sequence[KpiSeries], title: str) -> Chart:
    """A team digest's chart: small multiples, at most two columns (readable on a phone)."""
    return team_chart(series, title, max_columns=DIGEST_MAX_COLUMNS)


def render_rollup(bars: Sequence[tuple[str, StatusCounts]], title: str) -> Chart:
    return rollup_chart(bars, title)


def _warm() -> int:
    """Import and draw once, so a worker's first real chart is warm."""
    render_team([], "warm-up")
    return os.getpid()


def _peak_kb() -> tuple[int, int]:
    time.sleep(0.05)  # long enough for every worker to take one
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ignore_interrupts() -> None:
    """A worker leaves Ctrl-C to its parent, which stops the pool: a terminal sends SIGINT to
    the whole process group, and each worker would print its own KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class ChartRenderer:
    """Renders charts in ``workers`` processes (0: in the calling thread)."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor | None:
        if self.workers <= 0:
            return None
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=context, initializer=_ignore_interrupts
                )
                warmed = [self._pool.submit(_warm) for _ in range(self.workers)]
                log.info("chart workers started: %s", [w.result() for w in warmed])
            return self._pool

    def team(self, series: Sequence[KpiSeries], title: str) -> Future[Chart]:
        return self._submit(render_team, list(series), title)

    def rollup(self, bars: Sequence[tuple[str, StatusCounts]], title: str) -> Future[Chart]:
        return self._submit(render_rollup, list(bars), title)

    def _submit(self, function: Callable[..., Chart], *args: Any) -> Future[Chart]:
        pool = self._executor()
        if pool is not None:
            try:
                return pool.submit(function, *args)
            except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
                log.warning("chart workers broke; drawing this chart here and restarting them")
                with self._lock:
                    self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
        done: Future[Chart] = Future()
        try:
            done.set_result(function(*args))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def peak_memory_kb(self) -> int:
        """The largest peak resident memory among the workers (0 without workers)."""
        with self._lock:
            pool = self._pool
        if pool is None:
            return 0
        peaks = dict(f.result() for f in [pool.submit(_peak_kb) for _ in range(self.workers * 3)])
        return max(peaks.values(), default=0)

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
