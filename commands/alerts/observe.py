"""Look at a KPI after a value is stored (or on the periodic check) and queue the alerts its
new state raises, exactly once.

:func:`observe` builds a :class:`core.alerts.Observation` (the KPI's status, latest value and,
with a goal deadline and enough values, whether its projection hits), steps the KPI's stored
:class:`~core.alerts.AlertState` with :func:`core.alerts.step`, and writes the new state and
one outbox delivery per alert in the caller's transaction. The state row is locked while it is
stepped (storage.alert_state), and each delivery's key is the alert's ``dedupe_key``, so two
processes looking at the same value raise each alert once.

When an alert is due: a DM to the owner or the lead waits for the recipient's working hours
(their timezone, the team's hours and days), otherwise it goes at once; channel alerts go at
once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.context import Context, Policy
from commands.insight import assess_kpi, target_of, target_text
from commands.reminders.rules import person_zone, team_settings
from core.alerts import Alert, AlertRules, Observation, step
from core.cadence import parse_period, period_containing
from core.projection import MIN_VALUES, judge, project
from core.values import format_value
from storage import alert_state, outbox, repo
from storage.models import Goal, Kpi, Measurement, Team

ALERT = "alert"  # the outbox kind
HISTORY = 12  # values read for the status and the projection
# How far back the periodic check looks for values no event told about, for KPIs never looked
# at: far enough for a crashed process, not so far that an upgrade alerts on old news.
CATCH_UP = timedelta(days=1)


@dataclass(frozen=True)
class Observed:
    kpi_key: str
    queued: tuple[str, ...]  # the keys of the deliveries this look created


def rules_for(kpi: Kpi, team: Team | None) -> AlertRules:
    channel = team.channel_id if team is not None and team.alerts_channel else None
    return AlertRules(
        kpi_key=kpi.key,
        kpi_name=kpi.name,
        owner=kpi.owner_user_id,
        team_lead=team.lead_user_id if team is not None else None,
        channel=channel,
        alert_below=kpi.alert_below,
        alert_above=kpi.alert_above,
        unit=kpi.unit,
    )


def observe(session: Session, kpi_key: str, *, now: datetime, policy: Policy) -> Observed:
    """Step ``kpi_key``'s alert state as of ``now`` and queue what it raises."""
    kpi = repo.get_kpi(session, kpi_key)
    if kpi is None or kpi.id is None or not kpi.active:
        return Observed(kpi_key, ())
    team = repo.get_team_by_id(session, kpi.team_id)
    goal = session.get(Goal, kpi.goal_id) if kpi.goal_id is not None else None
    values = repo.recent_measurements(session, kpi.id, HISTORY)  # oldest first
    ctx = Context(session=session, actor="kpibot", now=now, policy=policy)
    observation = _observation(ctx, kpi, team, goal, values)
    try:
        rules = rules_for(kpi, team)
    except ValueError:  # inconsistent levels are refused when set; an old row alerts on status
        rules = AlertRules(kpi.key, kpi.name, kpi.owner_user_id)
    state = alert_state.load_for_update(session, kpi.id, kpi.cadence, now=now)
    result = step(rules, state, observation)
    alert_state.save(session, kpi.id, result.state, now=now)
    deliveries = [
        outbox.NewDelivery(
            key=alert.dedupe_key,
            kind=ALERT,
            recipient=alert.recipient,
            due_at=_due(session, alert, team, now=now, policy=policy),
            payload=_payload(kpi, alert, values),
        )
        for alert in result.alerts
    ]
    created = outbox.create_many(session, deliveries, now=now)
    return Observed(kpi.key, tuple(created))


def _observation(
    ctx: Context, kpi: Kpi, team: Team | None, goal: Goal | None, values: Sequence[Measurement]
) -> Observation:
    tz = team_settings(team, ctx.policy).tz
    period = period_containing(kpi.cadence, ctx.now.astimezone(tz).date())
    assessment = assess_kpi(ctx, kpi, values, goal)
    return Observation(
        period=period,
        status=assessment.status,
        value=values[-1].value if values else None,
        projection_hits=_projection_hits(kpi, goal, values),
    )


def _projection_hits(kpi: Kpi, goal: Goal | None, values: Sequence[Measurement]) -> bool | None:
    """Whether the trend reaches the target by the goal's deadline; None when it cannot say."""
    if goal is None or goal.deadline is None or len(values) < MIN_VALUES:
        return None
    try:
        history = [(parse_period(kpi.cadence, v.period_key), v.value) for v in values]
        projection = project(history, goal.deadline, target=kpi.target)
    except ValueError:
        return None
    verdict = judge(projection, target_of(kpi), unit=kpi.unit)
    return None if verdict is None else verdict.hits


def _due(
    session: Session, alert: Alert, team: Team | None, *, now: datetime, policy: Policy
) -> datetime:
    if not alert.working_hours_only:
        return now
    settings = team_settings(team, policy)
    person = repo.get_person(session, alert.recipient)
    return settings.working_time(person_zone(person, settings)).next_open(now)


def _payload(kpi: Kpi, alert: Alert, values: Sequence[Measurement]) -> dict[str, object]:
    latest = values[-1] if values else None
    return {
        "kpi": kpi.key,
        "name": kpi.name,
        "audience": alert.audience.value,
        "triggers": [trigger.value for trigger in alert.triggers],
        "text": alert.text,
        "value": format_value(latest.value, kpi.unit) if latest else None,
        "period": latest.period_key if latest else None,
        "target": target_text(kpi),
        "owner": kpi.owner_user_id,
    }


def check(session: Session, *, now: datetime, policy: Policy) -> list[Observed]:
    """The periodic look (storage.alert_state.kpis_to_look_at): KPIs with an open alert
    episode, for escalation, and KPIs with a value no event told about (the last day's)."""
    since = now - CATCH_UP
    return [
        observe(session, key, now=now, policy=policy)
        for key in alert_state.kpis_to_look_at(session, since=since)
    ]
