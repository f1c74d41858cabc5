from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.alerts import (
    AlertRules,
    AlertState,
    Audience,
    Episode,
    Observation,
    Trigger,
    step,
)
from core.cadence import parse_period, period_containing
from core.kinds import Cadence, Status

ON, RISK, OFF, NONE = Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA
W45 = parse_period(Cadence.WEEKLY, "2026-W45")

RULES = AlertRules("revenue", "Revenue", owner="U_OWNER", team_lead="U_LEAD", unit="USD")


def week(offset: int):
    return period_containing(Cadence.WEEKLY, date.fromordinal(W45.start.toordinal() + 7 * offset))


def run(rules, observations):
    """Feed (week offset, status, value, projection_hits) tuples; list (audience, triggers, week offset)."""
    state = AlertState()
    raised = []
    for offset, status, value, hits in observations:
        result = step(rules, state, Observation(week(offset), status, value, hits))
        state = result.state
        for alert in result.alerts:
            raised.append((alert.audience.value, "+".join(t.value for t in alert.triggers), offset))
    return raised, state


@pytest.mark.parametrize(
    ("rules", "observations", "expected"),
    [
        # off track once: one owner DM, however many values follow in that state
        (
            RULES,
            [(0, ON, 10, None), (0, OFF, 5, None), (0, OFF, 4, None), (1, OFF, 3, None)],
            [("owner", "off_track", 0)],
        ),
        # still off track past the next period: the lead hears once
        (
            RULES,
            [
                (0, OFF, 5, None),
                (1, OFF, 5, None),
                (2, OFF, 5, None),
                (3, OFF, 5, None),
                (9, OFF, 5, None),
            ],
            [("owner", "off_track", 0), ("team_lead", "off_track", 2)],
        ),
        # back on track resets: the next fall alerts again
        (
            RULES,
            [(0, OFF, 5, None), (1, ON, 9, None), (1, OFF, 5, None)],
            [("owner", "off_track", 0), ("owner", "off_track", 1)],
        ),
        # flapping within one period alerts once; the next period may alert again
        (
            RULES,
            [
                (0, OFF, 5, None),
                (0, ON, 9, None),
                (0, OFF, 5, None),
                (1, ON, 9, None),
                (1, OFF, 5, None),
            ],
            [("owner", "off_track", 0), ("owner", "off_track", 1)],
        ),
        # wobbling between at risk and off track is one episode
        (
            RULES,
            [(0, OFF, 5, None), (0, RISK, 7, None), (0, OFF, 5, None), (1, RISK, 7, None)],
            [("owner", "off_track", 0)],
        ),
        # at risk in week 2 does not escalate; off track again in week 3 does
        (
            RULES,
            [(0, OFF, 5, None), (2, RISK, 7, None), (3, OFF, 5, None)],
            [("owner", "off_track", 0), ("team_lead", "off_track", 3)],
        ),
        # no data neither alerts nor resets
        (
            RULES,
            [(0, OFF, 5, None), (1, NONE, None, None), (1, OFF, 5, None)],
            [("owner", "off_track", 0)],
        ),
        (RULES, [(0, NONE, None, None), (0, RISK, 7, None)], []),
        # thresholds
        (
            AlertRules("revenue", "Revenue", "U_OWNER", alert_below=100),
            [
                (0, ON, 120, None),
                (0, ON, 90, None),
                (0, ON, 80, None),
                (0, ON, 100, None),
                (1, ON, 99, None),
            ],
            [("owner", "below_threshold", 0), ("owner", "below_threshold", 1)],
        ),
        (
            AlertRules("errors", "Errors", "U_OWNER", alert_above=5),
            [(0, ON, 3, None), (0, ON, 6, None), (0, ON, None, None), (0, ON, 7, None)],
            [("owner", "above_threshold", 0)],
        ),
        # two triggers entered together make one message
        (
            AlertRules("revenue", "Revenue", "U_OWNER", alert_below=100),
            [(0, OFF, 50, None)],
            [("owner", "off_track+below_threshold", 0)],
        ),
        # the projection flips from hit to miss; a projection that never hit does not flip
        (RULES, [(0, ON, 1, False), (1, ON, 1, False)], []),
        (
            RULES,
            [
                (0, ON, 1, True),
                (0, ON, 1, None),
                (1, ON, 1, False),
                (1, ON, 1, False),
                (2, ON, 1, True),
                (2, ON, 1, False),
            ],
            [("owner", "projected_miss", 1), ("owner", "projected_miss", 2)],
        ),
        # channel only when the team opted in
        (
            AlertRules("revenue", "Revenue", "U_OWNER", channel="C_TEAM"),
            [(0, OFF, 5, None), (5, OFF, 5, None)],
            [("owner", "off_track", 0), ("channel", "off_track", 0)],
        ),
        # an owner who leads the team is not told twice
        (
            AlertRules("revenue", "Revenue", "U_X", team_lead="U_X"),
            [(0, OFF, 5, None), (3, OFF, 5, None)],
            [("owner", "off_track", 0)],
        ),
    ],
)
def test_sequences(rules, observations, expected):
    raised, _ = run(rules, observations)
    assert raised == expected


