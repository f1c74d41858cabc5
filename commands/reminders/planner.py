"""Planning reminders: which owner is due which nudge, recorded once in the outbox.

`plan` runs inside one transaction, under the planner lease (see bot.jobs.reminders), as of
`now`:

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

Rows are read as plain tuples and written in bulk, so a run over 10 000 KPIs stays a few
statements, and schedule moments shared by many owners are computed once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from commands.context import Policy
from commands.reminders.rules import TeamSettings, is_away, person_zone, team_settings, zone
from core.cadence import Period, local_datetime, period_for
from core.kinds import Cadence
from core.schedule import Catch, ReminderRules, WorkingTime, catch_up, first_reminder, next_step
from storage import outbox, repo
from storage import reminders as store
from storage.models import Person
from storage.reminders import (
    ANSWERED,
    AWAY,
    CLOSED,
    LATE,
    LATE_STATE,
    MISSED,
    OPEN,
    REMINDER,
    SKIPPED,
    WAITING,
    KpiRow,
    NudgeRow,
    existing_nudges,
    logged_periods,
    reporting_flags,
)

__all__ = [  # the planner, and the rules it plans with (re-exported for callers)
    "ANSWERED",
    "AWAY",
    "CLOSED",
    "LATE",
    "LATE_STATE",
    "MISSED",
    "OPEN",
    "REMINDER",
    "SKIPPED",
    "WAITING",
    "PlanSummary",
    "TeamSettings",
    "is_away",
    "logged_periods",
    "person_zone",
    "plan",
    "reporting_flags",
    "team_settings",
    "zone",
]
_LOOKBACK_SLACK = timedelta(days=8)  # the longest run of days off, plus a day of timezones


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


def plan(session: Session, *, now: datetime, policy: Policy) -> PlanSummary:
    """Record every reminder due as of ``now`` (see the module docstring); never commits."""
    planner = _Planner(session, now.astimezone(UTC), policy)
    kpis = store.active_kpis(session)
    people = _people_for(session, kpis)
    planner.discover(kpis, people)
    due = store.due_nudges(session, now)
    by_id = {k.id: k for k in kpis}
    by_id.update(store.kpis_by_id(session, {n.kpi_id for n in due} - set(by_id)))
    logged = logged_periods(session, [(n.kpi_id, n.period_key) for n in due])
    changed = []
    for nudge in due:
        kpi = by_id.get(nudge.kpi_id)
        if nudge.state == AWAY and _utc(nudge.next_at or now) > now and planner.away(kpi, people):
            continue  # nothing to do before they are back
        planner.walk(nudge, kpi, people, (nudge.kpi_id, nudge.period_key) in logged)
        changed.append(nudge)
    planner.write(changed)
    return planner.summary


class _Planner:
    def __init__(self, session: Session, now: datetime, policy: Policy) -> None:
        self.session, self.now = session, now
        self.summary = PlanSummary()
        self.teams = {t.id: t for t in repo.list_teams(session)}
        self.settings = {tid: team_settings(t, policy) for tid, t in self.teams.items()}
        self.default = team_settings(None, policy)
        self.reminders: dict[str, list[tuple[NudgeRow, int]]] = defaultdict(list)
        self.late: dict[str, list[NudgeRow]] = defaultdict(list)  # one notice per lead
        self.late_due: dict[str, datetime] = {}  # the lead's next working moment
        self._memo: dict[tuple[Any, ...], datetime] = {}
        self._periods_memo: dict[tuple[Cadence, TeamSettings], list[Period]] = {}

    def settings_for(self, kpi: KpiRow) -> TeamSettings:
        return self.settings.get(kpi.team_id, self.default)

    # --- 1. new periods ------------------------------------------------------------------------

    def discover(self, kpis: list[KpiRow], people: dict[str, Person]) -> None:
        candidates: list[tuple[KpiRow, Period, TeamSettings, WorkingTime]] = []
        for kpi in kpis:
            team = self.settings_for(kpi)
            recipient = self._recipient(people.get(kpi.owner), people, team)
            work = team.working_time(person_zone(recipient, team))
            candidates.extend((kpi, p, team, work) for p in self._recent_periods(kpi, team))
        known = existing_nudges(self.session, [(k.id, p.key) for k, p, _, _ in candidates])
        rows = []
        for kpi, period, team, work in candidates:
            if (kpi.id, period.key) in known:
                continue
            first = self._first(self._closes(period, team), work, team.rules)
            if _utc(first) <= self.now:
                rows.append(store.new_nudge(kpi.id, period.key, period.start, first, self.now))
        store.insert_nudges(self.session, rows)
        self.summary.nudges_created = len(rows)

    def _recent_periods(self, kpi: KpiRow, team: TeamSettings) -> Iterable[Period]:
        created_day = kpi.created_at.astimezone(team.tz).date()
        for period in self._periods(kpi.cadence, team):
            if period.end < created_day:
                return
            yield period

    def _periods(self, cadence: Cadence, team: TeamSettings) -> list[Period]:
        """The closed periods recent enough to have live steps, newest first (memoized)."""
        key = (cadence, team)
        if key not in self._periods_memo:
            rules = team.rules
            oldest = self.now - (
                _LOOKBACK_SLACK + rules.follow_up_after * rules.steps + rules.catch_up
            )
            found = []
            period = period_for(cadence, self.now, team.tz).previous()
            while self._closes(period, team) >= oldest:
                if cadence is not Cadence.DAILY or period.start.weekday() in team.days:
                    found.append(period)
                period = period.previous()
            self._periods_memo[key] = found
        return self._periods_memo[key]

    def _recipient(
        self, owner: Person | None, people: dict[str, Person], team: TeamSettings
    ) -> Person | None:
        if owner and owner.delegate_user_id and is_away(owner, self.now, person_zone(owner, team)):
            return people.get(owner.delegate_user_id)
        return owner

    def away(self, kpi: KpiRow | None, people: dict[str, Person]) -> bool:
        """Whether a paused nudge's owner is still away with nobody covering."""
        if kpi is None:
            return False
        owner = people.get(kpi.owner)
        team = self.settings_for(kpi)
        away = is_away(owner, self.now, person_zone(owner, team))
        return away and not (owner and owner.delegate_user_id)

    # --- 2. due nudges -------------------------------------------------------------------------

    def walk(
        self, nudge: NudgeRow, kpi: KpiRow | None, people: dict[str, Person], logged: bool
    ) -> None:
        if kpi is None or not kpi.active:
            nudge.state, nudge.next_at = CLOSED, None
            return
        if logged:
            nudge.state, nudge.next_at = ANSWERED, None
            self.summary.answered += 1
            return
        team = self.settings_for(kpi)
        owner = people.get(kpi.owner)
        delegate = None
        if owner is not None and is_away(owner, self.now, person_zone(owner, team)):
            if not owner.delegate_user_id:
                self._pause(nudge, owner, team)
                return
            delegate = owner.delegate_user_id
        recipient = delegate or kpi.owner
        work = team.working_time(person_zone(people.get(recipient), team))
        moment = _utc(nudge.next_at or self.now)
        if nudge.state == AWAY:  # the owner is back, or has a delegate now
            nudge.state = OPEN
            moment = min(moment, _utc(work.next_open(self.now)))
        rules = team.rules
        while True:
            decision = catch_up(moment, self.now, work, rules)
            if decision is Catch.WAIT:
                nudge.next_at = moment
                return
            nudge.step += 1
            if rules.is_late_step(nudge.step):
                self._late(nudge, kpi, moment, decision, team, recipient)
                return
            if decision is Catch.SKIP:
                self.summary.steps_skipped += 1
                moment = self._next(moment, work, rules)
                continue
            nudge.reminders_sent += 1
            self.reminders[recipient].append((nudge, nudge.reminders_sent))
            following = self._next(moment, work, rules)
            if _utc(following) <= self.now:  # caught up late: the delay counts from now
                following = self._next(self.now, work, rules)
            nudge.next_at = following
            return

    def _late(
        self,
        nudge: NudgeRow,
        kpi: KpiRow,
        moment: datetime,
        decision: Catch,
        team: TeamSettings,
        recipient: str,
    ) -> None:
        nudge.next_at = None
        if nudge.reminders_sent == 0:  # nobody was ever reminded: too stale to call it late
            nudge.state = MISSED
            self.summary.missed += 1
            return
        nudge.state, nudge.late_at = LATE_STATE, moment
        self.summary.late += 1
        lead = self.teams[kpi.team_id].lead_user_id if kpi.team_id in self.teams else None
        if decision is Catch.SEND and lead and lead not in (recipient, kpi.owner):
            lead_person = repo.get_person(self.session, lead)
            lead_work = team.working_time(person_zone(lead_person, team))
            due = _utc(lead_work.next_open(self.now))
            self.late[lead].append(nudge)
            self.late_due[lead] = min(due, self.late_due.get(lead, due))

    def _pause(self, nudge: NudgeRow, owner: Person, team: TeamSettings) -> None:
        assert owner.away_until is not None
        tz = person_zone(owner, team)
        back = local_datetime(owner.away_until + timedelta(days=1), time(0), tz)
        nudge.state = AWAY
        nudge.next_at = _utc(first_reminder(back, team.working_time(tz), team.rules))
        self.summary.paused_away += 1

    # --- memoized schedule arithmetic (many owners share a zone and a period) ----------------

    def _closes(self, period: Period, team: TeamSettings) -> datetime:
        key = ("closes", period, team.tz)
        if key not in self._memo:
            self._memo[key] = _utc(period.due_at(team.tz))
        return self._memo[key]

    def _first(self, closes: datetime, work: WorkingTime, rules: ReminderRules) -> datetime:
        key = ("first", closes, work, rules)
        if key not in self._memo:
            self._memo[key] = _utc(first_reminder(closes, work, rules))
        return self._memo[key]

    def _next(self, moment: datetime, work: WorkingTime, rules: ReminderRules) -> datetime:
        key = ("next", moment, work, rules)
        if key not in self._memo:
            self._memo[key] = _utc(next_step(moment, work, rules))
        return self._memo[key]

    # --- 3. writing it all down ----------------------------------------------------------------

    def write(self, changed: list[NudgeRow]) -> None:
        stamp = f"{self.now:%Y-%m-%dT%H:%MZ}"
        wanted = [
            outbox.NewDelivery(
                f"reminder:{recipient}:{stamp}", REMINDER, recipient, self.now,
                {"nudges": [n.id for n, _ in items]},
            )
            for recipient, items in sorted(self.reminders.items())
        ] + [
            outbox.NewDelivery(
                f"late:{lead}:{stamp}", LATE, lead, self.late_due[lead],
                {"nudges": [n.id for n in nudges]},
            )
            for lead, nudges in sorted(self.late.items())
        ]  # fmt: skip
        ids = outbox.create_many(self.session, wanted, now=self.now)
        for delivery in wanted:  # a run earlier in the same minute took the key: add a suffix
            if delivery.key not in ids:
                ids[delivery.key] = store.create_unique(self.session, delivery, self.now)
        links = [
            {"nudge_id": n.id, "attempt": attempt, "delivery_id": ids[f"reminder:{r}:{stamp}"]}
            for r, items in self.reminders.items()
            for n, attempt in items
        ]
        store.link_messages(self.session, links)
        for lead, nudges in self.late.items():
            for nudge in nudges:
                nudge.lead_delivery_id = ids[f"late:{lead}:{stamp}"]
        self.summary.deliveries = len(self.reminders)
        self.summary.reminders = len(links)
        self.summary.lead_messages = len(self.late)
        store.update_nudges(self.session, changed, self.now)


def _people_for(session: Session, kpis: list[KpiRow]) -> dict[str, Person]:
    people = repo.people_by_id(session, {k.owner for k in kpis})
    delegates = {p.delegate_user_id for p in people.values() if p.delegate_user_id}
    return people | repo.people_by_id(session, delegates - set(people))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
