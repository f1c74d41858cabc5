"""PNG bytes from a figure via the Agg canvas, plus the convenience calls that do it all."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from charts import theme
from charts.alt_text import ALT_TEXT_LIMIT, kpi_alt_text, team_alt_text
from charts.figures import kpi_figure
from charts.series import KpiSeries
from charts.team import team_figure
from charts.text import clip

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COMPRESS_LEVEL = 3  # zlib: level 6 takes about twice as long to encode for a file ~5% smaller


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes, alt text for Slack, and the image's size in pixels."""

    png: bytes = field(repr=False)
    alt_text: str
    width_px: int
    height_px: int


def render(fig: Figure, alt_text: str) -> Chart:
    """Draw ``fig`` on the Agg canvas at its own dpi and return the PNG with its alt text.

    The figures of this package are 800x450 px for one KPI (200 dpi); the size is read back
    from the PNG's header, so it is always the true one.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi="figure",
        facecolor=fig.get_facecolor(),
        metadata={"Software": None},
        pil_kwargs={"compress_level": _COMPRESS_LEVEL},
    )
    png = buffer.getvalue()
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise RuntimeError("matplotlib did not produce a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return Chart(png=png, alt_text=clip(alt_text, ALT_TEXT_LIMIT), width_px=width, height_px=height)


def kpi_chart(series: KpiSeries) -> Chart:
    """One KPI's chart (:func:`charts.figures.kpi_figure`) with its alt text, as a PNG."""
    return render(kpi_figure(series), kpi_alt_text(series))


def team_chart(
    series: Sequence[KpiSeries], title: str, *, max_columns: int = theme.TEAM_MAX_COLUMNS
) -> Chart:
    """A grid of a team's KPIs (:func:`charts.team.team_figure`) with alt text, as a PNG."""
    figure = team_figure(series, title, max_columns=max_columns)
    return render(figure, team_alt_text(series, title))
