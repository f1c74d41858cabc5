"""Planning reminders: who is due what and when, once, across DST, downtime and team settings."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from commands.context import Policy
from commands.reminders.planner import plan, reporting_flags, team_settings
from core.kinds import Cadence
from storage.models import Delivery, Kpi, Measurement, Nudge, NudgeMessage, Person, Team

POLICY = Policy()
CREATED = datetime(2026, 9, 1, tzinfo=UTC)
WEEK_48 = datetime(2026, 11, 23, 12, tzinfo=UTC)  # KPIs created then are first due for W48
NEW_YORK, BERLIN, TOKYO = (ZoneInfo(z) for z in ("America/New_York", "Europe/Berlin", "Asia/Tokyo"))


def seed(
    session: Session,
    *,
    team_tz: str = "America/New_York",
    owners: dict[str, str] | None = None,
    cadence: Cadence = Cadence.WEEKLY,
    lead: str | None = "U0LEAD",
    created: datetime = WEEK_48,
    **team_fields: object,
) -> Team:
    team = Team(
        key="t", name="T", timezone=team_tz, lead_user_id=lead, created_at=CREATED,
        updated_at=CREATED,
    )  # fmt: skip
    for name, value in team_fields.items():
        setattr(team, name, value)
    session.add(team)
    session.flush()
    for user, tz in (owners or {"U0ANN": "America/New_York"}).items():
        session.add(Person(slack_user_id=user, timezone=tz, created_at=CREATED, updated_at=CREATED))
        session.add(
            Kpi(
                key=f"k-{user.lower()}",
                name=f"KPI of {user}",
                owner_user_id=user,
                cadence=cadence,
                team_id=team.id,
                target=10,
                created_at=created,
                updated_at=created,
            )
        )
    session.commit()
    return team


def planned(session: Session) -> list[tuple[str, str, int, datetime]]:
    """(recipient, period, reminder number, when) of every reminder planned so far."""
    rows = session.exec(
        select(Delivery.recipient, Nudge.period_key, NudgeMessage.attempt, Delivery.due_at)
        .join(NudgeMessage, col(NudgeMessage.delivery_id) == col(Delivery.id))
        .join(Nudge, col(Nudge.id) == col(NudgeMessage.nudge_id))
        .order_by(col(Delivery.due_at))
    )
    return [(r, p, a, d) for r, p, a, d in rows]


def run_every(session: Session, start: datetime, end: datetime, step: timedelta) -> None:
    moment = start
    while moment <= end:
        plan(session, now=moment, policy=POLICY)
        session.commit()
        moment += step


def local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %H:%M")


def test_reminders_over_both_dst_changes_come_once_at_ten_local(session: Session) -> None:
    """Europe leaves summer time on 25 October 2026, the US on 1 November. Planning every half
    hour for two weeks, each owner gets each reminder once, at 10:00 on their clock."""
    owners = {"U0ANN": "America/New_York", "U0BEN": "Europe/Berlin", "U0KEN": "Asia/Tokyo"}
    seed(session, owners=owners, created=CREATED)
    run_every(
        session,
        datetime(2026, 10, 23, tzinfo=UTC),
        datetime(2026, 11, 5, tzinfo=UTC),
        timedelta(minutes=30),
    )
    rows = planned(session)

    assert Counter((r, p, a) for r, p, a, _ in rows).most_common(1)[0][1] == 1  # never twice
    zones = {"U0ANN": NEW_YORK, "U0BEN": BERLIN, "U0KEN": TOKYO}
    seen = {(r, p, a): local(when, zones[r]) for r, p, a, when in rows}
    # New York: the US change falls inside week 44, so its reminders straddle it
    assert seen[("U0ANN", "2026-W43", 1)] == "Mon 26 Oct 10:00"  # EDT, 14:00 UTC
    assert seen[("U0ANN", "2026-W44", 1)] == "Mon 02 Nov 10:00"  # EST, 15:00 UTC
    assert seen[("U0ANN", "2026-W44", 2)] == "Tue 03 Nov 10:00"
    # Berlin, on New York's periods: week 43 closes at 05:00 Berlin time on Monday 26 Oct
    assert seen[("U0BEN", "2026-W43", 1)] == "Mon 26 Oct 10:00"
    assert seen[("U0BEN", "2026-W44", 1)] == "Mon 02 Nov 10:00"
    # Tokyo, no DST of its own: week 44 closes at 14:00 Tokyo time, an hour later than W43
    assert seen[("U0KEN", "2026-W43", 1)] == "Mon 26 Oct 13:00"
    assert seen[("U0KEN", "2026-W44", 1)] == "Mon 02 Nov 14:00"
    assert seen[("U0KEN", "2026-W44", 2)] == "Tue 03 Nov 14:00"
    late = session.exec(select(Nudge).where(Nudge.state == "late")).all()
    assert {n.period_key for n in late} == {"2026-W43", "2026-W44"}
    lead_notes = session.exec(select(Delivery).where(Delivery.kind == "late")).all()
    assert len({d.key for d in lead_notes}) == len(lead_notes)


def test_nothing_is_planned_before_the_moment_and_nothing_twice(session: Session) -> None:
    seed(session)
    monday_10 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    summary = plan(session, now=monday_10 - timedelta(seconds=1), policy=POLICY)
    assert summary.reminders == 0 and summary.nudges_created == 0
    summary = plan(session, now=monday_10, policy=POLICY)
    assert (summary.reminders, summary.deliveries, summary.nudges_created) == (1, 1, 1)
    again = plan(session, now=monday_10 + timedelta(minutes=1), policy=POLICY)
    assert again.reminders == 0
    session.commit()

    nudge_id = session.exec(select(Nudge.id)).one()
    delivery_id = session.exec(select(Delivery.id)).one()
    assert nudge_id is not None and delivery_id is not None
    session.add(NudgeMessage(nudge_id=nudge_id, attempt=1, delivery_id=delivery_id))
    with pytest.raises(IntegrityError):  # the same reminder can never be recorded twice
        session.commit()


def test_catch_up_after_downtime_sends_the_latest_step_only(session: Session) -> None:
    seed(session)
    # down from before Monday's reminder until Tuesday 10:30 New York time
    tuesday_1030 = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    summary = plan(session, now=tuesday_1030, policy=POLICY)

    assert (summary.reminders, summary.steps_skipped) == (1, 1)
    rows = planned(session)
    assert [(p, a) for _, p, a, _ in rows] == [("2026-W48", 1)]  # the owner's first reminder
    assert rows[0][3] == tuesday_1030  # goes now, not at the missed moment


def test_a_whole_schedule_missed_is_dropped_not_late(session: Session) -> None:
    seed(session)
    next_week = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # W48's steps are long gone
    summary = plan(session, now=next_week, policy=POLICY)

    states = {n.period_key: n.state for n in session.exec(select(Nudge))}
    assert states["2026-W48"] == "missed"
    assert states["2026-W49"] == "open"  # this Monday's reminder goes out
    assert summary.late == 0 and summary.lead_messages == 0


def test_back_in_the_evening_waits_for_the_next_step(session: Session) -> None:
    seed(session)
    monday_evening = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 19:00 in New York
    summary = plan(session, now=monday_evening, policy=POLICY)
    assert summary.reminders == 0 and summary.steps_skipped == 1
    summary = plan(session, now=datetime(2026, 12, 1, 15, 0, tzinfo=UTC), policy=POLICY)
    assert summary.reminders == 1


def test_team_settings_override_the_defaults(session: Session) -> None:
    team = seed(
        session,
        reminder_time=time(14, 30),
        working_hours_start=time(8),
        working_hours_end=time(18),
        workdays="0123",  # Monday to Thursday
        follow_up_minutes=90,
        max_reminders=3,
    )
    settings = team_settings(team, POLICY)
    assert settings.rules.max_reminders == 3 and settings.days == frozenset(range(4))
    run_every(
        session,
        datetime(2026, 11, 30, 5, tzinfo=UTC),
        datetime(2026, 12, 1, 14, tzinfo=UTC),
        timedelta(minutes=15),
    )
    when = [local(d, NEW_YORK) for _, _, _, d in planned(session)]
    assert when == ["Mon 30 Nov 14:30", "Mon 30 Nov 16:00", "Mon 30 Nov 17:30"]
    late = session.exec(select(Nudge)).one()
    assert late.state == "late" and late.late_at is not None
    assert local(late.late_at, NEW_YORK) == "Tue 01 Dec 08:00"  # 19:00 is after hours


def test_daily_kpis_skip_days_off_and_share_one_dm(session: Session) -> None:
    seed(session, cadence=Cadence.DAILY)
    friday_10 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    plan(session, now=friday_10, policy=POLICY)  # Thursday's value
    monday_10 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    summary = plan(session, now=monday_10, policy=POLICY)

    periods = [p for _, p, _, when in planned(session) if when == monday_10]
    assert sorted(periods) == ["2026-11-26", "2026-11-27"]  # Thursday's nudge, Friday's value
    assert summary.deliveries == 1  # one DM for both
    assert "2026-11-28" not in {n.period_key for n in session.exec(select(Nudge))}


def test_logged_skipped_and_retired_are_closed(session: Session) -> None:
    seed(session, owners={"U0ANN": "America/New_York", "U0BOB": "America/New_York"})
    ann, bob = session.exec(select(Kpi).order_by(col(Kpi.key))).all()
    session.add(
        Measurement(
            kpi_id=ann.id or 0,
            period_key="2026-W48",
            period_start=date(2026, 11, 23),
            value=3,
            logged_by="U0ANN",
            logged_at=CREATED,
        )
    )
    bob.active = False
    session.commit()
    summary = plan(session, now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC), policy=POLICY)

    assert summary.reminders == 0 and summary.answered == 1
    assert {n.state for n in session.exec(select(Nudge))} == {"answered"}


def test_away_without_delegate_pauses_and_flags_owner_away(session: Session) -> None:
    seed(session)
    person = session.exec(select(Person)).one()
    person.away_until = date(2026, 12, 2)
    session.commit()
    run_every(
        session,
        datetime(2026, 11, 30, 15, tzinfo=UTC),
        datetime(2026, 12, 2, 15, tzinfo=UTC),
        timedelta(hours=1),
    )
    kpi_id = session.exec(select(Kpi.id)).one()
    assert kpi_id is not None
    assert planned(session) == []
    assert reporting_flags(session, [kpi_id]) == {kpi_id: "owner away"}

    person.away_until = None  # back early: reminded at once (in working hours)
    session.commit()
    plan(session, now=datetime(2026, 12, 2, 16, tzinfo=UTC), policy=POLICY)
    assert [p for _, p, _, _ in planned(session)] == ["2026-W48"]
    assert reporting_flags(session, [kpi_id]) == {}


def test_a_kpi_created_mid_period_is_asked_for_that_period_only(session: Session) -> None:
    seed(session)
    kpi = session.exec(select(Kpi)).one()
    kpi.created_at = datetime(2026, 11, 26, 12, tzinfo=UTC)  # Thursday of week 48
    session.commit()
    plan(session, now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC), policy=POLICY)
    assert [n.period_key for n in session.exec(select(Nudge))] == ["2026-W48"]
