"""How fast kpibot acknowledges slash commands under a burst, with a big database behind it.

Seeds 10 000 KPIs (2 000 owners, 100 teams) with a year of values, serves the real app over
HTTP against the local Slack stand-in, and fires rounds of 20 concurrent `/kpi` commands
(a mix of mine, show, log and list). Prints the acknowledgement latency (what Slack's
3-second rule is about) and the time until the reply arrives, as p50 and p99.

    .venv/bin/python bench/bench_ack.py [--kpis 10000] [--rounds 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from bot.app import build_app
from bot.http import build_http_app
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.slack_client import make_client
from core.cadence import period_containing
from core.kinds import Cadence
from localslack import LocalSlackServer, ServerThread, SlackDriver, Workspace
from storage.db import make_engine, migrate
from storage.models import Kpi, Measurement, Team

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
SECRET = "bench-secret"
CONCURRENCY = 20


def seed(engine: Engine, kpis: int) -> list[tuple[str, str]]:
    """Teams, KPIs and a year of values; returns (owner, kpi key) pairs."""
    rng = random.Random(7)
    teams = max(1, kpis // 100)
    owners = max(1, kpis // 5)
    with engine.begin() as connection:
        connection.execute(
            insert(Team),
            [{"key": f"team{t}", "name": f"Team {t}", "channel_id": f"C{t:08d}", "timezone": "UTC",
              "lead_user_id": f"U{t:08d}L", "created_at": NOW, "updated_at": NOW} for t in range(teams)],
        )  # fmt: skip
        rows = []
        for i in range(kpis):
            cadence = Cadence.WEEKLY if i % 3 else Cadence.MONTHLY
            rows.append({
                "key": f"kpi{i}", "name": f"KPI number {i}", "unit": "USD", "direction": "up",
                "target": 1000.0, "baseline": 100.0, "cadence": cadence.value, "indicator": "lagging",
                "owner_user_id": f"U{i % owners:08d}", "team_id": i // 100 + 1, "active": True,
                "created_at": NOW - timedelta(days=400), "updated_at": NOW,
            })  # fmt: skip
        connection.execute(insert(Kpi), rows)
        batch: list[dict[str, object]] = []
        for i, row in enumerate(rows):
            cadence = Cadence(str(row["cadence"]))
            day = NOW.date() - timedelta(days=365)
            seen: set[str] = set()
            while day < NOW.date():
                period = period_containing(cadence, day)
                if period.key not in seen:
                    seen.add(period.key)
                    batch.append({
                        "kpi_id": i + 1, "period_key": period.key, "period_start": period.start,
                        "value": 100 + rng.random() * 900, "source": "bench", "logged_by": row["owner_user_id"],
                        "logged_at": NOW, "version": 1,
                    })  # fmt: skip
                day += timedelta(days=7 if cadence is Cadence.WEEKLY else 28)
            if len(batch) > 20_000:
                connection.execute(insert(Measurement), batch)
                batch = []
        if batch:
            connection.execute(insert(Measurement), batch)
    return [(str(r["owner_user_id"]), str(r["key"])) for r in rows]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kpis", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="kpibot-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    pairs = seed(engine, args.kpis)
    print(
        f"seeded {args.kpis} KPIs with a year of values in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )

    workspace = Workspace()
    slack = LocalSlackServer(workspace).start()
    os.environ.update({
        "SLACK_BOT_TOKEN": workspace.bot_token, "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url, "DATABASE_URL": url, "KPIBOT_LOG_LEVEL": "WARNING",
    })  # fmt: skip
    settings = load_settings(env_file=None)
    runtime = Runtime(
        settings=settings, engine=engine, client=make_client(settings), clock=lambda: NOW
    )
    app = build_app(runtime)
    server = ServerThread(build_http_app(app, engine)).start()
    driver = SlackDriver(workspace, f"{server.url}/slack/events", SECRET)
    for owner in {o for o, _ in pairs[:2000]}:
        workspace.add_user(owner, owner.lower(), tz="UTC")

    rng = random.Random(1)

    def one(_: int) -> tuple[float, float]:
        owner, key = rng.choice(pairs[:2000])
        text = rng.choice(
            [
                f"show {key}",
                "mine",
                f"log {key} {rng.randint(100, 999)}",
                f"list team:team{rng.randint(0, 9)}",
            ]
        )
        before = len(workspace.ephemerals_for(owner))
        t0 = time.perf_counter()
        response = driver.command(owner, text, channel_id="C00000000")
        acked = time.perf_counter() - t0
        assert response.status_code == 200, response.text
        workspace.wait_for(lambda: len(workspace.ephemerals_for(owner)) > before, timeout=60)
        return acked, time.perf_counter() - t0

    workspace.add_channel("C00000000", "bench", members=[o for o, _ in pairs[:2000]])
    acks: list[float] = []
    replies: list[float] = []
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, range(CONCURRENCY)))  # warm up
        for _ in range(args.rounds):
            for acked, replied in pool.map(one, range(CONCURRENCY)):
                acks.append(acked)
                replies.append(replied)
    print(f"{len(acks)} commands in rounds of {CONCURRENCY} concurrent requests")
    print(
        f"ack latency    p50 {percentile(acks, 0.5) * 1000:7.1f} ms   p99 {percentile(acks, 0.99) * 1000:7.1f} ms   (Slack's limit: 3000 ms)"
    )
    print(
        f"reply latency  p50 {percentile(replies, 0.5) * 1000:7.1f} ms   p99 {percentile(replies, 0.99) * 1000:7.1f} ms"
    )
    print(f"median ack is {statistics.median(acks) / 3.0 * 100:.1f}% of Slack's 3 s budget")
    driver.close()
    server.stop()
    slack.stop()


if __name__ == "__main__":
    main()
