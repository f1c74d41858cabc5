"""What a review thread says, as plain data built fresh when it is posted.

* :func:`parent_view`: the parent message: the meeting, the agenda (relevance questions first,
  open action items, then every KPI in the thread) and the team's chart series.
* :func:`item_views`: one message per KPI in the thread: value, target, status, trend, the
  owner, recent values, the relevance question when it is due, and whether it gets a chart.
* :func:`summary_view`: the closing summary: decisions, action items, KPIs without commentary.

Charts: the parent carries one team chart with every KPI; a KPI's own message carries its own
chart only where it pays (:func:`wants_chart`): at risk, off track or worsening, or up for the
relevance question, with at least two values, and at most :data:`MAX_ITEM_CHARTS` per review.
Uploads are Slack's scarcest calls, and the team chart already shows every line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from charts.series import KpiSeries
from commands import insight
from commands.context import Context, Policy
from commands.results import KpiRow, OpenActionItem
from commands.reviews.action_items import open_action_items, views
from commands.reviews.plan import KPIBOT, relevance_facts, team_zone
from core.kinds import Status, Trend
from core.relevance import Flag, check
from core.status import format_date
from core.values import format_value
from storage import repo, reviews
from storage.models import Kpi, Review, ReviewItem, Team

MAX_ITEM_CHARTS = 3
HISTORY = 4


def item_key(review_key: str, kpi_key: str) -> str:
    """The key a thread message carries in its metadata, to be found after a crash."""
    return f"{review_key}#{kpi_key}"


@dataclass(frozen=True)
class RelevanceNote:
    flags: tuple[str, ...]  # core.relevance.Flag values
    months_since: int
    ever_examined: bool
    examined_on: date
    decision: str | None  # the decision the KPI informs, as written down
    goal: str | None


@dataclass(frozen=True)
class ItemView:
    item_id: int
    review_id: int
    position: int  # 1-based
    total: int
    kpi_key: str
    row: KpiRow
    definition: str | None
    series: KpiSeries
    values: tuple[float, ...]  # recent values, oldest first (for a sparkline)
    history: tuple[tuple[str, str], ...]  # (period label, value), newest first
    with_chart: bool
    relevance: RelevanceNote | None
    open: bool
    projection: str | None = None  # where it lands by the goal's deadline, when projected


@dataclass(frozen=True)
class ParentView:
    review_id: int
    team_key: str
    team_name: str
    lead: str | None
    meeting: str  # "Tuesday 1 Dec 2026, 10:00 EST"
    counts: tuple[tuple[Status, int], ...]
    relevance: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, key, flags)
    open_actions: tuple[OpenActionItem, ...]
    kpis: tuple[tuple[str, str, str], ...]  # (name, key, owner) in thread order
    series: tuple[KpiSeries, ...]
    opened_by: str
    today: date


@dataclass(frozen=True)
class DecisionLine:
    kpi_name: str
    kpi_key: str
    outcome: str  # keep, adjust, retire
    reason: str
    target_before: str | None
    target_after: str | None
    by: str


@dataclass(frozen=True)
class SummaryView:
    review_id: int
    team_name: str
    meeting: str
    decisions: tuple[DecisionLine, ...]
    new_actions: tuple[OpenActionItem, ...]  # added in this review and still open
    done_actions: int  # added in this review and already done
    carried_actions: tuple[OpenActionItem, ...]  # still open from earlier reviews
    without_commentary: tuple[tuple[str, str, str], ...]  # (name, key, owner)
    commented: int  # KPIs with commentary
    closed_by: str
    today: date


def meeting_label(moment: datetime, tz: ZoneInfo) -> str:
    """``Tuesday 1 Dec 2026, 10:00 EST``."""
    local = moment.astimezone(tz)
    return f"{local:%A} {format_date(local.date())}, {local:%H:%M} {local.tzname() or tz.key}"


def _ctx(session: Session, now: datetime, policy: Policy) -> Context:
    return Context(session=session, actor=KPIBOT, now=now, policy=policy)


def _team(session: Session, review: Review) -> Team:
    team = repo.get_team_by_id(session, review.team_id)
    assert team is not None
    return team


def _kpis(session: Session, items: Sequence[ReviewItem]) -> dict[int, Kpi]:
    ids = {item.kpi_id for item in items}
    return {k.id: k for k in repo.list_kpis(session, repo.KpiFilter(active=None)) if k.id in ids}


def parent_view(session: Session, review: Review, *, now: datetime, policy: Policy) -> ParentView:
    assert review.id is not None
    team = _team(session, review)
    tz = team_zone(team, policy)
    items = reviews.items_of(session, review.id)
    kpis = _kpis(session, items)
    ordered = [kpis[i.kpi_id] for i in items if i.kpi_id in kpis]
    facts = {f.kpi.key: f for f in insight.gather(_ctx(session, now, policy), ordered)}
    counts = tuple(
        (status, n)
        for status in Status
        if (n := sum(1 for f in facts.values() if f.assessment.status is status))
    )
    relevance = tuple(
        (kpis[i.kpi_id].name, kpis[i.kpi_id].key, tuple(i.relevance.split(",")))
        for i in items
        if i.relevance and i.kpi_id in kpis
    )
    return ParentView(
        review_id=review.id,
        team_key=team.key,
        team_name=team.name,
        lead=team.lead_user_id,
        meeting=meeting_label(review.meeting_at, tz),
        counts=counts,
        relevance=relevance,
        open_actions=tuple(open_action_items(session, review.team_id)),
        kpis=tuple((k.name, k.key, k.owner_user_id) for k in ordered),
        series=tuple(insight.series_for(_ctx(session, now, policy), facts[k.key]) for k in ordered),
        opened_by=review.opened_by,
        today=now.astimezone(tz).date(),
    )


def wants_chart(row: KpiRow, relevance_due: bool, values: int) -> bool:
    pays = row.status in (Status.AT_RISK, Status.OFF_TRACK) or row.trend is Trend.WORSENING
    return values >= 2 and (pays or relevance_due)


def item_views(
    session: Session, review: Review, *, now: datetime, policy: Policy
) -> list[ItemView]:
    """Every KPI message of the review, in thread order."""
    assert review.id is not None
    team = _team(session, review)
    tz = team_zone(team, policy)
    items = reviews.items_of(session, review.id)
    kpis = _kpis(session, items)
    ctx = _ctx(session, now, policy)
    facts = {
        f.kpi.id: f
        for f in insight.gather(ctx, [kpis[i.kpi_id] for i in items if i.kpi_id in kpis])
    }
    goals = repo.goals_by_id(session)
    out: list[ItemView] = []
    charts = 0
    for position, item in enumerate(items, start=1):
        if item.kpi_id not in kpis:
            continue
        assert item.id is not None
        kpi, fact = kpis[item.kpi_id], facts[item.kpi_id]
        note = None
        if item.relevance:
            relevance = check(relevance_facts(session, [kpi], tz, now)[0], now)
            goal = goals.get(kpi.goal_id) if kpi.goal_id is not None else None
            note = RelevanceNote(
                flags=tuple(item.relevance.split(",")),
                months_since=relevance.months_since,
                ever_examined=relevance.ever_examined,
                examined_on=relevance.examined_at.astimezone(tz).date(),
                decision=kpi.decision,
                goal=goal.title if goal else None,
            )
        values = tuple(m.value for m in fact.values)
        with_chart = charts < MAX_ITEM_CHARTS and wants_chart(
            fact.row, Flag.DUE in (note.flags if note else ()), len(values)
        )
        charts += with_chart
        out.append(
            ItemView(
                item_id=item.id,
                review_id=review.id,
                position=position,
                total=len(items),
                kpi_key=kpi.key,
                row=fact.row,
                definition=kpi.definition,
                series=insight.series_for(ctx, fact),
                values=values[-8:],
                history=tuple(
                    (
                        insight.period_label(kpi.cadence, m.period_key),
                        format_value(m.value, kpi.unit),
                    )
                    for m in reversed(fact.values[-HISTORY:])
                ),
                with_chart=with_chart,
                relevance=note,
                open=review.status == reviews.OPEN,
                projection=_projection(fact),
            )
        )
    return out


def _projection(fact: insight.KpiFacts) -> str | None:
    ahead = insight.outlook_of(fact)
    return ahead.line if ahead.projection is not None and ahead.projection.projected else None


def summary_view(session: Session, review: Review, *, now: datetime, policy: Policy) -> SummaryView:
    assert review.id is not None
    team = _team(session, review)
    tz = team_zone(team, policy)
    items = reviews.items_of(session, review.id)
    kpis = _kpis(session, items)
    all_kpis = {k.id: k for k in repo.list_kpis(session, repo.KpiFilter(active=None))}
    decisions = tuple(
        DecisionLine(
            kpi_name=all_kpis[d.kpi_id].name,
            kpi_key=all_kpis[d.kpi_id].key,
            outcome=d.outcome,
            reason=d.reason,
            target_before=d.target_before,
            target_after=d.target_after,
            by=d.decided_by,
        )
        for d in reviews.decisions_of(session, review.id)
        if d.kpi_id in all_kpis
    )
    added = reviews.actions_of_review(session, review.id)
    new_open = [a for a in added if a.status == reviews.OPEN]
    carried = [
        a
        for a in reviews.open_actions(session, team_ids=[review.team_id])
        if a.review_id != review.id
    ]
    commented = {c.kpi_id for c in reviews.comments_of(session, review.id)}
    silent = tuple(
        (kpis[i.kpi_id].name, kpis[i.kpi_id].key, kpis[i.kpi_id].owner_user_id)
        for i in items
        if i.kpi_id in kpis and i.kpi_id not in commented
    )
    return SummaryView(
        review_id=review.id,
        team_name=team.name,
        meeting=meeting_label(review.meeting_at, tz),
        decisions=decisions,
        new_actions=tuple(views(session, new_open)),
        done_actions=len(added) - len(new_open),
        carried_actions=tuple(views(session, carried)),
        without_commentary=silent,
        commented=len([i for i in items if i.kpi_id in commented]),
        closed_by=review.closed_by or KPIBOT,
        today=now.astimezone(tz).date(),
    )
