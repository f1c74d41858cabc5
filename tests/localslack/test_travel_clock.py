"""The clock the local workspace shares with its app: real time that can be moved."""

from __future__ import annotations

from localslack import FakeClock, TravelClock


def test_travel_moves_the_clock_and_it_keeps_ticking() -> None:
    real = FakeClock(1_000.0)
    clock = TravelClock(real=real)
    travelled = [clock.travelled]
    assert clock() == 1_000.0
    clock.travel_to(5_000.0)
    travelled.append(clock.travelled)
    assert clock() == 5_000.0
    real.advance(10)
    assert clock() == 5_010.0
    clock.travel_to(500.0)  # backwards is allowed: it is a demo, not a time machine
    assert clock() == 500.0
    clock.reset()
    travelled.append(clock.travelled)
    assert clock() == real()
    assert travelled == [False, True, False]
