from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cadence import parse_period, period_containing
from core.kinds import Cadence
from core.targets import PeriodTargets, TargetsError, parse_targets

M, W, Q = Cadence.MONTHLY, Cadence.WEEKLY, Cadence.QUARTERLY


def month(key: str):
    return parse_period(M, key)


SEASONAL = {"2026-12": 90, "2027-01": 60}
RAMPED = {"ramp": {"from": "2026-01", "start": 10, "to": "2026-05", "end": 50}}


@pytest.mark.parametrize(
    ("raw", "cadence", "fallback", "period", "expected"),
    [
        (SEASONAL, M, 75, "2026-12", 90),
        (SEASONAL, M, 75, "2027-01", 60),
        (SEASONAL, M, 75, "2027-02", 75),  # falls back to the single target
        (SEASONAL, M, None, "2027-02", None),
        (RAMPED, M, 99, "2026-01", 10),
        (RAMPED, M, 99, "2026-02", 20),
        (RAMPED, M, 99, "2026-04", 40),
        (RAMPED, M, 99, "2026-05", 50),
        (RAMPED, M, 99, "2025-12", 99),  # outside the ramp: the single target
        (RAMPED, M, 99, "2026-06", 99),
        ({**RAMPED, "2026-03": 5}, M, 99, "2026-03", 5),  # an explicit period beats the ramp
        ({"2026-W49": 12, "2026-W50": "15"}, W, None, "2026-W50", 15),
        ({"2026-Q4": "$1.2M"}, Q, None, "2026-Q4", 1.2e6),
        ({"2026-12-05": 7}, M, None, "2026-12", 7),  # a date means its period
        ({date(2026, 12, 5): 7}, M, None, "2026-12", 7),  # as YAML reads an unquoted date
        (
            {"ramp": {"from": "2026-W01", "start": 100, "to": "2026-W03", "end": 90}},
            W,
            None,
            "2026-W02",
            95,
        ),
        (None, M, 4, "2026-12", 4),
        ({}, M, 4, "2026-12", 4),
    ],
)
def test_target_for(raw, cadence, fallback, period, expected):
    targets = parse_targets(raw, cadence, fallback=fallback)
    assert targets.target_for(parse_period(cadence, period)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "cadence", "message"),
    [
        (
            [90, 60],
            M,
            "targets must be a mapping of monthly periods to numbers, like {2026-12: 90, 2027-01: 60}",
        ),
        (
            {"2026-W49": 12},
            M,
            "targets: '2026-W49' looks like a weekly period, but this KPI is reported monthly",
        ),
        ({"2026-13": 1}, M, "targets: '2026-13' does not exist: months run from 01 to 12"),
        (
            {"december": 1},
            M,
            "targets: 'december' is not a monthly period; monthly periods look like 2026-11",
        ),
        ({None: 1}, M, "targets: None is not a period; write a monthly period like 2026-12"),
        ({"2026-12": "lots"}, M, "the target for 2026-12: 'lots' has no number in it"),
        (
            {"2026-12": True},
            M,
            "the target for 2026-12 must be a number like 90 or $1.2M, not True",
        ),
        ({"2026-12": None}, M, "the target for 2026-12 must be a number"),
        ({"2026-12": float("inf")}, M, "must be an actual number"),
        (
            {"2026-12": 1, "2026-12-15": 2},
            M,
            "targets has two entries for 2026-12 ('2026-12' and '2026-12-15'); keep one",
        ),
        (
            {"ramp": [1, 2]},
            M,
            "targets.ramp must be a mapping like {from: 2026-01, start: 10, to: 2026-12, end: 50}",
        ),
        ({"ramp": {"from": "2026-01", "to": "2026-03"}}, M, "targets.ramp is missing start, end"),
        ({"ramp": {**RAMPED["ramp"], "step": 2}}, M, "targets.ramp has unknown field(s) step"),
        (
            {"ramp": {"from": "2026-05", "start": 1, "to": "2026-01", "end": 2}},
            M,
            "which is not forward in time",
        ),
        (
            {"ramp": {"from": "2026-05", "start": 1, "to": "2026-05", "end": 2}},
            M,
            "not forward in time",
        ),
        (
            {"ramp": {"from": "2026-Q5", "start": 1, "to": "2026-Q4", "end": 2}},
            Q,
            "targets.ramp.from: '2026-Q5' does not exist",
        ),
        (
            {"ramp": {"from": "2026-Q1", "start": "x", "to": "2026-Q4", "end": 2}},
            Q,
            "targets.ramp.start: 'x' has no number",
        ),
        (
            {"ramp": {"from": "2000-01-01", "start": 1, "to": "2040-01-01", "end": 2}},
            Cadence.DAILY,
            "spans more than 10,000 periods",
        ),
    ],
)
def test_bad_targets_are_refused_with_a_clear_message(raw, cadence, message):
    with pytest.raises(TargetsError) as caught:
        parse_targets(raw, cadence)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        SEASONAL,
        RAMPED,
        {**RAMPED, "2026-03": 5.5},
        {"2026-12-05": 7},
    ],
)
def test_config_round_trips(raw):
    targets = parse_targets(raw, M, fallback=3)
    again = parse_targets(targets.to_config(), M, fallback=3)
    assert again == targets


def test_to_config_writes_period_keys_in_order():
    targets = parse_targets({"2027-01": 60, "2026-12-31": 90, **RAMPED}, M)
    assert targets.to_config() == {
        "2026-12": 90,
        "2027-01": 60,
        "ramp": {"from": "2026-01", "start": 10, "to": "2026-05", "end": 50},
    }


def test_varies():
    assert not parse_targets(None, M, fallback=1).varies
    assert parse_targets(SEASONAL, M).varies
    assert parse_targets(RAMPED, M).varies


def test_a_period_of_another_cadence_is_refused():
    with pytest.raises(
        ValueError, match="2026-W49 is a weekly period but these targets are monthly"
    ):
        PeriodTargets(M, 1).target_for(parse_period(W, "2026-W49"))


@given(
    st.sampled_from(list(Cadence)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(0, 60),
)
def test_ramp_steps_count_periods_like_walking_them(cadence, day, steps):
    first = period_containing(cadence, day)
    last = first
    for _ in range(steps):
        last = last.next()
    ramp = parse_targets(
        {"ramp": {"from": first.key, "start": 0, "to": last.next().key, "end": steps + 1}}, cadence
    ).ramp
    assert ramp is not None
    assert ramp.steps == steps + 1
    assert ramp.value_for(last) == pytest.approx(steps)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12), st.dates()
)
ramp_like = st.dictionaries(st.sampled_from(["from", "to", "start", "end", "step"]), scalars)


@given(
    st.sampled_from(list(Cadence)),
    st.one_of(
        scalars,
        st.dictionaries(st.one_of(scalars, st.just("ramp")), st.one_of(scalars, ramp_like)),
    ),
)
def test_parsing_only_ever_raises_its_own_error(cadence, raw):
    try:
        targets = parse_targets(raw, cadence, fallback=1)
    except TargetsError:
        return
    assert parse_targets(targets.to_config(), cadence, fallback=1) == targets
