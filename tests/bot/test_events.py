"""The in-process event bus: at-once subscribers hear each value, later ones get batches."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bot.events import EventBus, ValueStored

PIPELINE = ValueStored("pipeline", "2026-W50")
CHURN = ValueStored("churn", "2026-11")


def test_at_once_subscribers_hear_each_value_and_later_ones_wait_for_a_drain() -> None:
    bus = EventBus()
    now: list[list[ValueStored]] = []
    later: list[list[ValueStored]] = []
    bus.subscribe(lambda events: now.append(list(events)))
    bus.subscribe(lambda events: later.append(list(events)), later=True)
    bus.publish(PIPELINE)
    bus.publish(CHURN)
    assert now == [[PIPELINE], [CHURN]]
    assert later == []
    assert bus.drain() == 2
    assert later == [[PIPELINE, CHURN]]  # one batch: a burst of values costs one rebuild
    assert bus.drain() == 0 and later == [[PIPELINE, CHURN]]


def test_a_failing_subscriber_does_not_keep_the_others_from_hearing() -> None:
    bus = EventBus()
    heard: list[ValueStored] = []

    def broken(events: object) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(lambda events: heard.extend(events))
    bus.subscribe(broken, later=True)
    bus.subscribe(lambda events: heard.extend(events), later=True)
    bus.publish(PIPELINE)
    bus.drain()
    assert heard == [PIPELINE, PIPELINE]


def test_the_pump_handles_values_as_they_come_and_drain_waits_for_it() -> None:
    bus = EventBus()
    started, release = threading.Event(), threading.Event()
    handled: list[ValueStored] = []

    def slow(events: Sequence[ValueStored]) -> None:
        started.set()
        assert release.wait(timeout=10)
        handled.extend(events)

    bus.subscribe(slow, later=True)
    bus.start()
    try:
        bus.publish(PIPELINE)
        assert started.wait(timeout=10)  # the pump took it
        seen_after_drain: list[ValueStored] = []

        def drain_then_look() -> None:
            bus.drain()
            seen_after_drain.extend(handled)

        waiter = threading.Thread(target=drain_then_look)
        waiter.start()
        release.set()
        waiter.join(timeout=10)
        assert not waiter.is_alive()
        assert seen_after_drain == [PIPELINE]  # drain returned only once the pump's batch was done
    finally:
        release.set()
        bus.stop()
