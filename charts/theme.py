"""Every colour, font size and dimension the charts use, in one place.

Sizes are in inches and points at :data:`DPI`, chosen so that a single KPI chart is 800x450 px:
Slack shows it about 400 px wide, which is 2x on a retina screen, and the smallest text (9 pt on
a 4 inch figure) still reads at ~12 px there. Dimensions are multiples of 1/8 inch so that
inches x DPI is an exact whole number of pixels.

Status colours are the colours of the status emoji the text uses (:large_green_circle: on
track, :large_yellow_circle: at risk, :red_circle: off track), so a chart and the message beside
it never disagree. The green is Okabe-Ito's bluish green and the red a clear red: with the
common colour vision deficiencies they still differ in lightness and in blue, and the status is
always written next to its colour too. Fills and markers use the bright colour; text uses a
darker shade of the same hue that keeps a contrast of at least 4.5:1 on white.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from core.kinds import Status

FONT_FAMILY: Final = "DejaVu Sans"  # ships inside matplotlib, so it exists on a fresh machine
DPI: Final = 200

# --- colours ---------------------------------------------------------------------------------

STATUS_COLOURS: Final[Mapping[Status, str]] = MappingProxyType(
    {
        Status.ON_TRACK: "#009E73",  # green
        Status.AT_RISK: "#E69F00",  # amber
        Status.OFF_TRACK: "#D62D20",  # red
        Status.NO_DATA: "#999999",  # grey
    }
)
STATUS_TEXT_COLOURS: Final[Mapping[Status, str]] = MappingProxyType(
    {
        Status.ON_TRACK: "#007A5A",  # 5.3:1 on white
        Status.AT_RISK: "#8F6100",  # 5.4:1
        Status.OFF_TRACK: "#B3261E",  # 6.5:1
        Status.NO_DATA: "#6B6B6B",
    }
)
BACKGROUND: Final = "#FFFFFF"
INK: Final = "#222222"  # titles, target line and its label
MUTED: Final = "#595959"  # tick labels, secondary text
VALUE_LINE: Final = "#4D4D4D"  # neutral, so the status colour of the latest point stands out
PACE_LINE: Final = "#8C8C8C"
BAND_FILL: Final = "#56B4E9"  # sky blue, drawn translucent
BAND_ALPHA: Final = 0.18
GRID: Final = "#E5E5E5"
SPINE: Final = "#BFBFBF"

# --- fonts (points) --------------------------------------------------------------------------

TITLE_SIZE: Final = 11.0  # single KPI chart title
FIGURE_TITLE_SIZE: Final = 12.0  # team chart title
PANEL_TITLE_SIZE: Final = 10.0  # KPI name above each panel
PANEL_VALUE_SIZE: Final = 9.5  # "$1.2M · at risk" under the name
TICK_SIZE: Final = 9.0
LABEL_SIZE: Final = 9.0  # "target $4M", latest value, notes
MIN_FONT_SIZE: Final = 9.0  # nothing is drawn smaller than this

# --- lines and markers (points) --------------------------------------------------------------

VALUE_WIDTH: Final = 1.6
MARKER_SIZE: Final = 3.5
LAST_MARKER_SIZE: Final = 7.0
MISSING_MARKER_SIZE: Final = 4.0
TARGET_WIDTH: Final = 1.0
PACE_WIDTH: Final = 1.2
PACE_DASHES: Final = (3.0, 2.0)
GRID_WIDTH: Final = 0.6
# How the pace line and the hollow markers of periods without a value are drawn, in the plot
# and in the legend that explains them.
PACE_STYLE: Final[Mapping[str, Any]] = MappingProxyType(
    {"color": PACE_LINE, "linewidth": PACE_WIDTH, "linestyle": "--", "dashes": PACE_DASHES}
)
# The projection continues the value line, dotted (pace is dashed), so the two never read alike.
PROJECTION_STYLE: Final[Mapping[str, Any]] = MappingProxyType(
    {"color": VALUE_LINE, "linewidth": 1.6, "linestyle": ":", "dash_capstyle": "round"}
)
MISSING_STYLE: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "linestyle": "none",
        "marker": "o",
        "markersize": MISSING_MARKER_SIZE,
        "markerfacecolor": BACKGROUND,
        "markeredgecolor": PACE_LINE,
        "markeredgewidth": 1.0,
    }
)

# --- spacing ---------------------------------------------------------------------------------

TICK_PAD: Final = 4.0  # points between tick labels (and right-margin labels) and the axes
X_TICK_LENGTH: Final = 2.5  # points; the y axis has gridlines instead of tick marks
X_TICK_WIDTH: Final = 0.8
X_LABEL_GAP: Final = 0.125  # inches at least between neighbouring x tick labels
LAST_LABEL_PAD: Final = 0.0625  # inches right of the latest x tick label
LABEL_LINE_HEIGHT: Final = 1.25  # right-margin labels are at least this many font sizes apart
TITLE_LINE_HEIGHT: Final = 1.2  # a wrapped title's lines are this many font sizes apart
TITLE_SHRINK_STEP: Final = 0.5  # points: a title too wide shrinks by steps to MIN_FONT_SIZE
LEGEND_HEIGHT: Final = 0.25  # inches: the legend line under a chart with pace or missing values

# --- single KPI figure (inches) --------------------------------------------------------------

KPI_SIZE: Final = (4.0, 2.25)  # 800 x 450 px at DPI
KPI_MARGIN: Final = 0.125  # between the figure edge and any text
KPI_TITLE_HEIGHT: Final = 0.375
KPI_XTICKS_HEIGHT: Final = 0.3
KPI_MAX_XTICKS: Final = 6
KPI_MAX_YTICKS: Final = 4

# --- team figure (inches) --------------------------------------------------------------------

TEAM_MAX_PANELS: Final = 12  # more KPIs than this are left out (and the chart says so)
TEAM_MAX_COLUMNS: Final = 3
TEAM_WIDTH: Final[Mapping[int, float]] = MappingProxyType({1: 4.0, 2: 5.0, 3: 6.0})  # by columns
# Digests: at most two columns. Slack shows an image about 360 px wide on a phone; at two
# columns (1000 px) the smallest text (9 pt, 25 px) still reads at 9 px there, at three only 7.5.
DIGEST_MAX_COLUMNS: Final = 2
TEAM_HEADER_HEIGHT: Final = 0.5
TEAM_PANEL_HEIGHT: Final = 1.75
TEAM_BOTTOM_MARGIN: Final = 0.0
PANEL_BAR_WIDTH: Final = 0.05  # the status bar down the left edge of each panel
PANEL_INSET: Final = 0.0625  # between the cell edge and the bar
PANEL_TEXT_GAP: Final = 0.0625  # between the bar and the panel's text
PANEL_TOP_PAD: Final = 0.0625  # above the panel's name (and the top of its bar)
PANEL_VALUE_GAP: Final = 0.0625  # between the value line and the plot
PANEL_NAME_GAP: Final = 0.03125  # between the panel's name and its value line
TEAM_TITLE_GAP: Final = 0.25  # at least between the team chart's title and its status counts
PANEL_TITLE_HEIGHT: Final = 0.5  # name and value lines above the plot
PANEL_XTICKS_HEIGHT: Final = 0.3
PANEL_RIGHT_PAD: Final = 0.125
PANEL_MAX_XTICKS: Final = 3
PANEL_MAX_YTICKS: Final = 3

# --- text ------------------------------------------------------------------------------------

MAX_NAME_CHARS: Final = 80  # names are cut to this before being fitted to the space available
MAX_TICK_LABEL_CHARS: Final = 8
ELLIPSIS: Final = "…"
