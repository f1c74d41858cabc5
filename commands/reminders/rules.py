"""What reminders need to know besides the schedule: states, each team's settings, whose time
counts, who is away, which periods already have a value, and which KPIs are overdue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from commands.context import Policy
from core.schedule import ReminderRules, WorkingTime
from storage.models import Measurement, Nudge, Person, Team

# Delivery kinds (storage.outbox) and nudge states (storage.models.Nudge).
REMINDER, LATE = "reminder", "late"
OPEN, AWAY, ANSWERED, SKIPPED, LATE_STATE, MISSED, CLOSED = (
    "open", "away", "answered", "skipped", "late", "missed", "closed",
)  # fmt: skip
WAITING = (OPEN, AWAY)
CHUNK = 5000  # IDs per IN (...) list


@dataclass(frozen=True)
class TeamSettings:
    """A team's reminder settings: its own columns over the operator's defaults."""

    tz: ZoneInfo  # where the team's reporting periods are cut
    rules: ReminderRules
    hours: tuple[time, time]
    days: frozenset[int]

    def working_time(self, tz: ZoneInfo) -> WorkingTime:
        """This team's working hours and days, on a member's own clock."""
        return WorkingTime(tz, start=self.hours[0], end=self.hours[1], days=self.days)


def team_settings(team: Team | None, policy: Policy) -> TeamSettings:
    d = policy.reminders
    start = team.working_hours_start if team and team.working_hours_start else d.working_hours[0]
    end = team.working_hours_end if team and team.working_hours_end else d.working_hours[1]
    if not start < end:
        start, end = d.working_hours
    days = frozenset(int(c) for c in team.workdays) if team and team.workdays else d.workdays
    follow = team.follow_up_minutes if team and team.follow_up_minutes else None
    rules = ReminderRules(
        reminder_time=team.reminder_time if team and team.reminder_time else d.reminder_time,
        follow_up_after=timedelta(minutes=follow) if follow else d.follow_up_after,
        max_reminders=team.max_reminders if team and team.max_reminders else d.max_reminders,
        catch_up=d.catch_up,
        snooze_later=d.snooze_later,
    )
    tz = zone(team.timezone if team else None, policy.tz)
    return TeamSettings(tz=tz, rules=rules, hours=(start, end), days=days or d.workdays)


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def person_zone(person: Person | None, team: TeamSettings) -> ZoneInfo:
    """A person's own timezone (from Slack), else their team's, else the default."""
    return zone(person.timezone if person else None, team.tz)


def is_away(person: Person | None, now: datetime, tz: ZoneInfo) -> bool:
    return bool(person and person.away_until and person.away_until >= now.astimezone(tz).date())


def logged_periods(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs have a value, in few queries."""
    wanted = set(pairs)
    found: set[tuple[int, str]] = set()
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), CHUNK):
        query = select(Measurement.kpi_id, Measurement.period_key).where(
            col(Measurement.kpi_id).in_(kpi_ids[chunk : chunk + CHUNK]),
            col(Measurement.period_key).in_(keys),
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def existing_nudges(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs already have a nudge, in few queries."""
    wanted = set(pairs)
    found: set[tuple[int, str]] = set()
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), CHUNK):
        query = select(Nudge.kpi_id, Nudge.period_key).where(
            col(Nudge.kpi_id).in_(kpi_ids[chunk : chunk + CHUNK]), col(Nudge.period_key).in_(keys)
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def reporting_flags(session: Session, kpi_ids: Sequence[int]) -> dict[int, str]:
    """KPIs whose value is overdue: "late", or "owner away" when the owner is away (so the
    KPI is not late). A value logged since clears the flag."""
    if not kpi_ids:
        return {}
    rows = session.exec(
        select(Nudge.kpi_id, Nudge.period_key, Nudge.state).where(
            col(Nudge.kpi_id).in_(list(kpi_ids)), col(Nudge.state).in_([LATE_STATE, AWAY])
        )
    ).all()
    answered = logged_periods(session, [(k, p) for k, p, _ in rows])
    flags: dict[int, str] = {}
    for kpi_id, period_key, state in rows:
        if (kpi_id, period_key) not in answered and flags.get(kpi_id) != "late":
            flags[kpi_id] = "late" if state == LATE_STATE else "owner away"
    return flags
