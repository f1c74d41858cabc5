"""What a digest shows about each KPI, gathered for many KPIs at once in a few queries.

Each KPI is shown as of its digest moment: the value of its report period (the last period
that closed before the moment, cut in the team's timezone), the change from the period before,
progress and status assessed at the moment, and a chart series of the periods up to the report
period with gaps where nothing was logged. Values logged for later periods are left out, so a
digest rebuilt later in the week shows the same thing unless a late value arrived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from charts.series import KpiSeries, Point
from commands.context import Policy
from commands.due import Rules
from commands.insight import end_of_day, precision_of
from commands.outlook import chart_projection, chart_targets, outlook, target_in, target_number
from core.cadence import Period
from core.digest import DigestRow, MissingValue, change, progress_text
from core.digest_time import history_periods, report_period
from core.kinds import Cadence, Direction, Status
from core.status import assess, pace_at
from core.values import format_value
from storage import digests, repo
from storage.digests import Value
from storage.models import Goal, Kpi, Person, Team

HISTORY = 12  # periods per chart panel


@dataclass(frozen=True)
class KpiDigestFacts:
    kpi: Kpi
    goal: Goal | None
    row: DigestRow
    series: KpiSeries
    missing: MissingValue | None


def zone(team: Team | None, policy: Policy) -> ZoneInfo:
    """The timezone a team's periods are cut in."""
    if team is not None and team.timezone:
        try:
            return ZoneInfo(team.timezone)
        except (ValueError, KeyError):
            pass
    return policy.tz


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_label(period: Period) -> str:
    """A compact axis label, as commands.insight.short_label writes it: W47, Nov, Q4, 26 Nov."""
    start = period.start
    if period.cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY):
        return f"W{start.isocalendar().week:02d}"
    if period.cadence is Cadence.MONTHLY:
        return _MONTHS[start.month - 1]
    if period.cadence is Cadence.QUARTERLY:
        return f"Q{(start.month - 1) // 3 + 1}"
    return f"{start.day} {_MONTHS[start.month - 1]}"


def _band(kpi: Kpi) -> tuple[float, float] | None:
    if kpi.band_low is None or kpi.band_high is None:
        return None
    return (kpi.band_low, kpi.band_high)


def _pace_window(
    kpi: Kpi, goal: Goal | None, first: Value | None
) -> tuple[datetime, datetime | None]:
    start = kpi.created_at
    if first is not None:
        start = min(start, datetime.combine(first.period_start, time(0), tzinfo=UTC))
    deadline = (
        datetime.combine(goal.deadline, time(23, 59), tzinfo=UTC)
        if goal is not None and goal.deadline
        else None
    )
    return start, deadline


