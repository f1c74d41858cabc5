"""Warm render times of one KPI chart and a 7-KPI team chart (12 points each).

.venv/bin/python bench/bench_charts.py [REPETITIONS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from charts import Chart, KpiSeries, Point, kpi_chart, team_chart
from core.kinds import Direction, Status


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


if __name__ == "__main__":
    main()
