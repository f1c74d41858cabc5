"""Opening and closing reviews, and planning the scheduled ones: each recorded once in the outbox.

A review is opened (:func:`open_review`) with its agenda frozen: the team's active KPIs, those
due for the relevance question first (stale, then vanity suspects, then the longest
unexamined, see core.relevance), then the rest worst status first. Opening records one outbox
delivery (kind ``review``, key ``review:{team}:{meeting day}``) that posts the thread;
closing (:func:`close_review`) records one that posts the summary (``review-summary:...``).
The bot's reviews job sends both (bot/jobs/reviews.py).

:func:`plan` runs under the ``reviews:plan`` lease as of ``now``: every team with a review
rhythm whose next meeting is due (core.review_cadence.due_meeting) gets its review opened,
once per meeting day; a review of the team still open from an earlier meeting is closed first,
so its summary goes out and its open action items carry over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands import insight
from commands.context import Context, Policy
from commands.health import periods_missing
from commands.reminders.planner import zone
from core.kinds import Status
from core.relevance import KpiRelevance, RelevanceCheck, agenda, check
from core.review_cadence import (
    DEFAULT_LEAD,
    CadenceError,
    ReviewCadence,
    due_meeting,
    parse_review_cadence,
)
from storage import outbox, repo, reviews
from storage.models import Kpi, Review, ReviewItem, Team

REVIEW, SUMMARY = "review", "review_summary"
KINDS = (REVIEW, SUMMARY)
PLAN_LEASE = "reviews:plan"
SCHEDULE = "schedule"  # opened_by / closed_by of what kpibot does on its own
KPIBOT = "kpibot"
_STATUS_ORDER = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.NO_DATA: 2, Status.ON_TRACK: 3}


def delivery_key(team: Team, meeting_key: str) -> str:
    return f"review:{team.key}:{meeting_key}"


def summary_key(team: Team, meeting_key: str) -> str:
    return f"review-summary:{team.key}:{meeting_key}"


def team_zone(team: Team, policy: Policy) -> ZoneInfo:
    return zone(team.timezone, policy.tz)


def team_cadence(team: Team) -> ReviewCadence | None:
    """The team's rhythm, or None without one. A stored rhythm is canonical, so it reads back
    the same whatever today is."""
    if not team.review_schedule:
        return None
    return parse_review_cadence(team.review_schedule, today=date(2000, 1, 1))


def team_lead(team: Team) -> timedelta:
    return timedelta(hours=team.review_lead_hours) if team.review_lead_hours else DEFAULT_LEAD


# --- the agenda ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaEntry:
    kpi: Kpi
    relevance: RelevanceCheck
    status: Status

    @property
    def relevance_flags(self) -> str:
        """What goes into review_item.relevance: the flags when the KPI is due, else ""."""
        return ",".join(self.relevance.flags) if self.relevance.due else ""


def relevance_facts(
    session: Session, kpis: list[Kpi], tz: ZoneInfo, now: datetime
) -> list[KpiRelevance]:
    latest = repo.latest_measurements(session, [k.id for k in kpis if k.id is not None])
    return [
        KpiRelevance(
            key=k.key,
            name=k.name,
            owner=k.owner_user_id,
            created_at=k.created_at,
            reviewed_at=k.reviewed_at,
            periods_missing=periods_missing(k, latest.get(k.id or 0), tz, now),
            has_decision=bool(k.decision and k.decision.strip()),
            has_goal=k.goal_id is not None,
        )
        for k in kpis
    ]


def agenda_for(session: Session, team: Team, now: datetime, policy: Policy) -> list[AgendaEntry]:
    """The team's active KPIs in the order a review takes them (see the module docstring)."""
    assert team.id is not None
    kpis = repo.list_kpis(session, repo.KpiFilter(team_id=team.id))
    if not kpis:
        return []
    ctx = Context(session=session, actor=KPIBOT, now=now, policy=policy)
    statuses = {f.kpi.key: f.assessment.status for f in insight.gather(ctx, kpis, periods=2)}
    facts = relevance_facts(session, kpis, team_zone(team, policy), now)
    checks = {c.key: c for c in (check(f, now) for f in facts)}
    due = [c.key for c in agenda(facts, now)]
    rest = sorted(
        (k.key for k in kpis if k.key not in set(due)),
        key=lambda key: (_STATUS_ORDER[statuses[key]], key),
    )
    by_key = {k.key: k for k in kpis}
    return [AgendaEntry(by_key[key], checks[key], statuses[key]) for key in due + rest]


