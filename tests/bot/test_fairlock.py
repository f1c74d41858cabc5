"""The API's SQLite write lock serves waiting threads in the order they came."""

from __future__ import annotations

import threading

from bot.api.fairlock import FairLock


def test_waiters_are_served_in_arrival_order() -> None:
    lock = FairLock()
    order: list[int] = []
    arrived = [threading.Event() for _ in range(8)]
    threads = []
    lock.__enter__()  # hold it while the waiters line up
    for i in range(8):

        def wait_turn(i: int = i) -> None:
            arrived[i].set()
            with lock:
                order.append(i)

        thread = threading.Thread(target=wait_turn)
        thread.start()
        arrived[i].wait()
        # the thread has a ticket once its number was drawn; wait for that before the next
        while lock._next_ticket != i + 2:
            threading.Event().wait(0.001)
        threads.append(thread)
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join(5)
    assert order == list(range(8))


def test_an_error_inside_releases_the_lock() -> None:
    lock = FairLock()
    try:
        with lock:
            raise ValueError("boom")
    except ValueError:
        pass
    with lock:
        pass
