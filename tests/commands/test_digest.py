"""Digest content from the database: rows by goal, missing values, warnings, roll-up, planning."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from commands.configfile import apply_config, parse_config
from commands.context import CommandError, Context, Policy
from commands.digests.commands import digest, schedule
from commands.digests.digest import build_team_digests, team_digest
from commands.digests.plan import plan
from commands.reviews.action_items import add_action
from commands.rollup import UNALIGNED, build_rollup
from core.kinds import Status
from storage import outbox, repo
from storage.models import AuditEvent, Delivery, Nudge, Team

from ..conftest import NOW

ALICE, BOB, LEAD, ADMIN, EVE = "U0ALICE01", "U0BOB0001", "U0LEAD001", "U0ADMIN01", "U0EVE0001"
MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 in New York: Sales's digest moment
POLICY = Policy(admins=frozenset({ADMIN}))

COMPANY = """
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
  - {key: marketing, name: Marketing, channel: C0MKTG001, timezone: Europe/Berlin, lead: U0BOB0001}
  - {key: ops, name: Ops, timezone: Asia/Tokyo}
goals:
  - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
  - {key: pipeline-h1, title: Build a $4M qualified pipeline in H1, parent: grow-arr, team: sales, deadline: 2027-06-30}
  - {key: brand, title: Be known, team: marketing}
kpis:
  - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1, owner: U0ALICE01, unit: USD,
     direction: up, target: 4000000, baseline: 1500000, cadence: weekly, indicator: leading,
     decision: Whether to hire another SDR}
  - {key: win-rate, name: Win rate, team: sales, goal: pipeline-h1, owner: U0ALICE01, unit: "%",
     direction: up, target: 30, baseline: 20, cadence: monthly, decision: Pricing}
  - {key: churn, name: Monthly churn, team: sales, goal: grow-arr, owner: U0BOB0001, unit: "%",
     direction: down, target: 2, baseline: 4, cadence: monthly, decision: Onboarding}
  - {key: demos, name: Demos booked, team: sales, owner: U0BOB0001, cadence: weekly, target: 20}
  - {key: uptime, name: Site uptime, team: marketing, goal: brand, owner: U0EVE0001, unit: "%",
     direction: band, band: [99, 100], cadence: weekly, decision: Hosting}
people:
  - {id: U0ALICE01, name: Alice}
  - {id: U0BOB0001, name: Bob}