def test_owner_lead_who_escalated_stays_escalated():
    _, state = run(
        AlertRules("r", "R", "U_X", team_lead="U_X"), [(0, OFF, 5, None), (3, OFF, 5, None)]
    )
    assert state.episodes == (Episode(Trigger.OFF_TRACK, week(0), escalated=True),)


def test_texts_and_delivery():
    rules = AlertRules(
        "revenue",
        "Revenue",
        "U_OWNER",
        team_lead="U_LEAD",
        channel="C_TEAM",
        alert_below=10_000,
        unit="USD",
    )
    first = step(rules, AlertState(), Observation(week(0), OFF, 9_000, None))
    owner, channel = first.alerts
    assert owner.text == (
        "Revenue moved off track and fell below the alert level of $10k (now $9,000) "
        "(week 45 (2-8 Nov 2026))."
    )
    assert (owner.recipient, owner.working_hours_only) == ("U_OWNER", True)
    assert (channel.recipient, channel.working_hours_only, channel.text) == (
        "C_TEAM",
        False,
        owner.text,
    )
    assert owner.dedupe_key == "alert:revenue:owner:below_threshold+off_track:2026-W45"

    later = step(rules, first.state, Observation(week(2), OFF, 9_000, None))
    (lead,) = later.alerts
    assert lead.audience is Audience.TEAM_LEAD and lead.recipient == "U_LEAD"
    assert lead.text == (
        "Revenue has been off track since week 45 (2-8 Nov 2026) and below $10k since week 45 "
        "(2-8 Nov 2026); it is still so in week 47 (16-22 Nov 2026)."
    )
    assert lead.dedupe_key == "alert:revenue:team_lead:below_threshold+off_track:2026-W45"


def test_projection_text():
    state = AlertState(projection_hits=True)
    (alert,) = step(RULES, state, Observation(week(0), ON, 1, False)).alerts
    assert alert.text == "Revenue is now projected to miss its target (week 45 (2-8 Nov 2026))."


def test_thresholds_the_wrong_way_round_are_refused():
    with pytest.raises(ValueError, match="alert_below \\(10\\) is above alert_above \\(5\\)"):
        AlertRules("k", "K", "U", alert_below=10, alert_above=5)


def test_state_round_trips_through_plain_data():
    _, state = run(
        AlertRules("r", "R", "U", team_lead="L", alert_above=1),
        [(0, ON, 1, True), (0, OFF, 5, False), (2, OFF, 5, False)],
    )
    assert len(state.episodes) == 3
    assert state.alerted
    assert AlertState.from_data(state.to_data(), Cadence.WEEKLY) == state
    assert AlertState.from_data({}, Cadence.WEEKLY) == AlertState()


# --- properties -------------------------------------------------------------------------------

observations = st.tuples(
    st.integers(0, 6),
    st.sampled_from(list(Status)),
    st.one_of(st.none(), st.floats(-10, 10, allow_nan=False)),
    st.one_of(st.none(), st.booleans()),
)
any_rules = st.builds(
    AlertRules,
    kpi_key=st.just("k"),
    kpi_name=st.just("K"),
    owner=st.just("U_OWNER"),
    team_lead=st.sampled_from([None, "U_LEAD", "U_OWNER"]),
    channel=st.sampled_from([None, "C_TEAM"]),
    alert_below=st.sampled_from([None, -2.0]),
    alert_above=st.sampled_from([None, 3.0]),
)


@given(any_rules, st.lists(observations, max_size=12), observations)
def test_the_same_state_twice_never_alerts_twice(rules, history, repeated):
    state = AlertState()
    for offset, status, value, hits in sorted(history, key=lambda item: item[0]):
        state = step(rules, state, Observation(week(offset), status, value, hits)).state
    offset, status, value, hits = repeated
    observation = Observation(week(offset), status, value, hits)
    once = step(rules, state, observation)
    twice = step(rules, once.state, observation)
    assert twice.alerts == ()
    assert twice.state == once.state


@given(any_rules, st.lists(observations, max_size=15))
def test_every_alert_is_unique(rules, history):
    state = AlertState()
    keys: list[str] = []
    for offset, status, value, hits in sorted(history, key=lambda item: item[0]):
        result = step(rules, state, Observation(week(offset), status, value, hits))
        state = result.state
        keys.extend(alert.dedupe_key for alert in result.alerts)
    assert len(keys) == len(set(keys))
