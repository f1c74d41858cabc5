"""How long a reminder run takes for 2 000 owners and 10 000 KPIs, next to the floor that
Slack's rate limits set, and how many Web API calls it makes per owner.

Every owner (New York time) owns five weekly KPIs with a month of values, all due on Monday at
10:00, so one run plans 10 000 KPI periods and sends 2 000 DMs: the real reminders job against
the local Slack stand-in, with Slack's documented limits switched on.

1. Documented limits: the method tiers (users.list Tier 2, users.info Tier 4, ...) and
   chat.postMessage's one message a second per channel, in real time. The first run starts
   with no cached timezones (a users.list sweep); later runs are warm.
2. The same plus a workspace-wide posting budget. Slack says posting is limited to "several
   hundred messages per minute" per workspace, without a figure; `--workspace-rate` picks one
   (300 a minute). That budget binds, so the stand-in's clock is virtual: a run's time is its
   real work plus the Retry-After seconds it waited, which are skipped instead of slept. One
   sender thread is used there, so the skipped waits add up exactly as real ones would.

The floor is the least time the limits allow for the calls the run made: for each limit, the
calls beyond its burst divided by its rate; the largest of those. The ratio is run / floor.

    .venv/bin/python bench/bench_reminders.py [--quick] [--owners 2000] [--runs 3]
        [--workspace-rate 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from bot.reminders.job import JobConfig, ReminderJob, RunReport
from bot.runtime import policy_from
from bot.settings import load_settings
from core.kinds import Cadence
from localslack import LocalSlackServer, RateLimitPolicy, Workspace
from storage.db import make_engine, migrate
from storage.models import Delivery, JobLease, Kpi, Measurement, Nudge, NudgeMessage, Person

if __package__ in (None, ""):  # run as a script: the shared stand-in setup is bench.standin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.standin import floor_seconds, rate_limited_workspace

MONDAY_10_NY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 2026-W48 is due
KPIS_PER_OWNER = 5


class VirtualClock:
    """Real time plus the waits a run asked for, which are skipped instead of slept."""

    def __init__(self, start: float) -> None:
        self.start, self.real = start, time.monotonic()
        self.skipped = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.start + (time.monotonic() - self.real) + self.skipped

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.skipped += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)


def seed(engine: Engine, owners: list[str]) -> None:
    created = MONDAY_10_NY - timedelta(days=60)
    with engine.begin() as connection:
        kpis = [
            {"key": f"{owner.lower()}-{n}", "name": f"Metric {n} of {owner}", "unit": "USD",
             "direction": "up", "target": 1000.0, "baseline": 100.0, "cadence": Cadence.WEEKLY.value,
             "indicator": "lagging", "owner_user_id": owner, "active": True,
             "created_at": created, "updated_at": created}
            for owner in owners for n in range(KPIS_PER_OWNER)
        ]  # fmt: skip
        connection.execute(insert(Kpi), kpis)
        found = connection.execute(select(col(Kpi.key), col(Kpi.id)))
        ids = {str(key): int(id_ or 0) for key, id_ in found}
        values = [
            {"kpi_id": ids[str(row["key"])], "period_key": f"2026-W{week}", "value": 100.0 + week * 10,
             "period_start": datetime.fromisocalendar(2026, week, 1).date(), "source": "bench",
             "logged_by": row["owner_user_id"], "logged_at": created, "version": 1}
            for row in kpis for week in (44, 45, 46, 47)
        ]  # fmt: skip
        connection.execute(insert(Measurement), values)


def reset(engine: Engine, *, cold: bool) -> None:
    """Undo the previous run. A cold run starts from nothing: no cached timezones, no nudges.
    A warm run is the steady state: last week's nudges exist (answered), only this week's
    period is new."""
    with engine.begin() as connection:
        for table in (NudgeMessage, Delivery, JobLease):
            connection.execute(delete(table))
        if cold:
            connection.execute(delete(Nudge))
            connection.execute(delete(Person))
        else:
            connection.execute(delete(Nudge).where(col(Nudge.period_key) == "2026-W48"))
            connection.execute(update(Person).values(timezone_checked_at=MONDAY_10_NY))


@dataclass
class Run:
    taken: float  # seconds, waits included
    real: float  # seconds of real work
    report: RunReport
    calls: Counter[str]  # successful calls by method, plus "429"
    floor: float


def one_run(
    engine: Engine,
    slack: LocalSlackServer,
    owners: list[str],
    *,
    workspace_rate: float,
    cold: bool,
    virtual: bool,
) -> Run:
    reset(engine, cold=cold)
    clock = VirtualClock(MONDAY_10_NY.timestamp()) if virtual else None
    workspace, policy = rate_limited_workspace(
        users=owners,
        policy=RateLimitPolicy(workspace_messages_per_minute=workspace_rate or None),
        clock=clock,
    )
    slack.workspace = workspace
    client = WebClient(
        token=workspace.bot_token, base_url=slack.api_url, timeout=30, retry_handlers=[]
    )
    settings = load_settings(env_file=None)
    workers = 1 if virtual else settings.delivery_workers
    job = ReminderJob(
        engine,
        client,
        policy_from(settings),
        config=JobConfig(workers=workers),
        clock=clock.now if clock else None,
        sleep=clock.sleep if clock else time.sleep,
        worker="bench",
    )
    started, real = (clock() if clock else time.time()), time.perf_counter()
    report = job.run(MONDAY_10_NY)
    real = time.perf_counter() - real
    taken = (clock() - started) if clock else real
    assert report.sent == len(owners), report.lines()
    assert not report.failed, report.lines()
    assert all(len(workspace.dm_with(o)) == 1 for o in owners)
    calls: Counter[str] = Counter(c.method for c in workspace.calls if c.status == 200)
    calls["429"] = sum(1 for c in workspace.calls if c.status == 429)
    return Run(taken, real, report, calls, floor_seconds(workspace, policy))


def describe(label: str, run: Run) -> str:
    ratio = f"{run.taken / run.floor:5.2f}x floor {run.floor:6.1f} s" if run.floor else "floor 0 s"
    return (
        f"  {label:8} {run.taken:7.1f} s ({ratio}); real work {run.real:5.1f} s "
        f"(planning {run.report.plan_seconds:.1f} s, sending {run.report.send_seconds:.1f} s), "
        f"waited {run.report.waited:.0f} s; {run.report.timezones or 'timezones cached'}"
    )


def per_owner(run: Run, owners: int) -> str:
    return ", ".join(f"{m} {n / owners:.3f}" for m, n in sorted(run.calls.items()) if n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--owners", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="warm runs with documented limits")
    parser.add_argument(
        "--budget-runs", type=int, default=1, help="runs with the workspace budget (slower)"
    )
    parser.add_argument("--workspace-rate", type=float, default=300.0)
    parser.add_argument("--quick", action="store_true", help="200 owners, 2 warm runs")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.quick:
        args.owners, args.runs, args.budget_runs = 200, 2, 2

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kpibot-bench-')}/bench.sqlite3"
    engine = make_engine(url)
    migrate(engine)
    owners = [f"U{n:08d}" for n in range(args.owners)]
    started = time.perf_counter()
    seed(engine, owners)
    kpis = len(owners) * KPIS_PER_OWNER
    print(
        f"seeded {len(owners)} owners and {kpis} weekly KPIs with 4 values each in "
        f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )

    with LocalSlackServer(Workspace()) as slack:
        print("\n1. Slack's documented limits (tiers; 1 message/s per channel), real time:")
        cold = one_run(engine, slack, owners, workspace_rate=0, cold=True, virtual=False)
        print(describe("cold", cold))
        warm = []
        for n in range(args.runs):
            warm.append(one_run(engine, slack, owners, workspace_rate=0, cold=False, virtual=False))
            print(describe(f"warm {n + 1}", warm[-1]))
        budget = []
        if args.workspace_rate:
            print(
                f"\n2. ... plus a workspace budget of {args.workspace_rate:.0f} messages/minute "
                "(virtual clock, one sender thread):"
            )
            for n in range(args.budget_runs):
                budget.append(
                    one_run(
                        engine,
                        slack,
                        owners,
                        workspace_rate=args.workspace_rate,
                        cold=False,
                        virtual=True,
                    )
                )
                print(describe(f"run {n + 1}", budget[-1]))

    print(f"\nreminder run for {len(owners)} owners and {kpis} KPIs (medians):")
    median = statistics.median(r.taken for r in warm)
    print(
        f"  documented limits:     {median:7.1f} s; floor 0 s (every DM is its own channel, "
        "so no limit binds: the run is bound by its own work and round trips)"
    )
    print(
        f"  cold timezone cache:   {cold.taken:7.1f} s; floor {cold.floor:.1f} s (users.list, "
        f"Tier 2, {cold.calls['users.list']} pages of 200)"
        + (f"; ratio {cold.taken / cold.floor:.2f}" if cold.floor else "")
    )
    if budget:
        median = statistics.median(r.taken for r in budget)
        floor = statistics.median(r.floor for r in budget)
        print(
            f"  with the {args.workspace_rate:.0f}/min budget: {median:7.1f} s; floor {floor:.1f} s; "
            f"ratio {median / floor:.2f}"
        )
    print(f"  Web API calls per owner, cold: {per_owner(cold, len(owners))}")
    print(f"  Web API calls per owner, warm: {per_owner(warm[-1], len(owners))}")
    if budget:
        print(f"  Web API calls per owner, budget: {per_owner(budget[-1], len(owners))}")


if __name__ == "__main__":
    main()