# --- opening and closing ---------------------------------------------------------------------------


def open_review(
    session: Session,
    team: Team,
    *,
    meeting_at: datetime,
    meeting_key: str,
    opened_by: str,
    now: datetime,
    policy: Policy,
) -> Review:
    """Record a review with its agenda and the delivery that posts its thread."""
    assert team.id is not None
    assert team.channel_id is not None
    review = Review(
        team_id=team.id,
        meeting_key=meeting_key,
        meeting_at=meeting_at,
        opened_by=opened_by,
        channel_id=team.channel_id,
        created_at=now,
        updated_at=now,
    )
    session.add(review)
    session.flush()
    assert review.id is not None
    for position, entry in enumerate(agenda_for(session, team, now, policy)):
        assert entry.kpi.id is not None
        session.add(
            ReviewItem(
                review_id=review.id,
                kpi_id=entry.kpi.id,
                position=position,
                relevance=entry.relevance_flags,
            )
        )
    review.delivery_id = outbox.create(
        session,
        key=delivery_key(team, meeting_key),
        kind=REVIEW,
        recipient=team.channel_id,
        due_at=now,
        now=now,
        payload={"review": review.id},
    )
    session.add(review)
    repo.audit(
        session,
        actor=opened_by,
        action="review.open",
        entity="review",
        key=f"{team.key}:{meeting_key}",
        now=now,
        details={"meeting_at": meeting_at},
    )
    session.flush()
    return review


def close_review(session: Session, review: Review, team: Team, *, by: str, now: datetime) -> None:
    """Close a review and record the delivery that posts its summary."""
    review.status, review.closed_at, review.closed_by, review.updated_at = (
        reviews.CLOSED,
        now,
        by,
        now,
    )
    recipient = review.channel_id or team.channel_id
    if recipient:
        review.summary_delivery_id = outbox.create(
            session,
            key=summary_key(team, review.meeting_key),
            kind=SUMMARY,
            recipient=recipient,
            due_at=now,
            now=now,
            payload={"review": review.id},
        )
    session.add(review)
    repo.audit(
        session,
        actor=by,
        action="review.close",
        entity="review",
        key=f"{team.key}:{review.meeting_key}",
        now=now,
    )
    session.flush()


# --- planning ----------------------------------------------------------------------------------------


@dataclass
class PlanSummary:
    opened: list[str] = field(default_factory=list)  # team:meeting day
    closed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"{len(self.opened)} reviews opened ({', '.join(self.opened) or 'none'}), "
            f"{len(self.closed)} earlier ones closed"
        )
        return text + "".join(f"; {p}" for p in self.problems)


def plan(session: Session, *, now: datetime, policy: Policy) -> PlanSummary:
    """Open every review due as of ``now`` (see the module docstring); never commits."""
    summary = PlanSummary()
    for team in repo.list_teams(session):
        if not team.review_schedule or team.id is None:
            continue
        try:
            cadence = team_cadence(team)
        except CadenceError as exc:
            summary.problems.append(f"{team.key}: unreadable review rhythm ({exc})")
            continue
        if cadence is None:
            continue
        tz = team_zone(team, policy)
        meeting = due_meeting(cadence, now, tz, team_lead(team))
        if meeting is None:
            continue
        meeting_key = cadence.meeting_day(meeting, tz).isoformat()
        if reviews.review_on(session, team.id, meeting_key) is not None:
            continue
        if not team.channel_id:
            summary.problems.append(f"{team.key}: no channel to post its review in")
            continue
        for earlier in reviews.open_reviews(session, team.id):
            close_review(session, earlier, team, by=SCHEDULE, now=now)
            summary.closed.append(f"{team.key}:{earlier.meeting_key}")
        open_review(
            session,
            team,
            meeting_at=meeting,
            meeting_key=meeting_key,
            opened_by=SCHEDULE,
            now=now,
            policy=policy,
        )
        summary.opened.append(f"{team.key}:{meeting_key}")
    return summary
