"""kpibot charts: PNG line charts of KPIs for Slack, drawn with matplotlib's object API.

Build :class:`KpiSeries` values from plain data, then call :func:`kpi_chart` for one KPI or
:func:`team_chart` for a grid of them. Each returns a :class:`Chart` holding PNG bytes and alt
text for Slack's image block. The figures are built with ``matplotlib.figure.Figure`` directly
(never pyplot) and rendered on the Agg canvas, so this is safe in a server and in threads.
"""

from charts.alt_text import kpi_alt_text, team_alt_text
from charts.figures import kpi_figure
from charts.rendering import Chart, kpi_chart, render, team_chart
from charts.series import KpiSeries, Point
from charts.team import team_figure

__all__ = [
    "Chart",
    "KpiSeries",
    "Point",
    "kpi_alt_text",
    "kpi_chart",
    "kpi_figure",
    "render",
    "team_alt_text",
    "team_chart",
    "team_figure",
]