class DigestFacts:
    """Loads what digests need for a batch of KPIs; one instance per transaction."""

    def __init__(self, session: Session, policy: Policy) -> None:
        self.session = session
        self.policy = policy
        self.teams = {t.id: t for t in repo.list_teams(session)}
        self.goals = repo.goals_by_id(session)

    def for_kpis(
        self, kpis: Sequence[Kpi], moment_of: Callable[[Kpi], datetime]
    ) -> list[KpiDigestFacts]:
        """Facts for ``kpis``, each as of ``moment_of(kpi)``, in the order given."""
        if not kpis:
            return []
        plans = []
        for kpi in kpis:
            team = self.teams.get(kpi.team_id) if kpi.team_id is not None else None
            tz = zone(team, self.policy)
            moment = moment_of(kpi)
            report = report_period(kpi.cadence, moment, tz)
            plans.append((kpi, tz, moment, history_periods(report, HISTORY + 1)))
        history = self._history(plans)
        people = repo.people_by_id(self.session, self._people([k for k, *_ in plans]))
        self.rules = Rules(self.teams, people, self.policy)
        skipped = digests.skipped_periods(
            self.session, [(k.id, periods[-1].key) for k, _, _, periods in plans if k.id]
        )
        facts = []
        for kpi, tz, moment, periods in plans:
            assert kpi.id is not None
            values = history.get(kpi.id, {})
            facts.append(self._facts(kpi, tz, moment, periods, values, people, skipped))
        return facts

    def _people(self, kpis: Sequence[Kpi]) -> set[str]:
        owners = {k.owner_user_id for k in kpis}
        found = repo.people_by_id(self.session, owners)
        delegates = {p.delegate_user_id for p in found.values() if p.delegate_user_id}
        return owners | delegates

    def _history(
        self, plans: Sequence[tuple[Kpi, ZoneInfo, datetime, list[Period]]]
    ) -> dict[int, dict[str, Value]]:
        """Values per KPI by period key, from the oldest period needed: one query per cadence."""
        by_cadence: dict[Cadence, list[tuple[int, list[Period]]]] = defaultdict(list)
        for kpi, _, _, periods in plans:
            assert kpi.id is not None
            by_cadence[kpi.cadence].append((kpi.id, periods))
        found: dict[int, dict[str, Value]] = {}
        for group in by_cadence.values():
            since = min(periods[0].start for _, periods in group)
            found.update(digests.values_since(self.session, [k for k, _ in group], since))
        return found

    def _facts(
        self,
        kpi: Kpi,
        tz: ZoneInfo,
        moment: datetime,
        periods: list[Period],
        values: dict[str, Value],
        people: dict[str, Person],
        skipped: dict[tuple[int, str], str],
    ) -> KpiDigestFacts:
        assert kpi.id is not None
        goal = self.goals.get(kpi.goal_id) if kpi.goal_id is not None else None
        report, previous = periods[-1], periods[-2]
        shown = [values.get(p.key) for p in periods[1:]]
        first = min(values.values(), key=lambda m: m.period_start, default=None)
        start, deadline = _pace_window(kpi, goal, first)
        current = values.get(report.key)
        before = values.get(previous.key)
        precision = precision_of(kpi, [v.value for v in values.values()])
        ahead = outlook(
            kpi, goal, [(p.key, m.value) for p, m in zip(periods[1:], shown, strict=True) if m]
        )
        assessment = assess(
            current.value if current else None,
            target_in(kpi, report),
            now=moment,
            start=start,
            deadline=deadline,
            at_risk_band=self.policy.at_risk_band,
            unit=kpi.unit,
            period_end=end_of_day(report.end),
            precision=precision,
        )
        owner = people.get(kpi.owner_user_id)
        row = DigestRow(
            key=kpi.key,
            name=kpi.name,
            owner=kpi.owner_user_id,
            owner_name=owner.display_name if owner else None,
            period_key=report.key,
            period_label=report.label,
            value=(
                format_value(current.value, kpi.unit)
                + (" unconfirmed" if current.unconfirmed else "")
                if current
                else None
            ),
            change=(
                change(
                    current.value,
                    before.value if before else None,
                    kpi.direction,
                    kpi.unit,
                    _band(kpi),
                )
                if current
                else None
            ),
            previous_label=short_label(previous),
            progress=progress_text(
                kpi.direction, target_number(kpi, report), _band(kpi), assessment.progress, kpi.unit
            ),
            status=assessment.status if current else Status.NO_DATA,
            reason=assessment.reason,
            indicator=kpi.indicator.value,
            projection=ahead.line if ahead.projection and ahead.projection.projected else None,
        )
        missing = None
        if current is None and not kpi.formula:  # a formula's inputs are what is missing
            missing = self._missing(kpi, report, tz, moment, owner, people, skipped)
        series = self._series(
            kpi, periods[1:], shown, start, deadline, row.status, moment, precision
        )
        series = replace(series, projection=chart_projection(ahead))
        return KpiDigestFacts(kpi=kpi, goal=goal, row=row, series=series, missing=missing)

    def _missing(
        self,
        kpi: Kpi,
        report: Period,
        tz: ZoneInfo,
        moment: datetime,
        owner: Person | None,
        people: dict[str, Person],
        skipped: dict[tuple[int, str], str],
    ) -> MissingValue:
        assert kpi.id is not None
        today = moment.astimezone(tz).date()
        away = owner is not None and owner.away_until is not None and owner.away_until >= today
        return MissingValue(
            kpi_key=kpi.key,
            kpi_name=kpi.name,
            period_label=report.label,
            owner=kpi.owner_user_id,
            owner_name=owner.display_name if owner else None,
            late=self.rules.is_late(kpi, report, moment),  # the one rule: core.due
            away_until=owner.away_until if away and owner else None,
            delegate=owner.delegate_user_id if away and owner else None,
            skipped=skipped.get((kpi.id, report.key)),
        )

    def _series(
        self,
        kpi: Kpi,
        periods: Sequence[Period],
        shown: Sequence[Value | None],
        start: datetime,
        deadline: datetime | None,
        status: Status,
        moment: datetime,
        precision: int,
    ) -> KpiSeries:
        """The chart panel: periods from the first value (or, with none, since the KPI was
        created) to the report period; gaps after the first value show as missing."""
        first = next((i for i, m in enumerate(shown) if m is not None), None)
        if first is None:
            created = kpi.created_at.date()
            first = next((i for i, p in enumerate(periods) if p.end >= created), len(periods) - 1)
        periods, shown = periods[first:], shown[first:]
        pace: list[float | None] | None = None
        if (
            deadline is not None
            and kpi.baseline is not None
            and kpi.direction is not Direction.BAND
        ):
            pace = [
                pace_at(
                    target_in(kpi, p),
                    start,
                    deadline,
                    period_end=end_of_day(p.end),
                    now=moment,
                    precision=precision,
                )
                for p in periods
            ]
        return KpiSeries(
            name=kpi.name,
            unit=kpi.unit,
            direction=kpi.direction,
            points=[
                Point(short_label(p), m.value if m else None)
                for p, m in zip(periods, shown, strict=True)
            ],
            target=kpi.target if kpi.direction is not Direction.BAND else None,
            band=_band(kpi),
            pace=pace,
            status=status,
            targets=chart_targets(kpi, [p.key for p in periods]),
        )
