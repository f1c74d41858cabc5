"""Alert debouncing: which alerts a KPI's latest state should raise, as a pure state machine.

Each time a KPI is looked at (a value logged or pulled, or a periodic check), the caller builds
an :class:`Observation` and calls :func:`step` with the KPI's stored :class:`AlertState`. It gets
back the new state to store and the alerts to deliver. Delivery (when, exactly once) is not done
here: an alert says who and why, and whether it waits for the recipient's working hours.

Triggers, and what clears them ("back to good resets" so the next time alerts again):

* OFF_TRACK: the status becomes off track. Cleared only when it is back on track; a KPI that
  wobbles between off track and at risk stays one episode instead of alerting on every wobble.
* BELOW / ABOVE: the latest value is below ``alert_below`` / above ``alert_above``. Cleared when
  the value is back at or inside the threshold.
* PROJECTED_MISS: the projection flips from hitting the target to missing it. A KPI whose
  projection has never hit does not "flip"; cleared when the projection hits again.

Unknown inputs (NO_DATA, no value, no projection) neither raise nor clear anything. A trigger
that clears and holds again within the same period (a value corrected back and forth) starts a
new episode but alerts at most once per period.

Who hears, for the triggers a step enters (combined into one message per recipient):

* the owner, by DM, at once (``working_hours_only``: delivered in their working hours, otherwise
  at the next start);
* the team channel too, only when the team opted in (``channel`` is set), not held for hours;
* the team lead, by DM, once per episode, if the trigger still holds in an observation whose
  period starts after the period following the one it began in ("past the next period"). An
  owner who is the lead is not told twice. OFF_TRACK escalates only while actually off track.

Every alert has a :attr:`Alert.dedupe_key` that is the same in every process computing the same
step, for exactly-once delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from core.cadence import Period, parse_period
from core.kinds import Cadence, Status
from core.values import format_value


class Trigger(StrEnum):
    OFF_TRACK = "off_track"
    BELOW = "below_threshold"
    ABOVE = "above_threshold"
    PROJECTED_MISS = "projected_miss"


class Audience(StrEnum):
    OWNER = "owner"
    TEAM_LEAD = "team_lead"
    CHANNEL = "channel"


@dataclass(frozen=True)
class AlertRules:
    """A KPI's alert settings and the people they go to (Slack user and channel IDs)."""

    kpi_key: str
    kpi_name: str
    owner: str
    team_lead: str | None = None
    channel: str | None = None  # set only when the team asked for channel alerts
    alert_below: float | None = None
    alert_above: float | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        low, high = self.alert_below, self.alert_above
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"alert_below ({low}) is above alert_above ({high}), so every value would "
                "alert; swap them"
            )


@dataclass(frozen=True)
class Observation:
    """What is known about the KPI at one moment; ``period`` is the period that moment is in."""

    period: Period
    status: Status
    value: float | None = None  # the latest value
    projection_hits: bool | None = None  # None when there is no projection


@dataclass(frozen=True)
class Episode:
    """A trigger that fired and has not cleared yet."""

    trigger: Trigger
    since: Period
    escalated: bool = False


@dataclass(frozen=True)
class AlertState:
    episodes: tuple[Episode, ...] = ()
    projection_hits: bool | None = None  # the last known projection verdict
    alerted: tuple[tuple[Trigger, str], ...] = ()  # each trigger's last alerted period key

    def to_data(self) -> dict[str, object]:
        """Plain JSON-ready data to store; :meth:`from_data` reads it back."""
        return {
            "projection_hits": self.projection_hits,
            "alerted": {trigger.value: key for trigger, key in self.alerted},
            "episodes": [
                {"trigger": e.trigger.value, "since": e.since.key, "escalated": e.escalated}
                for e in self.episodes
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object], cadence: Cadence) -> AlertState:
        raw_episodes = data.get("episodes") or []
        assert isinstance(raw_episodes, list)
        episodes = tuple(
            Episode(
                Trigger(item["trigger"]),
                parse_period(cadence, str(item["since"])),
                bool(item.get("escalated", False)),
            )
            for item in raw_episodes
        )
        hits = data.get("projection_hits")
        raw_alerted = data.get("alerted") or {}
        assert isinstance(raw_alerted, dict)
        alerted = tuple((Trigger(trigger), str(key)) for trigger, key in raw_alerted.items())
        return cls(episodes, hits if isinstance(hits, bool) else None, alerted)

    def active(self, trigger: Trigger) -> Episode | None:
        return next((e for e in self.episodes if e.trigger is trigger), None)


@dataclass(frozen=True)
class Alert:
    kpi_key: str
    audience: Audience
    recipient: str
    triggers: tuple[Trigger, ...]
    since: Period  # the period the (first) trigger began in
    text: str
    working_hours_only: bool  # a DM waits for the recipient's working hours

    @property
    def dedupe_key(self) -> str:
        triggers = "+".join(sorted(trigger.value for trigger in self.triggers))
        return f"alert:{self.kpi_key}:{self.audience}:{triggers}:{self.since.key}"


@dataclass(frozen=True)
class Step:
    state: AlertState
    alerts: tuple[Alert, ...]


