"""Time to pull 1,000 SQL sources through the sources job (goal: well under a minute).

The warehouse is a throwaway PostgreSQL database the bench fills (a `deals` table, a few rows
per KPI); kpibot's own database holds 1,000 weekly KPIs whose source sums their deals of the
last closed week. One job run plans, pulls (KPIBOT_PULL_WORKERS threads) and stores them all.

    .venv/bin/python bench/bench_sources.py [--sources 1000] [--workers 8] [--postgres URL]

Also run by bench/bench_api.py after the API latency runs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import func, insert, select, text

from bot.sources.job import PullConfig, SourcesJob
from commands.context import Policy
from core.kinds import Cadence
from localslack import LocalSlackServer, Workspace
from storage.db import make_engine, migrate
from storage.models import Kpi, Measurement

if __package__ in (None, ""):  # run as a script: the throwaway databases are bench.throwaway
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.throwaway import database

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
QUERY = (
    "select coalesce(sum(amount), 0) from deals where kpi = '{key}' "
    "and closed_at >= :period_start and closed_at < :period_end"
)


def fill_warehouse(url: str, sources: int) -> None:
    engine = make_engine(url)
    rng = random.Random(11)
    today = datetime.now(UTC).date()
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE deals (kpi TEXT, amount NUMERIC, closed_at DATE)"))
        rows = [
            {"k": f"src{i}", "a": rng.randint(1, 100_000), "d": today - timedelta(days=d)}
            for i in range(sources)
            for d in range(0, 21, 3)
        ]
        connection.execute(text("INSERT INTO deals VALUES (:k, :a, :d)"), rows)
        connection.execute(text("CREATE INDEX deals_kpi ON deals (kpi, closed_at)"))
    engine.dispose()


def seed_kpis(url: str, sources: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Kpi),
            [{"key": f"src{i}", "name": f"Pulled KPI {i}", "unit": "USD", "direction": "up",
              "target": 1000.0, "cadence": Cadence.WEEKLY.value, "indicator": "lagging",
              "owner_user_id": f"U{i // 5:08d}", "active": True, "confirm_pulls": False,
              "source_spec": json.dumps(
                  {"sql": {"url_env": "WAREHOUSE_URL", "query": QUERY.format(key=f"src{i}")}}),
              "created_at": now - timedelta(days=60), "updated_at": now}
             for i in range(sources)],
        )  # fmt: skip
    engine.dispose()


def bench_pulls(postgres: str, sources: int, workers: int, kpibot_server: str | None) -> str:
    """One sources job run over `sources` SQL sources; the line to print."""
    with database(postgres) as warehouse, database(kpibot_server) as kpibot_url:
        fill_warehouse(warehouse, sources)
        seed_kpis(kpibot_url, sources)
        workspace = Workspace()
        slack = LocalSlackServer(workspace).start()
        engine = make_engine(kpibot_url)
        try:
            client = WebClient(token=workspace.bot_token, base_url=slack.api_url)
            job = SourcesJob(
                engine,
                client,
                Policy(),
                config=PullConfig(workers=workers),
                env={"WAREHOUSE_URL": warehouse},
                worker="bench",
            )
            started = time.perf_counter()
            report = job.run(datetime.now(UTC))
            seconds = time.perf_counter() - started
            with engine.connect() as connection:
                stored = connection.execute(select(func.count()).select_from(Measurement)).scalar()
        finally:
            engine.dispose()
            slack.stop()
    kind = (kpibot_server or "sqlite").split(":")[0].split("+")[0]
    return (
        f"pulled {report.pulled} SQL sources (PostgreSQL warehouse, kpibot on {kind}) through "
        f"the sources job in {seconds:.1f} s with {workers} workers: {stored} values stored, "
        f"{report.retried} to retry (goal: well under a minute for 1,000)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--postgres", default=POSTGRES, help="the server for the warehouse")
    parser.add_argument(
        "--database-url", default=None, help="kpibot's database server (PostgreSQL)"
    )
    args = parser.parse_args()
    print(bench_pulls(args.postgres, args.sources, args.workers, args.database_url))


if __name__ == "__main__":
    main()
