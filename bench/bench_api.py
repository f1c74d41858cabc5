"""Latency of POST /api/v1/values with 50 concurrent clients and 10 000 KPIs.

kpibot runs as `kpibot serve --no-scheduler` in its own process (Slack played by localslack on
loopback); the load comes from another process with 50 concurrent keep-alive clients, each
sending values for the current period of random KPIs (numbers and "$120k"-style text; a KPI
drawn twice gets an edit, kept in history).

Then the time to pull --sources SQL sources from a PostgreSQL table through the sources job
(bench/bench_sources.py; the warehouse is on --database-url, or on 127.0.0.1:5432).

Three runs: `single` (one client, one request at a time: the cost of a request), `closed` (each client sends its next request as soon as the last is answered: the
server is saturated, so latency is queueing, concurrency / throughput) and `paced` (each
client sends one request every --interval seconds, a busy but realistic integration load).

    .venv/bin/python bench/bench_api.py [--kpis 10000] [--requests 40] [--database-url URL]

With --database-url (a PostgreSQL server, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/
postgres) a throwaway database is created on it and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert

from commands.api_tokens import create_token
from commands.context import Context, Policy
from core.cadence import period_containing
from core.kinds import Cadence
from localslack import LocalSlackServer, Workspace
from storage.db import make_engine, migrate, session_scope
from storage.models import Kpi, Measurement, Team

if __package__ in (None, ""):  # run as a script: the throwaway databases are bench.throwaway
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.throwaway import database

CLIENTS = 50
HISTORY_WEEKS = 12
KPIBOT = Path(sys.executable).with_name("kpibot")


def seed(engine: Engine, kpis: int) -> None:
    """100 KPIs a team, 5 a owner, a quarter of weekly or monthly values each."""
    now = datetime.now(UTC)
    rng = random.Random(7)
    with engine.begin() as connection:
        connection.execute(
            insert(Team),
            [{"key": f"team{t}", "name": f"Team {t}", "channel_id": f"C{t:08d}", "timezone": "UTC",
              "lead_user_id": f"U{t:08d}L", "created_at": now, "updated_at": now}
             for t in range(max(1, kpis // 100))],
        )  # fmt: skip
        rows = [
            {"key": f"kpi{i}", "name": f"KPI number {i}", "unit": "USD", "direction": "up",
             "target": 1000.0, "baseline": 100.0,
             "cadence": (Cadence.WEEKLY if i % 3 else Cadence.MONTHLY).value, "indicator": "lagging",
             "owner_user_id": f"U{i // 5:08d}", "team_id": i // 100 + 1, "active": True,
             "created_at": now - timedelta(days=200), "updated_at": now}
            for i in range(kpis)
        ]  # fmt: skip
        connection.execute(insert(Kpi), rows)
        values: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            cadence = Cadence(str(row["cadence"]))
            keys: set[str] = set()
            for weeks_ago in range(1, HISTORY_WEEKS + 1):
                period = period_containing(cadence, now.date() - timedelta(weeks=weeks_ago))
                if period.key in keys:
                    continue
                keys.add(period.key)
                values.append({
                    "kpi_id": i + 1, "period_key": period.key, "period_start": period.start,
                    "value": 100 + rng.random() * 900, "source": "bench",
                    "logged_by": row["owner_user_id"], "logged_at": now, "version": 1,
                })  # fmt: skip
            if len(values) > 20_000:
                connection.execute(insert(Measurement), values)
                values = []
        if values:
            connection.execute(insert(Measurement), values)


def issue_token(engine: Engine) -> str:
    with session_scope(engine) as session:
        ctx = Context(session=session, actor="bench", now=datetime.now(UTC), policy=Policy())
        return create_token(ctx, "bench", teams=[], kpis=[], read_only=False).token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kpibot serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", trust_env=False, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("kpibot serve did not come up within 60 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the load process --------------------------------------------------------------------------


async def _client(
    http: httpx.AsyncClient, token: str, kpis: int, requests: int, interval: float, seed: int
) -> tuple[list[tuple[float, float]], Counter[int]]:
    rng = random.Random(seed)
    latencies: list[tuple[float, float]] = []  # (seen by the client, inside kpibot), seconds
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(rng.random() * interval)  # clients do not all start at once
    for _ in range(requests):
        started = time.perf_counter()
        body: dict[str, Any] = {"kpi": f"kpi{rng.randrange(kpis)}", "value": rng.randint(100, 999)}
        if rng.random() < 0.3:
            body["value"] = f"${rng.randint(1, 999)}k"
        try:
            response = await http.post("/api/v1/values", json=body, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # uvicorn closes keep-alive connections idle for 5 s; a request racing that close
            # is sent again on a new connection (and counted, as status 0).
            statuses[0] += 1
            started = time.perf_counter()
            response = await http.post("/api/v1/values", json=body, headers=headers)
        inside = float(response.headers["Server-Timing"].split("dur=")[1]) / 1000
        latencies.append((time.perf_counter() - started, inside))
        statuses[response.status_code] += 1
        if interval:
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
    return latencies, statuses


async def _load(
    base: str, token: str, kpis: int, requests: int, interval: float, run: int, clients: int
) -> tuple[list[tuple[float, float]], Counter[int], float]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, trust_env=False) as http:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                _client(http, token, kpis, requests, interval, run * 1000 + seed)
                for seed in range(clients)
            )
        )
        elapsed = time.perf_counter() - started
    latencies = [x for lat, _ in results for x in lat]
    statuses: Counter[int] = Counter()
    for _, s in results:
        statuses.update(s)
    return latencies, statuses, elapsed


def load_process(
    base: str,
    token: str,
    kpis: int,
    requests: int,
    interval: float,
    run: int,
    clients: int,
    out: Any,
) -> None:
    try:
        out.send(asyncio.run(_load(base, token, kpis, requests, interval, run, clients)))
    except BaseException as exc:  # the parent must not wait forever for a result
        out.send(exc)
        raise


def run_load(
    base: str,
    token: str,
    kpis: int,
    requests: int,
    interval: float,
    run: int,
    clients: int = CLIENTS,
) -> tuple[list[tuple[float, float]], Counter[int], float]:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(
        target=load_process, args=(base, token, kpis, requests, interval, run, clients, send)
    )
    process.start()
    result = receive.recv()
    process.join()
    if isinstance(result, BaseException):
        raise SystemExit(f"the load process failed: {result!r}")
    return result  # type: ignore[no-any-return]


def report(
    label: str, measured: list[tuple[float, float]], statuses: Counter[int], elapsed: float
) -> None:
    latencies = [client for client, _ in measured]
    inside = [server for _, server in measured]
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    print(
        f"{label:7} {len(latencies)} requests in {elapsed:5.1f} s ({len(latencies) / elapsed:6.1f}/s)"
        f"  p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  p99 {percentile(latencies, 0.99) * 1000:6.1f} ms"
        f"  max {max(latencies) * 1000:6.1f} ms  [{codes}]"
    )
    print(
        f"{'':7} inside kpibot (Server-Timing)  p50 {percentile(inside, 0.5) * 1000:6.1f} ms"
        f"  p99 {percentile(inside, 0.99) * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kpis", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per client and run")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="paced run: seconds between a client's requests"
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--sources", type=int, default=1000, help="SQL sources pulled by the job")
    parser.add_argument("--no-sources", action="store_true", help="skip the pull timing")
    args = parser.parse_args()

    with database(args.database_url) as url:
        engine = make_engine(url)
        migrate(engine)
        started = time.perf_counter()
        seed(engine, args.kpis)
        token = issue_token(engine)
        engine.dispose()
        kind = url.split(":")[0].split("+")[0]
        print(
            f"seeded {args.kpis} KPIs with {HISTORY_WEEKS} weeks of values in {time.perf_counter() - started:.1f} s ({kind})"
        )

        workspace = Workspace()
        slack = LocalSlackServer(workspace).start()
        port = free_port()
        env = {
            **os.environ, "DATABASE_URL": url, "PORT": str(port), "KPIBOT_HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": workspace.bot_token, "SLACK_SIGNING_SECRET": "bench-secret",
            "SLACK_API_URL": slack.api_url, "KPIBOT_LOG_LEVEL": "WARNING",
            "KPIBOT_API_RATE_LIMIT": "1000000",
        }  # fmt: skip
        server = subprocess.Popen([str(KPIBOT), "serve", "--no-scheduler"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server)
            run_load(base, token, args.kpis, 4, 0.0, 0)  # warm up connections and caches
            print(
                f"POST /api/v1/values, 1 then {CLIENTS} concurrent clients, kpibot and the clients in separate processes"
            )
            report("single", *run_load(base, token, args.kpis, 100, 0.0, 3, clients=1))
            report("closed", *run_load(base, token, args.kpis, args.requests, 0.0, 1))
            report(
                "paced",
                *run_load(base, token, args.kpis, max(10, args.requests // 2), args.interval, 2),
            )
            print(
                f"(paced: each client sends one request every {args.interval:g} s; goal p99 < 50 ms)"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            slack.stop()
    if not args.no_sources:
        from bench.bench_sources import POSTGRES, bench_pulls

        print(bench_pulls(args.database_url or POSTGRES, args.sources, 8, args.database_url))


if __name__ == "__main__":
    main()