def step(rules: AlertRules, state: AlertState, observation: Observation) -> Step:
    """The state after ``observation`` and the alerts it raises (see the module docstring)."""
    holding = {trigger: _holds(trigger, rules, state, observation) for trigger in Trigger}
    episodes: list[Episode] = []
    entered: list[Trigger] = []
    for trigger in Trigger:
        current = state.active(trigger)
        now = holding[trigger]
        if current is not None and now is not False:
            episodes.append(current)
        elif current is None and now is True and _enters(trigger, state, observation):
            episodes.append(Episode(trigger, observation.period))
            entered.append(trigger)

    last_alerted = dict(state.alerted)
    entered = [t for t in entered if last_alerted.get(t) != observation.period.key]
    for trigger in entered:
        last_alerted[trigger] = observation.period.key
    alerts: list[Alert] = []
    if entered:
        text = _entered_text(rules, entered, observation)
        alerts.append(_alert(rules, Audience.OWNER, rules.owner, entered, observation, text))
        if rules.channel is not None:
            alerts.append(
                _alert(rules, Audience.CHANNEL, rules.channel, entered, observation, text)
            )

    due = [
        episode
        for episode in episodes
        if not episode.escalated
        and holding[episode.trigger] is True
        and observation.period.start > episode.since.next().end
        and rules.team_lead is not None
    ]
    if due:
        assert rules.team_lead is not None
        earliest = min(episode.since for episode in due)
        triggers = [episode.trigger for episode in due]
        if rules.team_lead != rules.owner:
            text = _escalation_text(rules, due, observation)
            alerts.append(
                Alert(
                    rules.kpi_key,
                    Audience.TEAM_LEAD,
                    rules.team_lead,
                    tuple(triggers),
                    earliest,
                    text,
                    working_hours_only=True,
                )
            )
        episodes = [replace(e, escalated=True) if e in due else e for e in episodes]

    hits = state.projection_hits
    if observation.projection_hits is not None:
        hits = observation.projection_hits
    alerted = tuple(
        (trigger, last_alerted[trigger]) for trigger in Trigger if trigger in last_alerted
    )
    return Step(AlertState(tuple(episodes), hits, alerted), tuple(alerts))


def _holds(
    trigger: Trigger, rules: AlertRules, state: AlertState, observation: Observation
) -> bool | None:
    """True while the trigger's bad condition holds, False when cleared, None when unknown."""
    value = observation.value
    match trigger:
        case Trigger.OFF_TRACK:
            if observation.status is Status.OFF_TRACK:
                return True
            return False if observation.status is Status.ON_TRACK else None
        case Trigger.BELOW:
            if value is None or rules.alert_below is None:
                return None if value is None and rules.alert_below is not None else False
            return value < rules.alert_below
        case Trigger.ABOVE:
            if value is None or rules.alert_above is None:
                return None if value is None and rules.alert_above is not None else False
            return value > rules.alert_above
        case Trigger.PROJECTED_MISS:
            hits = observation.projection_hits
            return None if hits is None else not hits


def _enters(trigger: Trigger, state: AlertState, observation: Observation) -> bool:
    if trigger is Trigger.PROJECTED_MISS:  # only a flip from a known hit is news
        return state.projection_hits is True
    return True


def _entered_text(rules: AlertRules, entered: list[Trigger], observation: Observation) -> str:
    parts = [_reason(trigger, rules, observation) for trigger in entered]
    return f"{rules.kpi_name} {_join(parts)} ({observation.period.label})."


def _escalation_text(rules: AlertRules, due: list[Episode], observation: Observation) -> str:
    parts = [f"{_still(episode.trigger, rules)} since {episode.since.label}" for episode in due]
    return (
        f"{rules.kpi_name} has been {_join(parts)}; it is still so in {observation.period.label}."
    )


def _reason(trigger: Trigger, rules: AlertRules, observation: Observation) -> str:
    value = observation.value
    shown = f" (now {format_value(value, rules.unit)})" if value is not None else ""
    match trigger:
        case Trigger.OFF_TRACK:
            return "moved off track"
        case Trigger.BELOW:
            assert rules.alert_below is not None
            return f"fell below the alert level of {format_value(rules.alert_below, rules.unit)}{shown}"
        case Trigger.ABOVE:
            assert rules.alert_above is not None
            return f"rose above the alert level of {format_value(rules.alert_above, rules.unit)}{shown}"
        case Trigger.PROJECTED_MISS:
            return "is now projected to miss its target"


def _still(trigger: Trigger, rules: AlertRules) -> str:
    match trigger:
        case Trigger.OFF_TRACK:
            return "off track"
        case Trigger.BELOW:
            assert rules.alert_below is not None
            return f"below {format_value(rules.alert_below, rules.unit)}"
        case Trigger.ABOVE:
            assert rules.alert_above is not None
            return f"above {format_value(rules.alert_above, rules.unit)}"
        case Trigger.PROJECTED_MISS:
            return "projected to miss its target"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _alert(
    rules: AlertRules,
    audience: Audience,
    recipient: str,
    triggers: list[Trigger],
    observation: Observation,
    text: str,
) -> Alert:
    return Alert(
        rules.kpi_key,
        audience,
        recipient,
        tuple(triggers),
        observation.period,
        text,
        working_hours_only=audience is not Audience.CHANNEL,
    )
