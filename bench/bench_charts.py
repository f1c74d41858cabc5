"""Warm render times of one KPI chart and a 7-KPI team chart (12 points each), and of a 7-KPI
team's 13-week scorecard (goal: under 300 ms), both from plain data and read from a database
as `/kpi scorecard` does it.

.venv/bin/python bench/bench_charts.py [REPETITIONS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from charts import Chart, KpiSeries, Point, kpi_chart, team_chart
from commands.scorecard import scorecard_kpis, team_scorecard
from core.cadence import period_containing
from core.kinds import Cadence, Direction, Status
from core.scorecard import Scorecard, build_scorecard, render_phone, render_wide
from storage import repo
from storage.db import make_engine, migrate, session_scope
from storage.models import Kpi, Team


def series(i: int) -> KpiSeries:
    values = [1000 * (i + 1) + 37 * k + (k % 3) * 50 for k in range(12)]
    target = values[-1] * 1.2
    return KpiSeries(
        name=f"KPI number {i + 1}",
        unit=["USD", "%", "deals", None][i % 4],
        direction=Direction.UP,
        points=[Point(f"W{36 + k}", v) for k, v in enumerate(values)],
        target=target,
        pace=[values[0] + (target - values[0]) * k / 11 for k in range(12)],
        status=list(Status)[i % 4],
    )


def measure(render: Callable[[], Chart], repetitions: int) -> tuple[float, float, Chart]:
    for _ in range(3):  # warm up fonts and caches
        render()
    wall: list[float] = []
    chart = render()
    for _ in range(repetitions):
        started = time.perf_counter()
        chart = render()
        wall.append(time.perf_counter() - started)
    return statistics.median(wall) * 1000, min(wall) * 1000, chart


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    team = [series(i) for i in range(7)]
    for name, render in (
        ("kpi_chart", lambda: kpi_chart(team[0])),
        ("team_chart(7)", lambda: team_chart(team, "Sales")),
    ):
        median, best, chart = measure(render, repetitions)
        print(
            f"{name:14s} median {median:6.1f} ms  min {best:6.1f} ms  "
            f"{chart.width_px}x{chart.height_px} px  {len(chart.png) / 1024:.0f} KiB"
        )
    bench_scorecard(repetitions)


SCORECARD_GOAL_MS = 300.0


def scorecard_database() -> tuple[Engine, Team, date]:
    """An SQLite database with one team of 7 weekly KPIs and 13 weeks of values each."""
    engine = make_engine("sqlite://")
    migrate(engine)
    today = date(2026, 11, 26)
    now = datetime(2026, 11, 26, 15, tzinfo=UTC)
    with session_scope(engine) as session:
        team = Team(key="sales", name="Sales", created_at=now, updated_at=now)
        session.add(team)
        session.flush()
        for i in range(7):
            kpi = Kpi(
                key=f"kpi-{i}", name=f"KPI number {i + 1}", owner_user_id="U0OWNER01",
                team_id=team.id, unit=["USD", "%", "deals", None][i % 4], target=1000.0 * (i + 2),
                created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(kpi)
            session.flush()
            period = period_containing(Cadence.WEEKLY, today)
            for k in range(13):
                repo.log_value(
                    session, kpi, period_key=period.key, period_start=period.start,
                    value=1000.0 * (i + 1) + 37 * k, note=None, source="bench", by="U0OWNER01",
                    now=now,
                )  # fmt: skip
                period = period.previous()
    with session_scope(engine) as session:
        found = session.get(Team, team.id)
        assert found is not None
        session.expunge(found)
    return engine, found, today


def measure_text(render: Callable[[], str], repetitions: int) -> tuple[float, float, str]:
    for _ in range(3):
        render()
    wall: list[float] = []
    text = render()
    for _ in range(repetitions):
        started = time.perf_counter()
        text = render()
        wall.append(time.perf_counter() - started)
    return statistics.median(wall) * 1000, min(wall) * 1000, text


def bench_scorecard(repetitions: int) -> None:
    engine, team, today = scorecard_database()

    def from_database(render: Callable[[Scorecard], str]) -> Callable[[], str]:
        def run() -> str:
            with session_scope(engine) as session:
                return render(team_scorecard(session, team, today=today))

        return run

    with session_scope(engine) as session:
        kpis = repo.list_kpis(session, repo.KpiFilter(team_id=team.id))
        data = scorecard_kpis(session, kpis, today, None)
    for name, render in (
        ("scorecard phone", lambda: render_phone(build_scorecard(data, today=today))),
        ("scorecard wide", lambda: render_wide(build_scorecard(data, today=today))),
        ("scorecard+db", from_database(render_phone)),
    ):
        median, best, text = measure_text(render, repetitions)
        verdict = (
            "ok" if median < SCORECARD_GOAL_MS else f"OVER the {SCORECARD_GOAL_MS:.0f} ms goal"
        )
        print(
            f"{name:16s} median {median:6.1f} ms  min {best:6.1f} ms  "
            f"{len(text.splitlines())} lines  ({verdict})"
        )


if __name__ == "__main__":
    main()
