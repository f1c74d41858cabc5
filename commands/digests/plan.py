"""Planning digests: which team's digest (and the company roll-up) is due, recorded once.

Each team with a channel gets one digest a week at its digest moment (core.digest_time), as
the outbox delivery ``digest:{team}:{reviewed week}``; the company roll-up, when a leadership
channel is configured, is ``digest-rollup:{reviewed week}`` at Monday 09:00 in the default
timezone. The key is unique, so planning again (every minute, in several processes) never
doubles a digest, and a team that moves its digest day mid-week still gets one for the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.context import Policy
from commands.digests.facts import zone
from core.digest_time import DEFAULT_DIGEST_TIME, digest_time_of, due_moment, reviewed_week
from storage import outbox, repo

TEAM_KIND, ROLLUP_KIND = "digest", "digest_rollup"
KINDS = (TEAM_KIND, ROLLUP_KIND)


def team_key(team: str, week: str) -> str:
    return f"digest:{team}:{week}"


def rollup_key(week: str) -> str:
    return f"digest-rollup:{week}"


@dataclass
class DigestPlan:
    created: int = 0
    without_channel: list[str] | None = None

    def line(self) -> str:
        text = f"{self.created} digests planned"
        if self.without_channel:
            shown = ", ".join(self.without_channel[:5])
            more = (
                f" and {len(self.without_channel) - 5} more"
                if len(self.without_channel) > 5
                else ""
            )
            text += f"; no channel set for {shown}{more}"
        return text


def plan(
    session: Session, *, policy: Policy, now: datetime, leadership_channel: str | None
) -> DigestPlan:
    """Record every digest due as of ``now`` that is not recorded yet."""
    result = DigestPlan(without_channel=[])
    assert result.without_channel is not None
    for team in repo.list_teams(session):
        tz = zone(team, policy)
        moment = due_moment(now, digest_time_of(team.digest_weekday, team.digest_time), tz)
        if moment is None:
            continue
        if not team.channel_id:
            result.without_channel.append(team.key)
            continue
        week = reviewed_week(moment, tz)
        created = outbox.create(
            session,
            key=team_key(team.key, week.key),
            kind=TEAM_KIND,
            recipient=team.channel_id,
            due_at=moment,
            now=now,
            payload={"team": team.key, "moment": moment.isoformat()},
        )
        result.created += created is not None
    if leadership_channel:
        moment = due_moment(now, DEFAULT_DIGEST_TIME, policy.tz)
        if moment is not None:
            created = outbox.create(
                session,
                key=rollup_key(reviewed_week(moment, policy.tz).key),
                kind=ROLLUP_KIND,
                recipient=leadership_channel,
                due_at=moment,
                now=now,
                payload={"moment": moment.isoformat()},
            )
            result.created += created is not None
    return result
