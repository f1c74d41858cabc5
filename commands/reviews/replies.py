"""Replies typed in a review thread, captured as commentary on the KPI they are about.

Slack threads are flat: every reply in a review thread answers the parent, whichever KPI
message it was typed under. So a reply counts as commentary of a KPI when its author owns that
KPI in the review and

* the reply starts with the KPI's key or name (``pipeline: two deals slipped``), or
* the author owns exactly one KPI of the review.

A reply from someone who owns several KPIs of the review and names none is *ambiguous*: the bot
asks them to start it with the KPI's key. Replies from people who own none of the review's
KPIs, and replies in closed reviews, are left alone. Editing a captured reply updates the
commentary; deleting it removes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from commands.parsing.text import plain as _plain
from commands.reviews.inputs import MAX_COMMENT
from commands.text import clean
from storage import repo, reviews
from storage.models import Kpi, Review, ReviewComment

Outcome = Literal["captured", "updated", "removed", "ambiguous", "ignored"]
_MARKS = "`*_~\"'“”"


@dataclass(frozen=True)
class Captured:
    outcome: Outcome
    kpi_name: str | None = None
    kpi_key: str | None = None
    options: tuple[str, ...] = ()  # KPI keys to choose from when ambiguous


def _review_kpis(session: Session, review: Review) -> list[Kpi]:
    assert review.id is not None
    ids = [i.kpi_id for i in reviews.items_of(session, review.id)]
    found = {k.id: k for k in repo.list_kpis(session, repo.KpiFilter(active=None)) if k.id in ids}
    return [found[i] for i in ids if i in found]


def _named(text: str, owned: list[Kpi]) -> tuple[Kpi, str] | None:
    """The owned KPI the reply starts with (its key or name), and the rest of the reply."""
    lowered = text.lower()
    for kpi in sorted(owned, key=lambda k: -max(len(k.key), len(k.name))):
        for label in (kpi.key, kpi.name):
            pattern = rf"^[{re.escape(_MARKS)}]*{re.escape(label.lower())}[{re.escape(_MARKS)}]*\s*[:\-–—]\s*"
            match = re.match(pattern, lowered)
            if match:
                return kpi, text[match.end() :]
    return None


def capture_reply(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user: str,
    text: str,
    now: datetime,
) -> Captured:
    """Record a thread reply as commentary when it is an owner's (see the module docstring)."""
    review = reviews.review_by_thread(session, channel, thread_ts)
    if review is None or review.id is None or review.status != reviews.OPEN:
        return Captured("ignored")
    owned = [k for k in _review_kpis(session, review) if k.owner_user_id == user]
    if not owned:
        return Captured("ignored")
    body = clean(_plain(text), MAX_COMMENT)
    named = _named(body, owned)
    if named is not None:
        kpi, body = named[0], named[1].strip()
    elif len(owned) == 1:
        kpi = owned[0]
    else:
        return Captured("ambiguous", options=tuple(k.key for k in owned))
    if not body:
        return Captured("ignored")
    existing = reviews.comment_by_ts(session, review.id, ts)
    if existing is not None:
        existing.kpi_id, existing.text, existing.updated_at = kpi.id or 0, body, now
        session.add(existing)
        return Captured("updated", kpi.name, kpi.key)
    session.add(
        ReviewComment(
            review_id=review.id,
            kpi_id=kpi.id or 0,
            author=user,
            text=body[:MAX_COMMENT],
            source="thread",
            message_ts=ts,
            created_at=now,
            updated_at=now,
        )
    )
    return Captured("captured", kpi.name, kpi.key)


def remove_reply(session: Session, *, channel: str, thread_ts: str, ts: str) -> Captured:
    """A captured reply was deleted: its commentary goes too."""
    review = reviews.review_by_thread(session, channel, thread_ts)
    if review is None or review.id is None:
        return Captured("ignored")
    existing = reviews.comment_by_ts(session, review.id, ts)
    if existing is None:
        return Captured("ignored")
    session.delete(existing)
    return Captured("removed")


__all__ = ["Captured", "ReviewComment", "capture_reply", "remove_reply"]
