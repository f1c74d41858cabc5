"""One definition of *missing*, *due* and *late* for a KPI's values, used by Home, the
reminder DMs and the weekly digests alike (they used to disagree: Home counted gaps since the
latest value, reminders only knew the newest period, digests called a value late six hours
after its period closed).

Everything here is pure: moments are timezone-aware instants and ``now`` is passed in.

* **Finished periods.** A period is finished once it has closed (``Period.due_at`` in the
  timezone the team's periods are cut in). The periods looked at are the finished ones from
  the one holding the KPI's creation date (a KPI created mid-week owes that week: the planner
  reminds about it too) to the newest, at most :data:`HORIZON` of them. Daily periods on a
  team's days off are never owed.
* **Missing.** A finished period is missing when it has no value and was not skipped (a skip
  with a reason answers the period as well as a value does).
* **Due.** Every missing period is due: it closed, the owner can log it, and they will be (or
  have been) reminded about it.
* **Late.** A missing period is late once its reminders ran out unanswered: the moment
  :func:`core.schedule.schedule` gives for the step after ``max_reminders`` reminders (first
  reminder at the team's ``reminder_time`` on the first working day after the period closed,
  then one follow-up per ``follow_up_after``, all in the recipient's working time). That is the
  step at which the reminder planner flags a period late and tells the team lead. A snooze or
  a run that caught up after downtime can move the planner's own flag later than this nominal
  moment; Home and the digests use the nominal one so they never depend on message history.
  While the owner is away without a delegate nothing becomes late (reminders pause too).

So a Monday 09:00 digest never calls last week late while its 10:00 reminder has not gone
out: the value is "not in yet", and its owner is not @-mentioned.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.cadence import Period, period_for
from core.kinds import Cadence
from core.schedule import ReminderRules, WorkingTime, schedule

HORIZON = 12
"""Finished periods looked at for missing values; older gaps are history, not a to-do."""

MAX_NAMED = 3  # periods named in a one-line summary before "and N more"


@dataclass(frozen=True)
class Owed:
    """A finished period with no value: due, and late from ``late_at`` on (unless away)."""

    period: Period
    late_at: datetime
    late: bool

    @property
    def state(self) -> str:
        return "late" if self.late else "due"


def finished_periods(
    cadence: Cadence,
    tz: ZoneInfo,
    created_at: datetime,
    now: datetime,
    *,
    days: Collection[int] = frozenset(range(7)),
    horizon: int = HORIZON,
) -> list[Period]:
    """The finished periods a KPI can owe as of ``now``, oldest first (see the module doc)."""
    _require_aware(created_at, now)
    created_day = created_at.astimezone(tz).date()
    found: list[Period] = []
    period = period_for(cadence, now, tz).previous()
    looked = 0
    while looked < horizon and period.end >= created_day:
        looked += 1
        if cadence is not Cadence.DAILY or period.start.weekday() in days:
            found.append(period)
        period = period.previous()
    return found[::-1]


def late_at(period: Period, tz: ZoneInfo, work: WorkingTime, rules: ReminderRules) -> datetime:
    """When a missing ``period`` becomes late: the step after the last reminder."""
    return schedule(period.due_at(tz), work, rules)[-1]


def owed(
    cadence: Cadence,
    tz: ZoneInfo,
    created_at: datetime,
    answered: Collection[str],
    work: WorkingTime,
    rules: ReminderRules,
    now: datetime,
    *,
    away: bool = False,
    horizon: int = HORIZON,
) -> list[Owed]:
    """The missing periods, oldest first, each due or late as of ``now``.

    ``answered`` holds the keys of periods with a value or a skip; ``tz`` is where the team's
    periods are cut and ``work`` the working time of whoever is reminded (the owner, or their
    delegate while they are away); ``away`` means the owner is away with nobody covering.
    """
    out = []
    for period in finished_periods(cadence, tz, created_at, now, days=work.days, horizon=horizon):
        if period.key in answered:
            continue
        late_moment = late_at(period, tz, work, rules)
        late = not away and now.astimezone(UTC) >= late_moment.astimezone(UTC)
        out.append(Owed(period, late_moment, late))
    return out


def is_late(
    period: Period,
    tz: ZoneInfo,
    work: WorkingTime,
    rules: ReminderRules,
    now: datetime,
    *,
    away: bool = False,
) -> bool:
    """Whether a missing value for ``period`` is late as of ``now`` (see the module doc)."""
    _require_aware(now)
    return not away and now.astimezone(UTC) >= late_at(period, tz, work, rules).astimezone(UTC)


def summary(periods: Sequence[Owed]) -> str:
    """One line for Home: ``week 47 (16-22 Nov 2026) is late, week 48 (23-29 Nov 2026) is due``.

    Late periods come first (they are the older ones), each group oldest first; past
    :data:`MAX_NAMED` periods the rest are counted.
    """
    if not periods:
        return "up to date"
    parts = []
    for state in ("late", "due"):
        group = [o.period.label for o in periods if o.state == state]
        if group:
            verb = "is" if len(group) == 1 else "are"
            named = ", ".join(group[:MAX_NAMED])
            more = f" and {len(group) - MAX_NAMED} more" if len(group) > MAX_NAMED else ""
            parts.append(f"{named}{more} {verb} {state}")
    return "; ".join(parts)


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got naive {moment.isoformat()}")
