"""What reminders need to know besides the schedule: states, each team's settings, whose time
counts, who is away, which periods already have a value, and which KPIs are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.context import Policy
from core.schedule import ReminderRules, WorkingTime
from storage.models import Person, Team


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
