from __future__ import annotations

import pytest

from core.goals import rollup, tree_order
from core.kinds import Status

ON, RISK, OFF, NONE = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], NONE),
        ([NONE, NONE], NONE),
        ([ON], ON),
        ([ON, NONE], ON),
        ([ON, RISK], RISK),
        ([RISK, OFF, ON], OFF),
        ([NONE, OFF], OFF),
    ],
)
def test_rollup_takes_the_worst_known_status(statuses, expected) -> None:
    assert rollup(statuses) is expected


def test_tree_order_is_depth_first_with_depths() -> None:
    items = [("team-a", "dept"), ("company", None), ("dept", "company"), ("orphan", "gone")]
    ordered = tree_order(items, key=lambda i: i[0], parent=lambda i: i[1])
    assert [(i[0], d) for i, d in ordered] == [
        ("company", 0),
        ("dept", 1),
        ("team-a", 2),
        ("orphan", 0),
    ]


def test_tree_order_survives_a_cycle() -> None:
    items = [("a", "b"), ("b", "a")]
    ordered = tree_order(items, key=lambda i: i[0], parent=lambda i: i[1])
    assert sorted(i[0] for i, _ in ordered) == ["a", "b"]
