"""A stored KPI's target for a period and its projection to its goal's deadline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from commands.outlook import (
    chart_projection,
    chart_targets,
    outlook,
    target_in,
    target_number,
    targets_text,
)
from core.kinds import Cadence, Direction
from storage.models import Goal, Kpi

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
GOAL = Goal(key="h1", title="H1", deadline=date(2027, 6, 30))


def kpi(**fields: Any) -> Kpi:
    base: dict[str, Any] = {
        "key": "bookings",
        "name": "Bookings",
        "owner_user_id": "U0OWNER",
        "cadence": Cadence.MONTHLY,
        "target": 100.0,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    return Kpi(**(base | fields))


SEASONAL = kpi(targets=json.dumps({"2026-12": 150, "2027-01": 60}))
RAMPED = kpi(
    cadence=Cadence.WEEKLY,
    targets=json.dumps({"ramp": {"from": "2026-W01", "start": 10, "to": "2026-W05", "end": 50}}),
)


@pytest.mark.parametrize(
    ("row", "period", "expected"),
    [
        (SEASONAL, "2026-12", 150.0),
        (SEASONAL, "2027-01", 60.0),
        (SEASONAL, "2026-11", 100.0),  # not listed: the single target
        (SEASONAL, None, 100.0),
        (SEASONAL, "not a period", 100.0),
        (RAMPED, "2026-W03", 30.0),
        (RAMPED, "2026-W06", 100.0),
        (kpi(), "2026-12", 100.0),
        (kpi(targets="{broken"), "2026-12", 100.0),  # a row edited by hand breaks nothing
        (kpi(direction=Direction.BAND, targets='{"2026-12": 5}'), "2026-12", 100.0),
    ],
)
def test_the_target_of_a_period(row: Kpi, period: str | None, expected: float) -> None:
    assert target_number(row, period) == expected
    assert target_in(row, period).target == expected


def test_targets_are_listed_for_people() -> None:
    assert targets_text(SEASONAL) == "December 2026: 150; January 2027: 60"
    assert targets_text(RAMPED) is not None and "ramp from 10 in" in (targets_text(RAMPED) or "")
    assert targets_text(kpi()) is None


def test_chart_targets_only_when_they_vary() -> None:
    assert chart_targets(SEASONAL, ["2026-11", "2026-12"]) == [100.0, 150.0]
    assert chart_targets(kpi(), ["2026-11", "2026-12"]) is None


MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


@pytest.mark.parametrize(
    ("row", "goal", "values", "line"),
    [
        (kpi(), None, [], "no projection: it serves no goal"),
        (kpi(), Goal(key="g", title="G"), [], "no projection: its goal has no deadline"),
        (kpi(), GOAL, [("2026-11", 10.0)], "no projection: needs 4 values to project; has 1"),
        (
            kpi(),
            GOAL,
            list(zip(MONTHS, [10.0, 20.0, 30.0, 40.0, 50.0], strict=True)),
            "projected 120 by 30 Jun 2027 — hits 100",
        ),
        (  # judged against the deadline month's own target
            kpi(targets=json.dumps({"2027-06": 150})),
            GOAL,
            list(zip(MONTHS, [10.0, 20.0, 30.0, 40.0, 50.0], strict=True)),
            "projected 120 by 30 Jun 2027 — misses 150 by 20 %",
        ),
        (  # never negative before: not projected below zero
            kpi(direction=Direction.DOWN, target=2.0),
            GOAL,
            list(zip(MONTHS, [9.0, 7.0, 5.0, 3.0, 1.0], strict=True)),
            "projected 0 by 30 Jun 2027 — hits 2",
        ),
    ],
)
def test_the_outlook_line(
    row: Kpi, goal: Goal | None, values: list[tuple[str, float]], line: str
) -> None:
    found = outlook(row, goal, values)
    assert found.line.startswith(line)


def test_the_chart_segment_runs_from_the_trend_to_the_deadline() -> None:
    values = list(zip(MONTHS, [10.0, 20.0, 30.0, 40.0, 50.0], strict=True))
    segment = chart_projection(outlook(kpi(), GOAL, values))
    assert segment is not None
    assert (segment.label, segment.start, segment.end) == ("30 Jun", 50.0, 120.0)
    assert chart_projection(outlook(kpi(), None, values)) is None
