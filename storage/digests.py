"""Queries for digests: the digest messages posted, which need updating, and skipped periods.

Like storage.repo, nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists
from sqlalchemy import select as select_columns  # sqlmodel's takes at most four
from sqlmodel import Session, col, select

from core.sources import UNCONFIRMED
from storage.models import DigestPost, Kpi, Measurement, Nudge
from storage.reminders import SKIPPED

_CHUNK = 5000  # IDs per IN (...) list


def start_post(
    session: Session,
    *,
    team_id: int | None,
    week_key: str,
    moment: datetime,
    channel_id: str,
    delivery_id: int | None,
    fingerprint: str,
    file_id: str | None,
    now: datetime,
) -> DigestPost:
    """Record a digest about to be posted (``message_ts`` None until Slack answers)."""
    post = DigestPost(
        team_id=team_id,
        week_key=week_key,
        moment=moment,
        delivery_id=delivery_id,
        channel_id=channel_id,
        fingerprint=fingerprint,
        file_id=file_id,
        rendered_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    session.flush()
    return post


def post_for_delivery(session: Session, delivery_id: int) -> DigestPost | None:
    return session.exec(select(DigestPost).where(DigestPost.delivery_id == delivery_id)).first()


def posted(session: Session, post_id: int, *, channel_id: str, ts: str, now: datetime) -> None:
    post = session.get(DigestPost, post_id)
    if post is not None:
        post.channel_id, post.message_ts, post.updated_at = channel_id, ts, now
        session.add(post)


def forget_post(session: Session, post_id: int) -> None:
    """Drop the record of a post Slack refused: there is nothing to update later."""
    post = session.get(DigestPost, post_id)
    if post is not None:
        session.delete(post)


def refreshed(
    session: Session,
    post_id: int,
    *,
    fingerprint: str,
    file_id: str | None,
    now: datetime,
    changed: bool,
) -> None:
    """The post was rebuilt at ``now``; ``changed`` when Slack's message was updated too."""
    post = session.get(DigestPost, post_id)
    if post is None:
        return
    post.rendered_at, post.updated_at = now, now
    if changed:
        post.fingerprint, post.file_id = fingerprint, file_id
        post.updates += 1
    session.add(post)


def stale_posts(session: Session, *, since: datetime) -> list[DigestPost]:
    """Posts made since ``since`` whose KPIs got a value logged after they were rendered.

    A team digest looks at its team's KPIs, the company roll-up (no team) at every KPI.
    Whether anything shown changed is for the caller to tell (by fingerprint).
    """
    m = Measurement
    recent = (col(DigestPost.created_at) >= since) & col(DigestPost.message_ts).is_not(None)
    team_logged = exists().where(
        and_(
            col(Kpi.team_id) == col(DigestPost.team_id),
            col(m.kpi_id) == col(Kpi.id),
            col(m.logged_at) > col(DigestPost.rendered_at),
        )
    )
    any_logged = exists().where(col(m.logged_at) > col(DigestPost.rendered_at))
    query = (
        select(DigestPost)
        .where(recent)
        .where(
            (col(DigestPost.team_id).is_not(None) & team_logged)
            | (col(DigestPost.team_id).is_(None) & any_logged)
        )
        .order_by(col(DigestPost.id))
    )
    return list(session.exec(query))


@dataclass(frozen=True)
class Value:
    """One logged value, read as plain data (no ORM objects: digests read thousands)."""

    period_key: str
    period_start: date
    value: float
    unconfirmed: bool = False  # pulled, awaiting the owner's confirmation


def values_since(
    session: Session, kpi_ids: Sequence[int], since: date
) -> dict[int, dict[str, Value]]:
    """The values of many KPIs from ``since`` on, by KPI and period key."""
    found: dict[int, dict[str, Value]] = {kpi_id: {} for kpi_id in kpi_ids}
    m = Measurement
    for chunk in range(0, len(kpi_ids), _CHUNK):
        query = select_columns(
            col(m.kpi_id), col(m.period_key), col(m.period_start), col(m.value), col(m.source)
        ).where(col(m.kpi_id).in_(kpi_ids[chunk : chunk + _CHUNK]), col(m.period_start) >= since)
        for kpi_id, key, start, value, source in session.execute(query):
            found[kpi_id][key] = Value(key, start, value, source == UNCONFIRMED)
    return found


def active_kpis_by_team(session: Session, team_ids: Sequence[int]) -> dict[int, list[Kpi]]:
    """The active KPIs of each team, by key: one query."""
    grouped: dict[int, list[Kpi]] = {team_id: [] for team_id in team_ids}
    if not team_ids:
        return grouped
    query = (
        select(Kpi)
        .where(col(Kpi.team_id).in_(list(team_ids)), col(Kpi.active).is_(True))
        .order_by(col(Kpi.key))
    )
    for kpi in session.exec(query):
        assert kpi.team_id is not None
        grouped[kpi.team_id].append(kpi)
    return grouped


def skipped_periods(
    session: Session, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], str]:
    """The (KPI id, period key) pairs among ``pairs`` that their owner skipped, with reasons."""
    wanted = set(pairs)
    if not wanted:
        return {}
    kpi_ids: Sequence[int] = sorted({kpi_id for kpi_id, _ in wanted})
    keys = sorted({key for _, key in wanted})
    query = select(Nudge).where(
        col(Nudge.kpi_id).in_(kpi_ids), col(Nudge.period_key).in_(keys), Nudge.state == SKIPPED
    )
    return {
        (n.kpi_id, n.period_key): n.skip_reason or "no reason given"
        for n in session.exec(query)
        if (n.kpi_id, n.period_key) in wanted
    }
