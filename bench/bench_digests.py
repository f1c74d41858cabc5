"""How long the weekly digests of 500 teams (7 KPIs each) take to draw and post, next to the
floor that Slack's rate limits set; the median warm render of one team image; peak memory.

The real digests job runs against the local Slack stand-in with Slack's documented limits on
(Tier 4 for the two upload calls, about one message a second per channel), in real time: one
digest is a private chart upload (files.getUploadURLExternal, the bytes, then
files.completeUploadExternal) and one chat.postMessage in the team's channel. Teams are spread
over New York, Berlin and Tokyo; the run is as of Monday 14:05 UTC, when every digest is due.

The floor is the least time the limits allow for the calls made: for each limit, the calls
beyond its burst divided by its rate; the largest of those (here the upload calls, 100 a
minute each). While the run goes, a probe thread sleeps 10 ms at a time and records how late
it wakes: that lateness is what a Slack request arriving meanwhile would wait for the GIL.

    .venv/bin/python bench/bench_digests.py [--teams 500] [--kpis 7] [--workers N]
        [--workspace-rate PER_MINUTE] [--database-url URL]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlmodel import col, select

from bot.digests import service as _digest_service  # noqa: F401 - provides runtime.digests
from bot.digests.render import default_workers, render_team
from bot.runtime import Runtime, policy_from
from bot.settings import load_settings
from bot.slack_client import make_client
from commands.digests.digest import build_team_digests
from core.kinds import Cadence
from localslack import LocalSlackServer, RateLimitPolicy
from storage import repo
from storage.db import make_engine, migrate, session_scope
from storage.models import Goal, Kpi, Measurement, Team

if __package__ in (None, ""):  # run as a script: the shared stand-in setup is bench.standin
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.standin import floor_seconds, rate_limited_workspace

MONDAY = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
ZONES = ("America/New_York", "Europe/Berlin", "Asia/Tokyo")
WEEKS = 13


def seed(engine: Engine, teams: int, kpis: int) -> None:
    created = MONDAY - timedelta(days=120)
    stamp = {"created_at": created, "updated_at": created}
    with engine.begin() as db:
        db.execute(insert(Goal), [{"key": "grow", "title": "Grow ARR to $12M", "archived": False,
                                   "deadline": date(2027, 12, 31), **stamp}])  # fmt: skip
        company = db.execute(select(col(Goal.id)).where(Goal.key == "grow")).scalar_one()
        db.execute(insert(Team), [
            {"key": f"team-{n}", "name": f"Team {n}", "channel_id": f"C{n:08d}",
             "timezone": ZONES[n % 3], "lead_user_id": f"U{n:08d}", **stamp}
            for n in range(teams)
        ])  # fmt: skip
        team_ids = {key: id_ for key, id_ in db.execute(select(col(Team.key), col(Team.id)))}  # noqa: C416
        db.execute(insert(Goal), [
            {"key": f"goal-{n}-{g}", "title": f"Team {n} goal {g}", "parent_id": company,
             "team_id": team_ids[f"team-{n}"], "deadline": date(2027, 6, 30), "archived": False,
             **stamp}
            for n in range(teams) for g in range(2)
        ])  # fmt: skip
        goal_ids = {key: id_ for key, id_ in db.execute(select(col(Goal.key), col(Goal.id)))}  # noqa: C416
        db.execute(insert(Kpi), [
            {"key": f"kpi-{n}-{k}", "name": f"Team {n} metric {k}", "unit": ["USD", "%", None][k % 3],
             "direction": "down" if k % 4 == 3 else "up", "target": 1000.0 + k,
             "baseline": 2000.0 if k % 4 == 3 else 100.0, "cadence": Cadence.WEEKLY.value,
             "indicator": "leading", "owner_user_id": f"U{n:08d}", "team_id": team_ids[f"team-{n}"],
             "goal_id": goal_ids[f"goal-{n}-{k % 2}"], "decision": "whether to act",
             "active": True, **stamp}
            for n in range(teams) for k in range(kpis)
        ])  # fmt: skip
        ours = select(col(Kpi.id)).where(col(Kpi.key).startswith("kpi-"))  # not other seeds'
        kpi_ids = [i for i in db.execute(ours).scalars() if i is not None]
        rows = []
        for kpi_id in kpi_ids:
            for week in range(48 - WEEKS + 1, 49):
                if (kpi_id + week) % 11 == 0:
                    continue  # a gap now and then, and some missing values
                start = date.fromisocalendar(2026, week, 1)
                rows.append({"kpi_id": kpi_id, "period_key": f"2026-W{week:02d}",
                             "period_start": start, "value": 100.0 + (kpi_id % 7) * 60 + week * 9,
                             "source": "bench", "logged_by": "U0BENCH", "logged_at": created,
                             "version": 1})  # fmt: skip
        db.execute(insert(Measurement), rows)


def render_median(engine: Engine, repetitions: int = 30) -> float:
    settings = load_settings(env_file=None)
    with session_scope(engine) as session:
        team = repo.get_team(session, "team-1")
        assert team is not None
        (digest,) = build_team_digests(session, policy_from(settings), [(team, MONDAY)])
    for _ in range(3):
        render_team(digest.series, digest.chart_title)
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        render_team(digest.series, digest.chart_title)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def build_seconds(engine: Engine) -> float:
    policy = policy_from(load_settings(env_file=None))
    started = time.perf_counter()
    with session_scope(engine) as session:
        teams = repo.list_teams(session)
        build_team_digests(session, policy, [(t, MONDAY) for t in teams])
    return time.perf_counter() - started


class Probe(threading.Thread):
    """Sleeps 10 ms at a time and records how late it wakes (GIL contention)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.late: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            time.sleep(0.01)
            self.late.append((time.perf_counter() - started - 0.01) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--kpis", type=int, default=7)
    parser.add_argument("--workers", type=int, default=default_workers(), help="0: in-process")
    parser.add_argument("--workspace-rate", type=float, default=0.0)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="kpibot-bench-digests-")
    engine = make_engine(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
    migrate(engine)
    seed(engine, args.teams, args.kpis)
    median = render_median(engine)
    built = build_seconds(engine)

    workspace, policy = rate_limited_workspace(
        channels=[f"C{n:08d}" for n in range(args.teams)],
        policy=RateLimitPolicy(workspace_messages_per_minute=args.workspace_rate or None),
    )
    slack = LocalSlackServer(workspace).start()
    settings = load_settings(
        env_file=None,
        SLACK_BOT_TOKEN=workspace.bot_token,
        SLACK_API_URL=slack.api_url,
        KPIBOT_RENDER_WORKERS=args.workers,
        KPIBOT_LOG_LEVEL="WARNING",
    )
    runtime = Runtime(settings, engine, make_client(settings), clock=lambda: MONDAY)
    probe = Probe()
    probe.start()
    started = time.perf_counter()
    report = runtime.digests.run(MONDAY)
    taken = time.perf_counter() - started
    probe.stop.set()
    worker_mb = runtime.digests.pool.peak_memory_kb() / 1024
    runtime.digests.shutdown()
    slack.stop()

    posted = [len(workspace.messages_in(f"C{n:08d}")) for n in range(args.teams)]
    assert report.sent == args.teams, str(report)
    assert not report.failed, str(report)
    assert set(posted) == {1}, Counter(posted)
    floor = floor_seconds(workspace, policy)
    calls = Counter(c.method for c in workspace.calls if c.status == 200)
    limited = sum(1 for c in workspace.calls if c.status == 429)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    late = sorted(probe.late)
    print(
        f"digests: {args.teams} teams x {args.kpis} KPIs, {args.workers} render workers, "
        f"documented limits{f' + {args.workspace_rate:.0f}/min workspace budget' if args.workspace_rate else ''}"
    )
    print(
        f"  run {taken:6.1f} s; floor {floor:6.1f} s; ratio {taken / floor:.2f}"
        if floor
        else f"  run {taken:6.1f} s; floor 0 s"
    )
    print(
        f"  per digest: {calls['files.getUploadURLExternal'] / args.teams:.2f} uploads, "
        f"{calls['chat.postMessage'] / args.teams:.2f} posts; {limited} answers were 429; "
        f"paced waits {runtime.digests.pacer.waited:.0f} s (summed over sender threads)"
    )
    print(f"  building every digest's data: {built:.1f} s for {args.teams} teams (one process)")
    print(f"  team image ({args.kpis} KPIs, 12 weeks), warm: median {median:.0f} ms")
    print(
        f"  request-thread lag during the run (10 ms sleeps): p50 {statistics.median(late):.1f} ms, "
        f"p99 {late[int(len(late) * 0.99)]:.1f} ms, max {late[-1]:.0f} ms"
    )
    print(f"  peak memory: main process {main_mb:.0f} MB, largest render worker {worker_mb:.0f} MB")


if __name__ == "__main__":
    main()