"""


def log(session: Session, key: str, period: str, start: date, value: float, at: datetime) -> None:
    kpi = repo.get_kpi(session, key)
    assert kpi is not None
    repo.log_value(
        session, kpi, period_key=period, period_start=start, value=value, note=None,
        source="test", by=ALICE, now=at,
    )  # fmt: skip


@pytest.fixture
def company(session: Session) -> Session:
    apply_config(session, parse_config(COMPANY, "company.yml"), actor="test", now=NOW)
    for index, week in enumerate(range(37, 50)):
        if week != 46:  # a gap in the history
            log(session, "pipeline", f"2026-W{week}", date.fromisocalendar(2026, week, 1),
                1.5e6 + index * 50e3, NOW)  # fmt: skip
    log(session, "win-rate", "2026-09", date(2026, 9, 1), 21, NOW)
    log(session, "win-rate", "2026-10", date(2026, 10, 1), 23.5, NOW)
    log(session, "churn", "2026-09", date(2026, 9, 1), 3.5, NOW)
    log(session, "uptime", "2026-W48", date(2026, 11, 23), 99.5, NOW)
    session.commit()
    return session


def sales(session: Session) -> Team:
    team = repo.get_team(session, "sales")
    assert team is not None
    return team


def test_rows_show_the_report_period_change_progress_and_owner(company: Session) -> None:
    digest_ = team_digest(company, POLICY, sales(company), MONDAY)
    assert (digest_.week_key, digest_.week_label) == ("2026-W48", "week 48 (23-29 Nov 2026)")
    assert [(g.title, [r.key for r in g.rows]) for g in digest_.goals] == [
        ("Build a $4M qualified pipeline in H1", ["pipeline", "win-rate"]),
        ("Grow ARR to $12M", ["churn"]),
        ("Not tied to a goal", ["demos"]),
    ]
    pipeline, win_rate = digest_.goals[0].rows
    # W49's value (logged early, for the week in progress) is not what week 48's digest shows.
    assert (pipeline.period_key, pipeline.value) == ("2026-W48", "$2.05M")
    assert pipeline.change is not None
    assert (pipeline.change.text, pipeline.change.sense) == ("+$50k (+2%)", "better")
    assert (pipeline.previous_label, pipeline.owner_name) == ("W47", "Alice")
    assert pipeline.progress == "22% of the way to $4M"
    assert pipeline.status is Status.AT_RISK
    assert (win_rate.period_key, win_rate.value, win_rate.status) == (
        "2026-10", "23.5%", Status.AT_RISK,  # ahead of pace, far from 30%
    )  # fmt: skip
    assert win_rate.change is not None and win_rate.change.text == "+2.5 pts"
    churn = digest_.goals[1].rows[0]
    assert (churn.value, churn.status, churn.period_label) == (None, Status.NO_DATA, "October 2026")
    assert digest_.goals[0].status is Status.AT_RISK
    counts = digest_.counts
    assert (counts.on_track, counts.at_risk, counts.missing, counts.no_target) == (0, 2, 2, 0)


def test_missing_values_name_their_owners_and_mention_only_late_ones(company: Session) -> None:
    digest_ = team_digest(company, POLICY, sales(company), MONDAY)
    missing = {m.kpi_key: m for m in digest_.missing}
    assert set(missing) == {"churn", "demos"}
    churn = missing["churn"]
    assert (churn.owner, churn.owner_name, churn.late, churn.mentions) == (BOB, "Bob", True, (BOB,))
    # A digest two hours after the week closed: not late yet, so named but not mentioned.
    early = team_digest(company, POLICY, sales(company), datetime(2026, 11, 30, 7, tzinfo=UTC))
    demos = next(m for m in early.missing if m.kpi_key == "demos")
    assert (demos.late, demos.mentions) == (False, ())


def test_an_away_owner_is_not_mentioned_and_a_skipped_period_says_why(company: Session) -> None:
    bob = repo.get_person(company, BOB)
    assert bob is not None
    bob.away_until, bob.delegate_user_id = date(2026, 12, 4), EVE
    churn = repo.get_kpi(company, "churn")
    demos = repo.get_kpi(company, "demos")
    assert churn is not None and demos is not None
    company.add(
        Nudge(kpi_id=demos.id or 0, period_key="2026-W48", period_start=date(2026, 11, 23),
              state="skipped", skip_reason="trade fair week", created_at=NOW, updated_at=NOW)
    )  # fmt: skip
    company.flush()
    missing = {m.kpi_key: m for m in team_digest(company, POLICY, sales(company), MONDAY).missing}
    assert (missing["churn"].away_until, missing["churn"].mentions) == (date(2026, 12, 4), (EVE,))
    assert (missing["demos"].skipped, missing["demos"].mentions) == ("trade fair week", ())


def test_the_chart_series_has_every_period_with_gaps_target_and_pace(company: Session) -> None:
    digest_ = team_digest(company, POLICY, sales(company), MONDAY)
    assert [s.name for s in digest_.series] == [
        "Qualified pipeline", "Win rate", "Monthly churn", "Demos booked",
    ]  # fmt: skip
    pipeline = digest_.series[0]
    assert [p.label for p in pipeline.points] == [f"W{w}" for w in range(37, 49)]
    assert [p.label for p in pipeline.points if p.value is None] == ["W46"]
    assert pipeline.points[-1].value == 2.05e6
    assert pipeline.target == 4e6
    assert pipeline.pace is not None and len(pipeline.pace) == 12
    assert pipeline.status is Status.AT_RISK
    churn = digest_.series[2]
    assert [(p.label, p.value) for p in churn.points] == [("Sep", 3.5), ("Oct", None)]
    win_rate = digest_.series[1]  # months before the first value are not drawn as gaps
    assert [p.label for p in win_rate.points] == ["Sep", "Oct"]
    demos = digest_.series[3]  # no value yet: the periods since the KPI was created
    assert [(p.label, p.value) for p in demos.points] == [("W48", None)]


def test_warnings_and_action_items_come_with_the_team_digest(company: Session) -> None:
    ctx = Context(session=company, actor=LEAD, now=NOW, policy=POLICY)
    add_action(ctx, text="Call the top 5 accounts", owner=BOB, due=date(2026, 11, 28),
               team=sales(company))  # fmt: skip
    digest_ = team_digest(company, POLICY, sales(company), MONDAY)
    assert digest_.warnings == ("KPI 'Demos booked' is not tied to any goal.",)
    (item,) = digest_.action_items
    assert (item.text, item.owner_name, item.due, item.overdue) == (
        "Call the top 5 accounts", "Bob", date(2026, 11, 28), True,
    )  # fmt: skip


def test_the_content_is_stable_until_a_value_for_a_shown_period_changes(company: Session) -> None:
    team = sales(company)
    first = team_digest(company, POLICY, team, MONDAY).fingerprint()
    log(company, "pipeline", "2026-W49", date(2026, 11, 30), 9e6, NOW + timedelta(days=1))
    assert team_digest(company, POLICY, team, MONDAY).fingerprint() == first
    log(company, "churn", "2026-10", date(2026, 10, 1), 2.9, NOW + timedelta(days=1))
    changed = team_digest(company, POLICY, team, MONDAY)
    assert changed.fingerprint() != first
    assert changed.counts.missing == 1


def test_many_teams_are_built_together_each_as_of_its_own_moment(company: Session) -> None:
    teams = {t.key: t for t in repo.list_teams(company)}
    berlin_monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    built = build_team_digests(
        company, POLICY, [(teams["marketing"], berlin_monday), (teams["sales"], MONDAY)]
    )
    assert [d.team_key for d in built] == ["marketing", "sales"]
    uptime = built[0].goals[0].rows[0]
    assert (uptime.value, uptime.progress, uptime.status) == (
        "99.5%",
        "range 99%–100%",
        Status.ON_TRACK,
    )
    assert built[0].timezone == "Europe/Berlin"
    assert built[1] == team_digest(company, POLICY, teams["sales"], MONDAY)


def test_the_rollup_is_the_goal_tree_with_statuses_from_the_kpis(company: Session) -> None:
    rollup = build_rollup(company, POLICY, MONDAY)
    nodes = {(g.key, g.depth): g for g in rollup.goals}
    assert list(nodes) == [("brand", 0), ("grow-arr", 0), ("pipeline-h1", 1)]
    grow, pipeline = nodes[("grow-arr", 0)], nodes[("pipeline-h1", 1)]
    assert (pipeline.status, pipeline.team, pipeline.counts.total) == (Status.AT_RISK, "Sales", 2)
    assert (grow.status, grow.counts.total, grow.counts.missing) == (Status.AT_RISK, 3, 1)
    assert nodes[("brand", 0)].status is Status.ON_TRACK
    assert [label for label, _ in rollup.bars] == ["Be known", "Grow ARR to $12M", UNALIGNED]
    assert rollup.counts.total == 5
    assert rollup.chart_title == "Company KPIs by goal · week 48"


def test_planning_records_each_due_digest_once(company: Session) -> None:
    ops = repo.get_team(company, "ops")
    assert ops is not None
    marketing = repo.get_team(company, "marketing")
    assert marketing is not None
    marketing.digest_weekday, marketing.digest_time = 4, time(16)  # Fridays
    company.flush()
    assert plan(company, policy=POLICY, now=MONDAY - timedelta(minutes=1),
                leadership_channel=None).created == 0  # fmt: skip
    first = plan(company, policy=POLICY, now=MONDAY + timedelta(minutes=5),
                 leadership_channel="C0LEADERS")  # fmt: skip
    assert first.created == 2
    assert first.line() == "2 digests planned; no channel set for ops"
    again = plan(company, policy=POLICY, now=MONDAY + timedelta(minutes=6),
                 leadership_channel="C0LEADERS")  # fmt: skip
    assert again.created == 0
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    assert plan(company, policy=POLICY, now=friday, leadership_channel=None).created == 1
    rows = {d.key: d for d in company.exec(select(Delivery))}
    assert set(rows) == {
        "digest:sales:2026-W48",
        "digest-rollup:2026-W48",
        "digest:marketing:2026-W48",
    }
    assert rows["digest:sales:2026-W48"].due_at == MONDAY
    assert rows["digest:sales:2026-W48"].recipient == "C0SALES01"
    assert rows["digest-rollup:2026-W48"].due_at == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert outbox.counts(company, ["digest", "digest_rollup"]) == {"pending": 3}


def test_digest_command_checks_who_may_post_and_which_team(company: Session) -> None:
    def ctx(actor: str) -> Context:
        return Context(session=company, actor=actor, now=MONDAY, policy=POLICY)

    preview = digest(ctx(EVE), None, "C0SALES01", preview=True)
    assert (preview.digest.team_key, preview.preview, preview.channel_id) == ("sales", True, None)
    with pytest.raises(CommandError, match="Only the lead of Sales") as refused:
        digest(ctx(EVE), None, "C0SALES01", preview=False)
    assert refused.value.hint == "`/kpi digest preview team:sales` shows it to you alone."
    posted = digest(ctx(LEAD), None, "C0SALES01", preview=False)
    assert (posted.preview, posted.channel_id) == (False, "C0SALES01")
    assert (
        digest(ctx(ADMIN), "marketing", "C0RANDOM1", preview=False).digest.team_key == "marketing"
    )
    assert digest(ctx(LEAD), None, "D0DM00001", preview=True).digest.team_key == "sales"  # leads it
    with pytest.raises(CommandError, match="Which team's digest"):
        digest(ctx(EVE), None, "D0DM00001", preview=True)
    with pytest.raises(CommandError, match="No team has the key `nope`"):
        digest(ctx(EVE), "nope", None, preview=True)


def test_the_digest_schedule_is_shown_set_and_reset_by_the_lead(company: Session) -> None:
    def ctx(actor: str) -> Context:
        return Context(session=company, actor=actor, now=NOW, policy=POLICY)

    shown = schedule(ctx(EVE), "sales", None, None)
    assert shown.text == (
        "Sales's digest goes out Mondays at 09:00 (America/New_York); the next one "
        "Mon 30 Nov 2026 09:00."
    )
    with pytest.raises(CommandError, match="Only the lead of Sales"):
        schedule(ctx(EVE), "sales", None, "fri 16:00")
    changed = schedule(ctx(LEAD), None, "C0SALES01", "fri 16:00")
    assert changed.text.startswith("Sales's digest now goes out Fridays at 16:00")
    assert changed.text.endswith("the next one Fri 27 Nov 2026 16:00.")
    team = sales(company)
    assert (team.digest_weekday, team.digest_time) == (4, time(16))
    schedule(ctx(ADMIN), "sales", None, "default")
    assert (team.digest_weekday, team.digest_time) == (None, None)
    audits = company.exec(select(AuditEvent).where(AuditEvent.action == "team.digest_schedule"))
    assert [a.details for a in audits] == [
        '{"digest": "fri 16:00", "was": "mon 09:00"}',
        '{"digest": "mon 09:00", "was": "fri 16:00"}',
    ]
    with pytest.raises(CommandError, match="is not a weekday"):
        schedule(ctx(LEAD), "sales", None, "someday 10:00")


def test_the_status_text_and_the_chart_give_the_same_pace_for_the_same_week(
    company: Session,
) -> None:
    from commands import insight
    from commands.digests.facts import DigestFacts
    from core.values import format_value

    kpi = repo.get_kpi(company, "pipeline")
    assert kpi is not None
    [digest_facts] = DigestFacts(company, POLICY).for_kpis([kpi], lambda _: MONDAY)
    series = digest_facts.series
    assert series.pace is not None and series.points[-1].label == "W48"
    chart_pace = series.pace[-1]
    assert chart_pace is not None
    assert f"{format_value(chart_pace, 'USD')} expected by 29 Nov 2026" in digest_facts.row.reason

    # /kpi show's text and chart, on the same Monday, measure week 49's value by week 49's pace.
    ctx = Context(session=company, actor=LEAD, now=MONDAY, policy=POLICY)
    [facts] = insight.gather(ctx, [kpi])
    shown = insight.series_for(ctx, facts)
    assert shown.pace is not None and shown.points[-1].label == "W49"
    # The chart plots the pace as the text shows it: rounded to the KPI's precision (whole $).
    assert facts.assessment.expected is not None
    assert round(facts.assessment.expected) == shown.pace[-1]
    assert shown.pace[-2] == chart_pace  # week 48 has one pace wherever it is drawn
