"""Reviews as use cases: the agenda, planning once per meeting, decisions, commentary, replies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from commands.context import CommandError, Context, Policy
from commands.reviews.content import item_views, parent_view, summary_view
from commands.reviews.inputs import add_comment, add_review_action, decide, decision_form
from commands.reviews.plan import agenda_for, close_review, open_review, plan
from commands.reviews.replies import Captured, capture_reply, remove_reply
from storage import outbox, repo, reviews
from storage.models import AuditEvent, Delivery, Goal, Kpi, Measurement, Review, Team

LEAD, ALICE, BOB, EVE, ADMIN = "U0LEAD001", "U0ALICE01", "U0BOB0001", "U0EVE0001", "U0ADMIN01"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
LONG_AGO = datetime(2025, 1, 6, tzinfo=UTC)
POLICY = Policy(admins=frozenset({ADMIN}))


def ctx(session: Session, actor: str, now: datetime = NOW) -> Context:
    return Context(session=session, actor=actor, now=now, policy=POLICY)


def seed(session: Session, schedule: str | None = "weekly tue 10:00") -> Team:
    team = Team(
        key="sales", name="Sales", channel_id="C0SALES01", timezone="America/New_York",
        lead_user_id=LEAD, review_schedule=schedule, created_at=LONG_AGO, updated_at=LONG_AGO,
    )  # fmt: skip
    session.add(team)
    session.flush()
    goal = Goal(key="pipe-h1", title="Pipeline", team_id=team.id, created_at=NOW, updated_at=NOW)
    session.add(goal)
    session.flush()

    def add(key: str, owner: str, **extra: object) -> Kpi:
        fields: dict[str, object] = {
            "name": key.replace("-", " ").title(), "owner_user_id": owner, "team_id": team.id,
            "goal_id": goal.id, "decision": "hire?", "target": 10.0, "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
        }  # fmt: skip
        fields.update(extra)
        kpi = Kpi(key=key, **fields)  # type: ignore[arg-type]
        session.add(kpi)
        session.flush()
        return kpi

    fresh = add("fresh", ALICE, reviewed_at=NOW - timedelta(days=10))
    vanity = add("vanity", ALICE, decision=None, reviewed_at=None)
    add("stale", BOB)
    off = add("off", BOB, reviewed_at=NOW - timedelta(days=30))
    for kpi, value in ((fresh, 12.0), (off, 1.0), (vanity, 11.0)):
        for weeks in (1, 2, 3):
            session.add(
                Measurement(
                    kpi_id=kpi.id or 0, period_key=f"2026-W{49 - weeks}",
                    period_start=date(2026, 11, 30) - timedelta(weeks=weeks), value=value,
                    logged_by=kpi.owner_user_id, logged_at=NOW,
                )
            )  # fmt: skip
    session.flush()
    return team


def test_agenda_asks_relevance_first_stale_then_vanity_then_worst_status(session: Session) -> None:
    team = seed(session)
    entries = agenda_for(session, team, NOW, POLICY)
    assert [e.kpi.key for e in entries] == ["stale", "vanity", "off", "fresh"]
    assert [e.relevance_flags for e in entries] == ["due,stale", "due,vanity", "", ""]


def test_plan_opens_each_meeting_once_and_closes_the_one_before(session: Session) -> None:
    team = seed(session)
    assert plan(session, now=NOW - timedelta(minutes=1), policy=POLICY).opened == []
    first = plan(session, now=NOW, policy=POLICY)
    assert first.opened == ["sales:2026-12-01"]
    assert plan(session, now=NOW + timedelta(hours=2), policy=POLICY).opened == []
    rows = session.exec(select(Delivery)).all()
    assert [(d.key, d.kind, d.recipient) for d in rows] == [
        ("review:sales:2026-12-01", "review", "C0SALES01")
    ]
    later = plan(session, now=NOW + timedelta(days=7), policy=POLICY)
    assert (later.opened, later.closed) == (["sales:2026-12-08"], ["sales:2026-12-01"])
    keys = sorted(d.key for d in session.exec(select(Delivery)).all())
    assert keys == [
        "review-summary:sales:2026-12-01",
        "review:sales:2026-12-01",
        "review:sales:2026-12-08",
    ]
    assert [r.status for r in reviews.open_reviews(session, team.id or 0)] == ["open"]


def test_plan_reports_a_team_without_a_channel(session: Session) -> None:
    team = seed(session)
    team.channel_id = None
    session.add(team)
    summary = plan(session, now=NOW, policy=POLICY)
    assert summary.opened == [] and "no channel" in summary.line()


def _review(session: Session, team: Team) -> Review:
    return open_review(
        session, team, meeting_at=NOW + timedelta(days=1), meeting_key="2026-12-01",
        opened_by=LEAD, now=NOW, policy=POLICY,
    )  # fmt: skip


def _item_id(session: Session, review: Review, key: str) -> int:
    kpi = repo.get_kpi(session, key)
    assert kpi is not None
    item = next(i for i in reviews.items_of(session, review.id or 0) if i.kpi_id == kpi.id)
    assert item.id is not None
    return item.id


def test_decisions_are_for_the_lead_and_record_the_reexamination(session: Session) -> None:
    team = seed(session)
    review = _review(session, team)
    vanity = _item_id(session, review, "vanity")
    with pytest.raises(CommandError, match="Only the lead of Sales"):
        decision_form(ctx(session, ALICE), vanity)
    with pytest.raises(CommandError) as missing:
        decide(ctx(session, LEAD), vanity, "keep", "  ", None)
    assert missing.value.field == "reason"
    assert "keep *Vanity*" in decide(ctx(session, LEAD), vanity, "keep", "still used", None)
    kpi = repo.get_kpi(session, "vanity")
    assert kpi is not None and kpi.reviewed_at == NOW

    off = _item_id(session, review, "off")
    with pytest.raises(CommandError) as no_target:
        decide(ctx(session, LEAD), off, "adjust", "too ambitious", "")
    assert no_target.value.field == "target"
    with pytest.raises(CommandError, match="already"):
        decide(ctx(session, LEAD), off, "adjust", "same", "10")
    text = decide(ctx(session, ADMIN), off, "adjust", "too ambitious", "5")
    assert "now targets ≥ 5 (was ≥ 10)" in text
    adjusted = repo.get_kpi(session, "off")
    assert adjusted is not None and adjusted.target == 5

    stale = _item_id(session, review, "stale")
    assert "retired *Stale*" in decide(ctx(session, LEAD), stale, "retire", "nobody looks", None)
    retired = repo.get_kpi(session, "stale")
    assert retired is not None and not retired.active and retired.reviewed_at == NOW
    with pytest.raises(CommandError, match="retired already"):
        decide(ctx(session, LEAD), stale, "keep", "oops", None)
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("review.decision") == 3 and "kpi.retire" in actions

    summary = summary_view(session, review, now=NOW, policy=POLICY)
    assert [(d.kpi_key, d.outcome) for d in summary.decisions] == [
        ("vanity", "keep"),
        ("off", "adjust"),
        ("stale", "retire"),
    ]
    assert summary.decisions[1].target_after == "≥ 5"


def test_commentary_and_actions_show_in_the_summary(session: Session) -> None:
    team = seed(session)
    review = _review(session, team)
    add_comment(ctx(session, EVE), _item_id(session, review, "off"), "a big deal slipped")
    with pytest.raises(CommandError):
        add_comment(ctx(session, EVE), _item_id(session, review, "off"), "   ")
    add_review_action(
        ctx(session, EVE), _item_id(session, review, "off"), "Call them", BOB, date(2026, 12, 4)
    )
    close_review(session, review, team, by=LEAD, now=NOW)
    summary = summary_view(session, review, now=NOW, policy=POLICY)
    assert [a.text for a in summary.new_actions] == ["Call them"]
    assert {k for _, k, _ in summary.without_commentary} == {"stale", "vanity", "fresh"}
    assert summary.commented == 1
    with pytest.raises(CommandError, match="is closed"):
        add_comment(ctx(session, EVE), _item_id(session, review, "off"), "late")
    assert outbox.counts(session) == {"pending": 2}


def test_thread_replies_of_owners_become_commentary(session: Session) -> None:
    team = seed(session)
    review = _review(session, team)
    review.parent_ts = "1700000000.000100"
    session.add(review)
    session.flush()
    thread = "1700000000.000100"

    def reply(ts: str, user: str, text: str, thread_ts: str = thread) -> Captured:
        return capture_reply(
            session, channel="C0SALES01", thread_ts=thread_ts, ts=ts, user=user, text=text, now=NOW
        )

    bob = reply("1.1", BOB, "`off`: &lt;lost&gt; a deal")
    assert (bob.outcome, bob.kpi_key) == ("captured", "off")
    ambiguous = reply("1.2", BOB, "numbers are fine")
    assert ambiguous.outcome == "ambiguous" and set(ambiguous.options) == {"off", "stale"}
    assert reply("1.3", EVE, "off: nice").outcome == "ignored"
    alice = reply("1.4", ALICE, "Fresh - steady")
    assert (alice.outcome, alice.kpi_key) == ("captured", "fresh")
    assert reply("1.4", ALICE, "fresh: steady, really").outcome == "updated"
    comments = {c.message_ts: c.text for c in reviews.comments_of(session, review.id or 0)}
    assert comments == {"1.1": "<lost> a deal", "1.4": "steady, really"}
    removed = remove_reply(session, channel="C0SALES01", thread_ts=thread, ts="1.1")
    assert removed.outcome == "removed"
    assert reply("1.5", BOB, "off: x", thread_ts="9").outcome == "ignored"


def test_views_fresh_at_posting_time(session: Session) -> None:
    team = seed(session)
    review = _review(session, team)
    parent = parent_view(session, review, now=NOW, policy=POLICY)
    assert parent.meeting == "Tuesday 1 Dec 2026, 10:00 EST"
    assert [key for _, key, _ in parent.relevance] == ["stale", "vanity"]
    assert [key for _, key, _ in parent.kpis] == ["stale", "vanity", "off", "fresh"]
    items = item_views(session, review, now=NOW, policy=POLICY)
    assert [(i.kpi_key, i.with_chart) for i in items] == [
        ("stale", False),  # no values to chart
        ("vanity", True),  # up for the relevance question, with values: worth a chart
        ("off", True),  # off track: worth a chart
        ("fresh", False),  # on track: the team chart shows it
    ]
    stale = items[0].relevance
    assert stale is not None and stale.flags == ("due", "stale") and not stale.ever_examined
    assert items[2].history[0] == ("week 48 (23-29 Nov 2026)", "1")
