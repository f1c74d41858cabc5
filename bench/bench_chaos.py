"""Faults against the delivery engine, with figures: what Slack received when replicas were
killed mid-run, when Slack answered 429 or 500 or dropped connections for a stretch, and when
the database went away; lost and duplicated messages, and how late each one arrived.

Set-up: a throwaway PostgreSQL database on 127.0.0.1 (dropped at the end), seeded with the
reminder bench's owners (five weekly KPIs each, last week's value missing) and the digest
bench's teams (a channel, a lead, KPIs with 13 weeks of values), every team reviewing on
Tuesdays at 10:00 (the thread is posted the day before). Three replicas (bench/chaos_replica.py:
the reminders, digests and reviews jobs in a loop, as `kpibot serve` runs them) work against
the Slack stand-in in its own process (bench/standin.py, Slack's documented limits on). The
clock of every process is the real one shifted so that it is Monday 2026-11-30 15:00 UTC when
a phase starts: every reminder, digest and review thread is due at once.

Phases, each on a fresh stand-in and a fresh outbox (the same work each time):

- none: no fault, for reference;
- kills: SIGKILL a random replica at random moments (1-5 s apart, from 1-5 s in), ``--kills``
  times, and start it again at once;
- 429: from 3 s in, every Slack call is answered 429 with Retry-After for ``--storm`` seconds;
- errors: the same stretch of 500s and connection resets (before and after Slack acted);
- database: from 5 s in, the database refuses connections and every open one is terminated
  (pg_terminate_backend) for ``--outage`` seconds; the replicas are not restarted.

Counted per message (a delivery's key in Slack message metadata: one per reminder, digest,
review thread parent and thread reply): expected (planned), received, lost (never received),
duplicates (received more than once), and lateness: when Slack first had it, counted from
the phase's start (so it includes the run's own work: compare with "none").

    .venv/bin/python bench/bench_chaos.py [--owners 240] [--teams 20] [--storm 20]
        [--outage 20] [--kills 12] [--lease 30] [--admin-url URL] [--seed N]

Only loopback is used; every process the bench starts is killed and the database dropped when
it ends, is interrupted (Ctrl-C, SIGTERM) or dies (the children die with it).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from storage.db import migrate

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.chaos_data import HEADER, Phase, count, outbox_state, phase_total, reset, seed, stuck
from bench.standin import ROOT, StandIn, die_with_parent, kill_group

VIRTUAL_START = datetime(2026, 11, 30, 15, 0, 30, tzinfo=UTC)  # every kind of message is due
REPLICAS = 3
FAULTS = ("none", "kills", "429", "errors", "database")


class Bench:
    """The database, the stand-in and the replicas of one bench run, and their clean-up."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.random = random.Random(args.seed)
        self.folder = Path(tempfile.mkdtemp(prefix="kpibot-chaos-"))
        admin = urlsplit(args.admin_url)
        if admin.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("bench_chaos only runs against PostgreSQL on loopback")
        self.database = f"kpibot_chaos_{os.getpid()}"
        self.url = args.admin_url.rsplit("/", 1)[0] + "/" + self.database
        self.admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.engine: Engine | None = None
        self.replicas: list[subprocess.Popen[bytes]] = []
        self.standin: StandIn | None = None

    # --- the database ----------------------------------------------------------------------

    def create_database(self) -> Engine:
        with self.admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{self.database}"'))
        self.engine = create_engine(self.url, poolclass=NullPool)
        migrate(self.engine)
        return self.engine

    def admin_sql(self, sql: str) -> None:
        with self.admin.connect() as db:
            db.execute(text(sql))

    def database_gone(self, gone: bool) -> None:
        """Refuse new connections to the bench database and drop every open one, or undo."""
        self.admin_sql(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS {not gone!s}')
        if gone:
            self.terminate_connections()

    def terminate_connections(self) -> None:
        self.admin_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - our name
            f"WHERE datname = '{self.database}' AND pid <> pg_backend_pid()"
        )

    # --- processes -------------------------------------------------------------------------

    def start_standin(self, fault: str) -> StandIn:
        self.standin = StandIn(
            users=self.args.owners,
            channels=self.args.teams,
            seed=self.random.randrange(1 << 30),
            log=self.folder / f"standin-{fault}.log",
        ).start()
        return self.standin

    def start_replica(self, n: int, shift: float, fault: str) -> subprocess.Popen[bytes]:
        assert self.standin is not None
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SLACK_API_URL": self.standin.api_url,
            "SLACK_BOT_TOKEN": self.standin.token,
            "KPIBOT_DELIVERY_LEASE": f"{self.args.lease}s",
            "KPIBOT_DELIVERY_WORKERS": "2",
            "KPIBOT_RENDER_WORKERS": "0",
            "KPIBOT_LOG_LEVEL": "INFO",
        }
        log = (self.folder / f"replica-{fault}-{n}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.chaos_replica", f"--shift={shift}"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        log.close()
        return process

    def stop_processes(self) -> None:
        for process in self.replicas:
            kill_group(process)
        self.replicas = []
        if self.standin is not None:
            self.standin.stop()
            self.standin = None

    def cleanup(self) -> None:
        self.stop_processes()
        if self.engine is not None:
            self.engine.dispose()
        try:
            self.admin_sql(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')
            self.admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except Exception as exc:
            print(f"could not drop {self.database}: {exc}", file=sys.stderr)
        self.admin.dispose()

    # --- a phase ---------------------------------------------------------------------------

    def run_phase(self, fault: str, planned: int | None) -> tuple[Phase, int]:
        assert self.engine is not None
        reset(self.engine)
        phase = Phase(fault)
        standin = self.start_standin(fault)
        started = time.time()
        shift = started - VIRTUAL_START.timestamp()
        self.replicas = [self.start_replica(n, shift, fault) for n in range(REPLICAS)]
        injector = self.injector(fault, phase, started, shift)
        stable_since, last = 0.0, (-1, -1)
        while time.time() < started + self.args.timeout:
            time.sleep(0.25)
            state = outbox_state(self.engine)
            faults_over = injector(state is not None and state[1] > 0)
            if state is None or not faults_over:
                continue
            total, pending = state
            if state != last:
                stable_since, last = time.time(), state
            # Done: nothing pending, and every delivery planned (as many as the reference
            # phase planned; for that one, no new row for three seconds).
            settled = planned is not None or time.time() - stable_since > 3
            if pending == 0 and total > 0 and total == (planned or total) and settled:
                phase.finished = True
                break
        phase.taken = time.time() - started
        if not phase.finished:
            phase.notes.append(stuck(self.engine, shift))
        if fault in ("429", "errors"):
            phase.events = sum(n for name, n in standin.served().items() if name != "ok")
        received = standin.messages()
        self.stop_processes()
        count(self.engine, phase, received, started)
        return phase, phase_total(self.engine)

    def injector(
        self, fault: str, phase: Phase, started: float, shift: float
    ) -> Callable[[bool], bool]:
        """What the fault does at each tick (told whether work is left); True once it is over."""
        args, standin = self.args, self.standin
        assert standin is not None
        storm_from, storm_to = started + 3, started + 3 + args.storm
        outage_from, outage_to = started + 5, started + 5 + args.outage
        state: dict[str, Any] = {
            "next_kill": started + self.random.uniform(1, 5),
            "on": False,
            "kicked": 0.0,
        }

        def tick(work_left: bool) -> bool:
            now = time.time()
            if fault == "kills":
                if now >= state["next_kill"] and phase.events < args.kills:
                    n = self.random.randrange(REPLICAS)
                    kill_group(self.replicas[n])
                    self.replicas[n] = self.start_replica(n, shift, fault)
                    phase.events += 1
                    state["next_kill"] = now + self.random.uniform(1, 5)
                return bool(phase.events >= args.kills)
            if fault in ("429", "errors"):
                if storm_from <= now < storm_to and not state["on"]:
                    standin.fault(fault, retry_after=args.retry_after)
                    state["on"] = True
                elif now >= storm_to and state["on"]:
                    standin.fault("none")
                    state["on"] = False
                return bool(now >= storm_to)
            if fault == "database":
                if outage_from <= now < outage_to:
                    if not state["on"]:
                        self.database_gone(True)
                        state["on"], phase.events = True, 1
                    elif now - state["kicked"] > 1:
                        self.terminate_connections()  # anything that slipped in
                        state["kicked"] = now
                elif now >= outage_to and state["on"]:
                    self.database_gone(False)
                    state["on"] = False
                return bool(now >= outage_to)
            return True

        return tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--owners", type=int, default=240)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--kpis", type=int, default=5, help="KPIs per team")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs in the kills phase")
    parser.add_argument("--storm", type=float, default=20.0, help="seconds of 429s, of 500s")
    parser.add_argument("--retry-after", type=int, default=5, help="the 429s' Retry-After")
    parser.add_argument("--outage", type=float, default=20.0, help="seconds without database")
    parser.add_argument("--lease", type=int, default=30, help="KPIBOT_DELIVERY_LEASE, seconds")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per phase at most")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()

    bench = Bench(args)

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    phases: list[Phase] = []
    try:
        engine = bench.create_database()
        started = time.perf_counter()
        seed(engine, args.owners, args.teams, args.kpis)
        print(
            f"seeded {args.owners} owners and {args.teams} teams ({args.kpis} KPIs each) in "
            f"{time.perf_counter() - started:.1f} s; {REPLICAS} replicas, lease {args.lease} s; "
            f"logs in {bench.folder}",
            flush=True,
        )
        planned = None
        for fault in args.faults.split(","):
            phase, total = bench.run_phase(fault, planned)
            planned = planned or total
            phases.append(phase)
            print(f"  {fault}: {phase.taken:.0f} s; {'; '.join(phase.notes) or 'ok'}", flush=True)
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
    finally:
        bench.cleanup()
    if phases:
        print(
            f"\nstorms {args.storm:.0f} s (Retry-After {args.retry_after} s), database outage "
            f"{args.outage:.0f} s, lease {args.lease} s; late = from the phase's start\n"
        )
        print(HEADER)
        for phase in phases:
            print(phase.row())
        missed = [p.fault for p in phases if not p.goal_met()]
        print(
            f"\ngoal (lost 0; duplicates <= kills, 0 otherwise): {'NOT met for ' + ', '.join(missed) if missed else 'met'}"
        )
        if missed:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
