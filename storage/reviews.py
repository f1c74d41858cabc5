"""Queries for review meetings, their commentary and decisions, and action items.

Like storage.repo, nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import ActionItem, Review, ReviewComment, ReviewDecision, ReviewItem

OPEN, CLOSED, DONE = "open", "closed", "done"


def get_review(session: Session, review_id: int) -> Review | None:
    return session.get(Review, review_id)


def review_on(session: Session, team_id: int, meeting_key: str) -> Review | None:
    query = select(Review).where(Review.team_id == team_id, Review.meeting_key == meeting_key)
    return session.exec(query).first()


def open_reviews(session: Session, team_id: int) -> list[Review]:
    """The team's open reviews, newest meeting first."""
    query = (
        select(Review)
        .where(Review.team_id == team_id, Review.status == OPEN)
        .order_by(col(Review.meeting_at).desc(), col(Review.id).desc())
    )
    return list(session.exec(query))


def review_by_thread(session: Session, channel_id: str, parent_ts: str) -> Review | None:
    query = select(Review).where(Review.channel_id == channel_id, Review.parent_ts == parent_ts)
    return session.exec(query).first()


def items_of(session: Session, review_id: int) -> list[ReviewItem]:
    query = (
        select(ReviewItem)
        .where(ReviewItem.review_id == review_id)
        .order_by(col(ReviewItem.position), col(ReviewItem.id))
    )
    return list(session.exec(query))


def comments_of(session: Session, review_id: int) -> list[ReviewComment]:
    query = (
        select(ReviewComment)
        .where(ReviewComment.review_id == review_id)
        .order_by(col(ReviewComment.created_at), col(ReviewComment.id))
    )
    return list(session.exec(query))


def comment_by_ts(session: Session, review_id: int, message_ts: str) -> ReviewComment | None:
    query = select(ReviewComment).where(
        ReviewComment.review_id == review_id, ReviewComment.message_ts == message_ts
    )
    return session.exec(query).first()


def decisions_of(session: Session, review_id: int) -> list[ReviewDecision]:
    query = (
        select(ReviewDecision)
        .where(ReviewDecision.review_id == review_id)
        .order_by(col(ReviewDecision.decided_at), col(ReviewDecision.id))
    )
    return list(session.exec(query))


def actions_of_review(session: Session, review_id: int) -> list[ActionItem]:
    query = (
        select(ActionItem)
        .where(ActionItem.review_id == review_id)
        .order_by(col(ActionItem.created_at), col(ActionItem.id))
    )
    return list(session.exec(query))


def open_actions(
    session: Session,
    *,
    team_ids: Sequence[int] | None = None,
    owner: str | None = None,
) -> list[ActionItem]:
    """Open action items of these teams and/or this owner, earliest due first (no date last)."""
    query = select(ActionItem).where(ActionItem.status == OPEN)
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(col(ActionItem.team_id).in_(list(team_ids)))
    if owner is not None:
        query = query.where(ActionItem.owner_user_id == owner)
    query = query.order_by(
        col(ActionItem.due_date).is_(None),
        col(ActionItem.due_date),
        col(ActionItem.created_at),
        col(ActionItem.id),
    )
    return list(session.exec(query))
