"""Goals cascade company -> department -> team; a goal's status rolls up from what measures it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from core.kinds import Status

# Worst first: a goal is as healthy as its least healthy measured part.
_SEVERITY = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK)

T = TypeVar("T")
K = TypeVar("K")


def rollup(statuses: Iterable[Status]) -> Status:
    """The status of a goal from the statuses of its KPIs and child goals.

    The worst known status wins; parts without data are ignored unless nothing has data, so
    one late value does not turn a whole goal grey, and a goal nobody measures shows no data.
    """
    known = {s for s in statuses if s is not Status.NO_DATA}
    for status in _SEVERITY:
        if status in known:
            return status
    return Status.NO_DATA


def tree_order(
    items: Sequence[T], key: Callable[[T], K], parent: Callable[[T], K | None]
) -> list[tuple[T, int]]:
    """Items in depth-first order with their depth; children sorted as given.

    Items whose parent is missing from `items` become roots. Cycles (which import rejects)
    cannot loop forever: an item is emitted at most once.
    """
    keys = {key(item) for item in items}
    children: dict[K | None, list[T]] = {}
    for item in items:
        p = parent(item)
        children.setdefault(p if p in keys else None, []).append(item)
    ordered: list[tuple[T, int]] = []
    seen: set[K] = set()

    def visit(item: T, depth: int) -> None:
        if key(item) in seen:
            return
        seen.add(key(item))
        ordered.append((item, depth))
        for child in children.get(key(item), []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    for item in items:  # members of a cycle with no root still show up, flat
        visit(item, 0)
    return ordered
