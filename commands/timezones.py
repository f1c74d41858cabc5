"""People's timezones, cached from Slack so a reminder run never looks one up per person.

kpibot keeps each person's Slack timezone on their row with the time it was read
(`timezone_checked_at`). The bot refreshes the cache in bulk (one users.list sweep) when
someone it reminds has no timezone yet or one older than KPIBOT_TIMEZONE_REFRESH, and for a
single person whenever Slack sends a user_change event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from storage import repo
from storage.models import Kpi, Person, Team


@dataclass(frozen=True)
class Profile:
    """What Slack says about a person: their IANA timezone and a name to show."""

    timezone: str | None
    name: str | None = None


def reminded_people(session: Session) -> set[str]:
    """Everyone kpibot may DM about KPIs: owners of active KPIs, their delegates, team leads."""
    owners = set(session.exec(select(Kpi.owner_user_id).where(col(Kpi.active).is_(True))))
    leads = {lead for lead in session.exec(select(Team.lead_user_id)) if lead}
    delegates = {
        d
        for d in session.exec(
            select(Person.delegate_user_id).where(col(Person.slack_user_id).in_(owners))
        )
        if d
    }
    return owners | leads | delegates


def needing_refresh(session: Session, *, now: datetime, max_age: timedelta) -> list[str]:
    """The reminded people whose timezone kpibot has never read, or read too long ago."""
    wanted = reminded_people(session)
    known = repo.people_by_id(session, wanted)
    cutoff = now - max_age
    return sorted(
        user_id
        for user_id in wanted
        if (person := known.get(user_id)) is None
        or person.timezone_checked_at is None
        or person.timezone_checked_at < cutoff
    )


def store(
    session: Session,
    profiles: Mapping[str, Profile],
    *,
    now: datetime,
    checked: Iterable[str] = (),
) -> int:
    """Cache what Slack said about the reminded people; returns how many rows changed.

    ``checked`` are people Slack was asked about: those it did not describe are marked as
    checked too, so a missing person does not set off a new lookup every run. People kpibot
    does not remind are not stored: a workspace's directory stays in Slack.
    """
    wanted = reminded_people(session)
    asked = wanted & (set(profiles) | set(checked))
    known = repo.people_by_id(session, asked)
    new = [Person(slack_user_id=u, created_at=now, updated_at=now) for u in asked - set(known)]
    changed = 0
    for person in [*known.values(), *new]:
        changed += _apply(person, profiles.get(person.slack_user_id, Profile(None)), now)
    session.add_all(new)  # one batched INSERT at the next flush, not one query per person
    return changed


def user_changed(session: Session, user_id: str, profile: Profile, *, now: datetime) -> bool:
    """A user_change event: refresh the person if kpibot knows them."""
    person = repo.get_person(session, user_id)
    if person is None:
        if user_id not in reminded_people(session):
            return False
        person = repo.ensure_person(session, user_id, now)
    _apply(person, profile, now)
    session.add(person)
    return True


def _apply(person: Person, profile: Profile, now: datetime) -> int:
    timezone = _valid(profile.timezone)
    changed = timezone is not None and timezone != person.timezone
    if changed:
        person.timezone = timezone
    if profile.name and not person.display_name:
        person.display_name, changed = profile.name[:200], True
    person.timezone_checked_at = now
    if changed:
        person.updated_at = now
    return int(changed)


def _valid(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
