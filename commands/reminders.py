"""Planning reminders: which owner is due which nudge, recorded once in the outbox.

`plan` runs inside one transaction, under the planner lease (see bot.reminders), as of `now`:

1. **New periods.** For every active KPI, each recently closed period with no nudge yet gets
   one as soon as its first reminder moment (core.schedule) has come. Periods that closed
   before the KPI existed are left alone, and so are daily periods on the team's days off.
2. **Due nudges.** Every open nudge whose next step has come is walked along its schedule
   with core.schedule.catch_up: a logged value or a retired KPI closes it; an owner away
   without a delegate pauses it ("owner away", never late) until their first working morning
   back; a step too stale to matter is skipped; otherwise the step is taken: a reminder to the
   owner (or their delegate), or, after `max_reminders` reminders, the late flag and one
   message to the team lead. A nudge whose whole schedule passed unsent closes as missed.
3. **Messages.** Reminders due in this run are grouped into one delivery per recipient (one
   DM listing every due KPI); each (KPI, period, reminder number) is recorded in
   nudge_message, whose unique key makes sending the same reminder twice impossible.

Settings: a team's columns (reminder_time, working hours and days, follow_up_minutes,
max_reminders) override the operator's defaults (Policy.reminders). Times are local to the
recipient: their Slack timezone, else their team's, else KPIBOT_TIMEZONE.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from commands.context import Policy
from core.cadence import Period, local_datetime, period_for
from core.kinds import Cadence
from core.schedule import (
    Catch,
    ReminderRules,
    WorkingTime,
    catch_up,
    first_reminder,
    next_step,
)
from storage import outbox, repo
from storage.models import Kpi, Measurement, Nudge, NudgeMessage, Person, Team

REMINDER, LATE = "reminder", "late"
OPEN, AWAY, ANSWERED, SKIPPED, LATE_STATE, MISSED, CLOSED = (
    "open", "away", "answered", "skipped", "late", "missed", "closed",
)  # fmt: skip
WAITING = (OPEN, AWAY)
_LOOKBACK_SLACK = timedelta(days=8)  # the longest run of days off, plus a day of timezones
_CHUNK = 5000  # IDs per IN (...) list


@dataclass(frozen=True)
class TeamSettings:
    """A team's reminder settings, its columns over the operator's defaults."""

    tz: ZoneInfo
    rules: ReminderRules
    hours: tuple[time, time]
    days: frozenset[int]

    def working_time(self, tz: ZoneInfo) -> WorkingTime:
        return WorkingTime(tz, start=self.hours[0], end=self.hours[1], days=self.days)


def team_settings(team: Team | None, policy: Policy) -> TeamSettings:
    d = policy.reminders
    start = team.working_hours_start if team and team.working_hours_start else d.working_hours[0]
    end = team.working_hours_end if team and team.working_hours_end else d.working_hours[1]
    if not start < end:
        start, end = d.working_hours
    days = frozenset(int(c) for c in team.workdays) if team and team.workdays else d.workdays
    follow = team.follow_up_minutes if team and team.follow_up_minutes else None
    rules = ReminderRules(
        reminder_time=team.reminder_time if team and team.reminder_time else d.reminder_time,
        follow_up_after=timedelta(minutes=follow) if follow else d.follow_up_after,
        max_reminders=team.max_reminders if team and team.max_reminders else d.max_reminders,
        catch_up=d.catch_up,
        snooze_later=d.snooze_later,
    )
    tz = zone(team.timezone if team else None, policy.tz)
    return TeamSettings(tz=tz, rules=rules, hours=(start, end), days=days or d.workdays)


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def person_zone(person: Person | None, team: TeamSettings) -> ZoneInfo:
    return zone(person.timezone if person else None, team.tz)


def is_away(person: Person | None, now: datetime, tz: ZoneInfo) -> bool:
    return bool(person and person.away_until and person.away_until >= now.astimezone(tz).date())


@dataclass
class PlanSummary:
    nudges_created: int = 0
    reminders: int = 0  # KPI periods reminded in this run
    deliveries: int = 0  # messages created (one per recipient)
    late: int = 0
    lead_messages: int = 0
    steps_skipped: int = 0  # too stale to matter
    answered: int = 0
    paused_away: int = 0
    missed: int = 0

    def line(self) -> str:
        return (
            f"{self.reminders} reminders in {self.deliveries} messages, {self.late} KPIs late "
            f"({self.lead_messages} messages to leads), {self.paused_away} paused (owner away), "
            f"{self.answered} already answered, {self.steps_skipped} stale steps skipped, "
            f"{self.missed} missed, {self.nudges_created} new periods"
        )


@dataclass
class _Outgoing:
    reminders: dict[str, list[tuple[Nudge, int]]] = field(default_factory=lambda: defaultdict(list))
    late: dict[tuple[str, datetime], list[Nudge]] = field(default_factory=lambda: defaultdict(list))


class _Planner:
    def __init__(self, session: Session, now: datetime, policy: Policy) -> None:
        self.session, self.now, self.policy = session, now, policy
        self.summary = PlanSummary()
        self.out = _Outgoing()
        self.teams = {t.id: t for t in repo.list_teams(session)}
        self.settings = {tid: team_settings(t, policy) for tid, t in self.teams.items()}
        self.default_settings = team_settings(None, policy)

    def settings_for(self, kpi: Kpi) -> TeamSettings:
        return self.settings.get(kpi.team_id, self.default_settings)

    # --- 1. new periods ------------------------------------------------------------------------

    def discover(self, kpis: list[Kpi], people: dict[str, Person]) -> list[Nudge]:
        candidates: list[tuple[Kpi, Period, TeamSettings, WorkingTime]] = []
        for kpi in kpis:
            team = self.settings_for(kpi)
            recipient = self._recipient_person(people.get(kpi.owner_user_id), people, team)
            work = team.working_time(person_zone(recipient, team))
            candidates.extend((kpi, p, team, work) for p in self._recent_periods(kpi, team))
        known = _existing_nudges(self.session, [(k.id or 0, p.key) for k, p, _, _ in candidates])
        created = []
        for kpi, period, team, work in candidates:
            assert kpi.id is not None
            if (kpi.id, period.key) in known:
                continue
            first = first_reminder(period.due_at(team.tz), work, team.rules)
            if _utc(first) > self.now:
                continue
            nudge = Nudge(
                kpi_id=kpi.id,
                period_key=period.key,
                period_start=period.start,
                state=OPEN,
                next_at=first,
                created_at=self.now,
                updated_at=self.now,
            )
            self.session.add(nudge)
            created.append(nudge)
        self.session.flush()
        self.summary.nudges_created = len(created)
        return created

    def _lookback(self, rules: ReminderRules) -> timedelta:
        return _LOOKBACK_SLACK + rules.follow_up_after * rules.steps + rules.catch_up

    def _recent_periods(self, kpi: Kpi, team: TeamSettings) -> Iterable[Period]:
        oldest_close = self.now - self._lookback(team.rules)
        created_day = kpi.created_at.astimezone(team.tz).date()
        period = period_for(kpi.cadence, self.now, team.tz).previous()
        while period.end >= created_day and period.due_at(team.tz) >= oldest_close:
            if kpi.cadence is not Cadence.DAILY or period.start.weekday() in team.days:
                yield period
            period = period.previous()

    def _recipient_person(
        self, owner: Person | None, people: dict[str, Person], team: TeamSettings
    ) -> Person | None:
        if owner and owner.delegate_user_id and is_away(owner, self.now, person_zone(owner, team)):
            return people.get(owner.delegate_user_id)
        return owner

    # --- 2. due nudges -------------------------------------------------------------------------

    def walk(self, nudge: Nudge, kpi: Kpi | None, people: dict[str, Person], logged: bool) -> None:
        if kpi is None or not kpi.active:
            self._close(nudge, CLOSED)
            return
        if logged:
            self._close(nudge, ANSWERED)
            self.summary.answered += 1
            return
        team = self.settings_for(kpi)
        owner = people.get(kpi.owner_user_id)
        owner_tz = person_zone(owner, team)
        delegate = None
        if owner is not None and is_away(owner, self.now, owner_tz):
            if not owner.delegate_user_id:
                self._pause(nudge, owner, team)
                return
            delegate = owner.delegate_user_id
        recipient = delegate or kpi.owner_user_id
        work = team.working_time(person_zone(people.get(recipient), team))
        moment = nudge.next_at or self.now
        if nudge.state == AWAY:  # the owner is back, or has a delegate now
            nudge.state = OPEN
            moment = min(_utc(moment), _utc(work.next_open(self.now)))
        rules = team.rules
        while True:
            step = nudge.step + 1
            decision = catch_up(moment, self.now, work, rules)
            if decision is Catch.WAIT:
                nudge.next_at = moment
                break
            nudge.step = step
            if rules.is_late_step(step):
                self._late(nudge, kpi, moment, decision, team, recipient)
                break
            if decision is Catch.SKIP:
                self.summary.steps_skipped += 1
                moment = next_step(moment, work, rules)
                continue
            self.out.reminders[recipient].append((nudge, nudge.reminders_sent + 1))
            nudge.reminders_sent += 1
            following = next_step(moment, work, rules)
            if _utc(following) <= self.now:  # caught up late: the delay counts from now
                following = next_step(self.now, work, rules)
            nudge.next_at = following
            break
        nudge.updated_at = self.now
        self.session.add(nudge)

    def _late(
        self,
        nudge: Nudge,
        kpi: Kpi,
        moment: datetime,
        decision: Catch,
        team: TeamSettings,
        recipient: str,
    ) -> None:
        if nudge.reminders_sent == 0:  # nobody was ever reminded: too stale to call it late
            self._close(nudge, MISSED)
            self.summary.missed += 1
            return
        nudge.state, nudge.late_at, nudge.next_at = LATE_STATE, moment, None
        self.summary.late += 1
        lead = self.teams[kpi.team_id].lead_user_id if kpi.team_id in self.teams else None
        if decision is Catch.SEND and lead and lead not in (recipient, kpi.owner_user_id):
            lead_person = repo.get_person(self.session, lead)
            lead_work = team.working_time(person_zone(lead_person, team))
            self.out.late[(lead, lead_work.next_open(self.now))].append(nudge)

    def _pause(self, nudge: Nudge, owner: Person, team: TeamSettings) -> None:
        assert owner.away_until is not None
        tz = person_zone(owner, team)
        back = local_datetime(owner.away_until + timedelta(days=1), time(0), tz)
        nudge.state = AWAY
        nudge.next_at = first_reminder(back, team.working_time(tz), team.rules)
        nudge.updated_at = self.now
        self.session.add(nudge)
        self.summary.paused_away += 1

    def _close(self, nudge: Nudge, state: str) -> None:
        nudge.state, nudge.next_at, nudge.updated_at = state, None, self.now
        self.session.add(nudge)

    # --- 3. messages ---------------------------------------------------------------------------

    def write_messages(self) -> None:
        stamp = f"{self.now:%Y-%m-%dT%H:%MZ}"
        for recipient, items in sorted(self.out.reminders.items()):
            delivery_id = _create_unique(
                self.session,
                f"reminder:{recipient}:{stamp}",
                kind=REMINDER,
                recipient=recipient,
                due_at=self.now,
                now=self.now,
                payload={"nudges": [n.id for n, _ in items]},
            )
            for nudge, attempt in items:
                assert nudge.id is not None
                self.session.add(
                    NudgeMessage(nudge_id=nudge.id, attempt=attempt, delivery_id=delivery_id)
                )
            self.summary.deliveries += 1
            self.summary.reminders += len(items)
        for (lead, due_at), nudges in sorted(self.out.late.items()):
            delivery_id = _create_unique(
                self.session,
                f"late:{lead}:{stamp}",
                kind=LATE,
                recipient=lead,
                due_at=due_at,
                now=self.now,
                payload={"nudges": [n.id for n in nudges]},
            )
            for nudge in nudges:
                nudge.lead_delivery_id = delivery_id
                self.session.add(nudge)
            self.summary.lead_messages += 1
        self.session.flush()


def plan(session: Session, *, now: datetime, policy: Policy) -> PlanSummary:
    """Record every reminder due as of ``now`` (see the module docstring); never commits."""
    planner = _Planner(session, now, policy)
    kpis = repo.list_kpis(session, repo.KpiFilter(active=True))
    people = _people_for(session, kpis)
    planner.discover(kpis, people)
    due = list(
        session.exec(
            select(Nudge).where(
                col(Nudge.state).in_(WAITING),
                col(Nudge.next_at) <= now,
            )
        )
    ) + list(session.exec(select(Nudge).where(Nudge.state == AWAY, col(Nudge.next_at) > now)))
    by_id = {k.id: k for k in kpis}
    missing = {n.kpi_id for n in due} - set(by_id)
    if missing:
        by_id.update({k.id: k for k in session.exec(select(Kpi).where(col(Kpi.id).in_(missing)))})
    logged = logged_periods(session, [(n.kpi_id, n.period_key) for n in due])
    for nudge in due:
        kpi = by_id.get(nudge.kpi_id)
        if nudge.state == AWAY and (nudge.next_at or now) > now and not _back(kpi, people, planner):
            continue  # still away: nothing to do before they are back
        planner.walk(nudge, kpi, people, (nudge.kpi_id, nudge.period_key) in logged)
    planner.write_messages()
    return planner.summary


def _back(kpi: Kpi | None, people: dict[str, Person], planner: _Planner) -> bool:
    """Whether a paused nudge's owner is back (or found a delegate) before the planned date."""
    if kpi is None:
        return True
    owner = people.get(kpi.owner_user_id)
    team = planner.settings_for(kpi)
    return not is_away(owner, planner.now, person_zone(owner, team)) or bool(
        owner and owner.delegate_user_id
    )


