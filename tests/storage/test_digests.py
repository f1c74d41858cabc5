"""Digest posts: recorded before posting, and found again when a late value arrives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage import digests, outbox, repo
from storage.models import Kpi, Nudge, Team

from ..conftest import NOW

LATER = NOW + timedelta(hours=1)


def seed(session: Session) -> tuple[Team, Team, Kpi, Kpi]:
    sales = Team(key="sales", name="Sales", created_at=NOW, updated_at=NOW)
    ops = Team(key="ops", name="Ops", created_at=NOW, updated_at=NOW)
    session.add(sales)
    session.add(ops)
    session.flush()
    pipeline = Kpi(key="pipeline", name="Pipeline", owner_user_id="U0ALICE01", team_id=sales.id,
                   created_at=NOW, updated_at=NOW)  # fmt: skip
    tickets = Kpi(key="tickets", name="Tickets", owner_user_id="U0BOB0001", team_id=ops.id,
                  created_at=NOW, updated_at=NOW)  # fmt: skip
    retired = Kpi(key="old", name="Old", owner_user_id="U0BOB0001", team_id=ops.id, active=False,
                  created_at=NOW, updated_at=NOW)  # fmt: skip
    session.add_all([pipeline, tickets, retired])
    session.flush()
    return sales, ops, pipeline, tickets


def post(
    session: Session, team: Team | None, *, ts: str | None = "1.0", delivery: int | None = None
):
    made = digests.start_post(
        session, team_id=team.id if team else None, week_key="2026-W47", moment=NOW,
        channel_id="C0SALES01", delivery_id=delivery, fingerprint="abc", file_id="F1", now=NOW,
    )  # fmt: skip
    if ts is not None:
        assert made.id is not None
        digests.posted(session, made.id, channel_id="C0SALES01", ts=ts, now=NOW)
    session.flush()
    return made


def log(session: Session, kpi: Kpi, at) -> None:
    repo.log_value(session, kpi, period_key="2026-W47", period_start=date(2026, 11, 16), value=at.timestamp(),
                   note=None, source="t", by="U0ALICE01", now=at)  # fmt: skip
    session.flush()


def test_posts_with_values_logged_after_they_were_built_are_stale(session: Session) -> None:
    sales, ops, pipeline, tickets = seed(session)
    team_post = post(session, sales)
    ops_post = post(session, ops)
    rollup = post(session, None)
    unposted = post(session, sales, ts=None)
    log(session, pipeline, NOW)  # logged before (not after) the posts were built
    assert digests.stale_posts(session, since=NOW - timedelta(days=7)) == []
    log(session, pipeline, LATER)
    stale = digests.stale_posts(session, since=NOW - timedelta(days=7))
    assert [p.id for p in stale] == [team_post.id, rollup.id]
    assert unposted.id not in [p.id for p in stale]
    assert digests.stale_posts(session, since=NOW + timedelta(minutes=1)) == []
    assert team_post.id is not None
    digests.refreshed(session, team_post.id, fingerprint="abc", file_id="F1", now=LATER,
                      changed=False)  # fmt: skip
    assert rollup.id is not None
    digests.refreshed(session, rollup.id, fingerprint="def", file_id="F2", now=LATER, changed=True)
    session.flush()
    assert digests.stale_posts(session, since=NOW - timedelta(days=7)) == []
    assert (rollup.fingerprint, rollup.file_id, rollup.updates) == ("def", "F2", 1)
    assert (team_post.fingerprint, team_post.updates) == ("abc", 0)
    log(session, tickets, LATER + timedelta(minutes=1))
    stale = digests.stale_posts(session, since=NOW - timedelta(days=7))
    assert [p.id for p in stale] == [ops_post.id, rollup.id]


def test_one_post_per_delivery(session: Session) -> None:
    sales, *_ = seed(session)
    delivery = outbox.create(session, key="digest:sales:2026-W47", kind="digest",
                             recipient="C0SALES01", due_at=NOW, now=NOW)  # fmt: skip
    assert delivery is not None
    first = post(session, sales, ts=None, delivery=delivery)
    assert digests.post_for_delivery(session, delivery) == first
    with pytest.raises(IntegrityError), session.begin_nested():
        post(session, sales, ts=None, delivery=delivery)
    assert first.id is not None
    digests.forget_post(session, first.id)
    session.flush()
    assert digests.post_for_delivery(session, delivery) is None


def test_skipped_periods_and_active_kpis_by_team(session: Session) -> None:
    sales, ops, pipeline, tickets = seed(session)
    for kpi, key, state in [(pipeline, "2026-W47", "skipped"), (tickets, "2026-W47", "late"),
                            (pipeline, "2026-W46", "skipped")]:  # fmt: skip
        session.add(Nudge(kpi_id=kpi.id or 0, period_key=key, period_start=date(2026, 11, 16),
                          state=state, skip_reason="holiday", created_at=NOW, updated_at=NOW))  # fmt: skip
    session.flush()
    wanted = [(pipeline.id or 0, "2026-W47"), (tickets.id or 0, "2026-W47")]
    assert digests.skipped_periods(session, wanted) == {(pipeline.id, "2026-W47"): "holiday"}
    assert digests.skipped_periods(session, []) == {}
    by_team = digests.active_kpis_by_team(session, [sales.id or 0, ops.id or 0])
    assert {team: [k.key for k in kpis] for team, kpis in by_team.items()} == {
        sales.id: ["pipeline"], ops.id: ["tickets"],
    }  # fmt: skip
