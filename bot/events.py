"""Things that happened in one kpibot process, and the features that want to know.

One event so far: :class:`ValueStored`, published where a KPI value is stored. Today that is
the Slack listeners (a `/kpi log`, the log form, a reminder's **Log value**), after Slack has
its acknowledgement; the HTTP API and pulled sources publish the same event when they store
one. Subscribers:

- reminders, *at once*, in the publishing thread: the DMs that asked for that period are
  updated in place, so the person who answered sees it straight away (bot.reminders.refresh);
- alerts, *at once*, handed to the alerts thread: whether the value moved the KPI into an
  alert, which is then sent (bot.alerts.job);
- digests, *later*, off the request path: posted digests that show the period are rebuilt and
  updated with chat.update (bot.digests.service).

"Later" subscribers get the queued events in batches (a burst of values costs one digest
rebuild), from a pump thread that `kpibot serve` and `kpibot local` start (:meth:`start`), or
from :meth:`drain`, which handles everything published before it was called and returns when
that is done (orderly shutdown, tests). The scheduled digests job still looks for stale
digests every run, so a value stored without an event (an import, a crash between the commit
and the handling) is caught by its next run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValueStored:
    kpi_key: str
    period_key: str
    source: str = "slack"  # who stored it: slack, api, a pulled source's name


Handler = Callable[[Sequence[ValueStored]], None]


class EventBus:
    def __init__(self) -> None:
        self._now: list[Handler] = []
        self._later: list[Handler] = []
        self._pending: list[ValueStored] = []
        self._wake = threading.Condition()
        self._handling = threading.Lock()
        self._pump: threading.Thread | None = None
        self._stopping = False

    def subscribe(self, handler: Handler, *, later: bool = False) -> None:
        (self._later if later else self._now).append(handler)

    def publish(self, event: ValueStored) -> None:
        self.publish_all([event])

    def publish_all(self, events: Sequence[ValueStored]) -> None:
        """Values stored together (an API batch) reach each subscriber as one batch, so a
        thousand rows cost each subscriber one pass, not a thousand."""
        if not events:
            return
        for handler in self._now:
            _call(handler, list(events))
        if self._later:
            with self._wake:
                self._pending.extend(events)
                self._wake.notify()

    def drain(self) -> int:
        """Hand every queued event to the later subscribers now; how many there were."""
        with self._handling:  # also waits for a batch the pump is handling
            with self._wake:
                events, self._pending = self._pending, []
            if events:
                for handler in self._later:
                    _call(handler, events)
            return len(events)

    def start(self) -> None:
        """Handle queued events in a thread of their own as they come."""
        with self._wake:
            if self._pump is not None:
                return
            self._stopping = False
            self._pump = threading.Thread(target=self._run, name="kpibot-events", daemon=True)
        self._pump.start()

    def stop(self) -> None:
        with self._wake:
            pump, self._pump = self._pump, None
            self._stopping = True
            self._wake.notify_all()
        if pump is not None:
            pump.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
            self.drain()


def _call(handler: Handler, events: Sequence[ValueStored]) -> None:
    try:
        handler(events)
    except Exception:  # one subscriber failing must not keep the others from hearing
        log.exception("handling %d stored values failed", len(events))
