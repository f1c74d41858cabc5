"""Late values: rebuild the digests posted in the last week whose KPIs got a value logged
after they were built, and update those whose content changed (chart and message) in place.

Each post is rebuilt as of its own moment, so only values for the periods it shows can change
it; a value for the week in progress makes it looked at once, and left alone.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.digests.publish import Content, Publisher
from bot.digests.render import ChartRenderer
from charts import Chart
from commands.context import Policy
from commands.digests.digest import build_team_digests
from commands.rollup import build_rollup
from storage import digests, repo
from storage.db import session_scope
from storage.models import DigestPost

log = logging.getLogger(__name__)

REFRESH_WINDOW = timedelta(days=7)


def stale_contents(
    engine: Engine, policy: Policy, now: datetime
) -> list[tuple[DigestPost, Content]]:
    """Each stale post with its content rebuilt as of the post's moment."""
    with session_scope(engine) as session:
        stale = digests.stale_posts(session, since=now - REFRESH_WINDOW)
        wanted = {p.team_id for p in stale if p.team_id is not None}
        teams = {t.id: t for t in repo.list_teams(session) if t.id in wanted}
        team_posts = [(p, teams[p.team_id]) for p in stale if p.team_id in teams]
        built = build_team_digests(session, policy, [(team, p.moment) for p, team in team_posts])
        by_post = {p.id: digest for (p, _), digest in zip(team_posts, built, strict=True)}
        contents = []
        for post in stale:
            if post.team_id is None:
                contents.append((post, Content(build_rollup(session, policy, post.moment))))
            elif post.id in by_post:
                contents.append((post, Content(by_post[post.id], post.team_id)))
    return contents


def refresh(
    publisher: Publisher,
    renderer: ChartRenderer,
    contents: list[tuple[DigestPost, Content]],
    *,
    built_at: datetime,
) -> int:
    """Update the posts whose content changed; how many were updated."""
    charts: list[tuple[DigestPost, Content, Future[Chart] | None]] = [
        (post, content, content.chart(renderer))
        if content.digest.fingerprint() != post.fingerprint
        else (post, content, None)
        for post, content in contents
    ]  # drawn in parallel, in the worker processes
    updated = 0
    for post, content, chart in charts:
        drawn = _result(chart) if chart is not None else None
        updated += publisher.refresh(post, content, drawn, built_at=built_at)
    return updated


def _result(chart: Future[Chart]) -> Chart | None:
    try:
        return chart.result()
    except Exception:
        log.exception("a digest chart could not be drawn")
        return None