def _people_for(session: Session, kpis: list[Kpi]) -> dict[str, Person]:
    owners = {k.owner_user_id for k in kpis}
    people = repo.people_by_id(session, owners)
    delegates = {p.delegate_user_id for p in people.values() if p.delegate_user_id}
    return people | repo.people_by_id(session, delegates - set(people))


def logged_periods(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs have a value, in one query."""
    wanted = set(pairs)
    found: set[tuple[int, str]] = set()
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), _CHUNK):
        query = select(Measurement.kpi_id, Measurement.period_key).where(
            col(Measurement.kpi_id).in_(kpi_ids[chunk : chunk + _CHUNK]),
            col(Measurement.period_key).in_(keys),
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def _create_unique(session: Session, key: str, **fields: object) -> int:
    """Create a delivery under ``key``, or ``key#2``... when a run in the same minute did."""
    for n in range(1, 100):
        candidate = key if n == 1 else f"{key}#{n}"
        created = outbox.create(session, key=candidate, **fields)  # type: ignore[arg-type]
        if created is not None:
            return created
    raise RuntimeError(f"too many deliveries keyed {key}")


def _existing_nudges(session: Session, pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (KPI, period) pairs already have a nudge, in few queries."""
    found: set[tuple[int, str]] = set()
    wanted = set(pairs)
    kpi_ids = sorted({k for k, _ in wanted})
    keys = {p for _, p in wanted}
    for chunk in range(0, len(kpi_ids), _CHUNK):
        query = select(Nudge.kpi_id, Nudge.period_key).where(
            col(Nudge.kpi_id).in_(kpi_ids[chunk : chunk + _CHUNK]), col(Nudge.period_key).in_(keys)
        )
        found.update((k, p) for k, p in session.exec(query))
    return found & wanted


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def reporting_flags(session: Session, kpi_ids: Sequence[int]) -> dict[int, str]:
    """KPIs whose value is overdue: "late", or "owner away" when the owner is away (so the
    KPI is not late). A value logged since clears the flag."""
    if not kpi_ids:
        return {}
    rows = session.exec(
        select(Nudge.kpi_id, Nudge.period_key, Nudge.state).where(
            col(Nudge.kpi_id).in_(list(kpi_ids)), col(Nudge.state).in_([LATE_STATE, AWAY])
        )
    ).all()
    answered = logged_periods(session, [(k, p) for k, p, _ in rows])
    flags: dict[int, str] = {}
    for kpi_id, period_key, state in rows:
        if (kpi_id, period_key) not in answered and flags.get(kpi_id) != "late":
            flags[kpi_id] = "late" if state == LATE_STATE else "owner away"
    return flags
