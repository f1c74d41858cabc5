"""Text as the charts show it: only glyphs the font has, values in the KPI's unit, fitted widths."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.font_manager import FontProperties, findfont, get_font

from charts import theme
from core.number_format import with_unit
from core.values import format_value

_MAX_VALUE_CHARS = 12  # beyond this (absurd magnitudes) a value is shown in scientific notation
_SMALLEST_FORMATTED = 0.01  # format_value rounds to two decimals; smaller values get their own


@functools.cache
def _font_codepoints() -> frozenset[int]:
    """Characters both the regular and the bold face can draw (bold lacks a few)."""
    regular = get_font(_font_path(bold=False)).get_charmap()
    bold = get_font(_font_path(bold=True)).get_charmap()
    return frozenset(regular.keys() & bold.keys())


def displayable(text: str, *, fallback: str = "") -> str:
    """``text`` on one line with runs of whitespace collapsed and glyphs the font lacks dropped.

    Dropping (rather than drawing a box) keeps emoji and scripts DejaVu Sans does not cover from
    spoiling the chart or raising matplotlib's "Glyph missing" warning.
    """
    codepoints = _font_codepoints()
    kept = "".join(c if c.isspace() or ord(c) in codepoints else "" for c in text)
    cleaned = " ".join(kept.split())
    return cleaned or fallback


def text_style(size: float, colour: str, *, bold: bool = False) -> dict[str, Any]:
    """The keyword arguments every text of the charts is drawn with: the theme font at ``size``
    points in ``colour``, and never mathtext (``$1.2M`` must not start a formula)."""
    return {
        "color": colour,
        "fontsize": size,
        "fontweight": "bold" if bold else "normal",
        "fontfamily": theme.FONT_FAMILY,
        "parse_math": False,
    }


def plain(text: str) -> str:
    """Escape dollar signs when matplotlib would otherwise read ``$...$`` as mathtext."""
    return text.replace("$", r"\$") if text.count("$") >= 2 else text


def clip(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters, ending in an ellipsis if it was cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - 1)].rstrip() + theme.ELLIPSIS


def value_text(number: float, unit: str | None, *, compact: bool = True) -> str:
    """A value the way people read it (``$1.2M``, ``15%``, ``42 deals``), kept short."""
    shown = format_value(number, unit, compact=compact)
    if len(shown) > _MAX_VALUE_CHARS and math.isfinite(number) and abs(number) >= 1e12:
        shown = f"{number:.3g}"
    elif 0 < abs(number) < _SMALLEST_FORMATTED:  # format_value keeps two decimals: 0.004 -> 0
        template = format_value(1, unit)
        shown = template.replace("1", f"{number:.2g}", 1)
    return displayable(shown, fallback=f"{number:.3g}")


_AXIS_STEPS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
_AXIS_COMPACT_FROM = 10_000  # as core.number_format: below it numbers are written in full
_AXIS_FALLBACK_FROM = 1e12  # beyond this the axis falls back to value_text (scientific)
_MAX_AXIS_DECIMALS = 6


@dataclass(frozen=True)
class AxisFormat:
    """One way of writing every number of a chart's y axis, and the values labelled beside it:
    the same k/M/B scale for all, so "$12.5k" never sits beside "$9,000"."""

    unit: str | None
    scale: float = 1.0
    suffix: str = ""
    fallback: bool = False  # absurd magnitudes: value_text, compact

    def text(self, number: float, decimals: int | None = None) -> str:
        """``number`` on this scale; ``decimals`` fixed (ticks) or three significant digits."""
        if self.fallback or not math.isfinite(number):
            return value_text(number, self.unit)
        scaled = abs(number) / self.scale
        if scaled == 0:
            return with_unit("0", negative=False, unit=self.unit)  # "$0", not "$0k"
        if decimals is None:
            decimals = _three_significant_decimals(scaled)
        body = f"{scaled:,.{decimals}f}"
        if "." in body:
            body = body.rstrip("0").rstrip(".")
        shown = with_unit(body + self.suffix, negative=number < 0, unit=self.unit)
        return displayable(shown, fallback=f"{number:.3g}")


def _three_significant_decimals(scaled: float) -> int:
    if scaled == 0 or scaled >= 100:
        return 0
    return min(_MAX_AXIS_DECIMALS, 2 - math.floor(math.log10(scaled)))


def axis_format(numbers: Sequence[float], unit: str | None) -> AxisFormat:
    """The scale for an axis whose largest number (in magnitude) is among ``numbers``."""
    top = max((abs(n) for n in numbers if math.isfinite(n)), default=0.0)
    if top >= _AXIS_FALLBACK_FROM:
        return AxisFormat(unit, fallback=True)
    if top < _AXIS_COMPACT_FROM:
        return AxisFormat(unit)
    scale, suffix = next((s, x) for s, x in _AXIS_STEPS if top >= s)
    return AxisFormat(unit, scale, suffix)


def tick_labels(ticks: Sequence[float], unit: str | None) -> tuple[list[str], AxisFormat] | None:
    """Distinct labels for the ticks in the KPI's unit, all on one scale, and that scale.

    Each tick gets as few decimals as show it exactly (``$7.5k``, ``$10k``, ``$12.5k``); None if
    no labels on one scale can tell the ticks apart.
    """
    axis = axis_format(ticks, unit)
    if axis.fallback:
        labels = [value_text(tick, unit) for tick in ticks]
        return (labels, axis) if len(set(labels)) == len(labels) else None
    for candidate in (axis, AxisFormat(unit)):  # in full when $1M, $1M, $1M is all k/M can say
        for decimals in range(_MAX_AXIS_DECIMALS + 1):
            scaled = [t / candidate.scale for t in ticks]
            if all(abs(round(x, decimals) - x) <= 1e-9 * max(1.0, abs(x)) for x in scaled):
                labels = [candidate.text(tick, decimals) for tick in ticks]
                if len(set(labels)) == len(labels):
                    return labels, candidate
                break
    return None


_REFERENCE_SIZE = 100.0  # points; glyph advances are read once at this size and scaled
_FIXED_16_16 = 65536.0


@functools.cache
def _font_path(bold: bool) -> str:
    weight = "bold" if bold else "normal"
    return str(findfont(FontProperties(family=theme.FONT_FAMILY, weight=weight)))


@functools.cache
def _advance(char: str, bold: bool) -> float:
    """How far ``char`` moves the pen, in ems (multiples of the font size)."""
    font = get_font(_font_path(bold))
    font.set_size(_REFERENCE_SIZE, 72)  # at 72 dpi a pixel is a point
    glyph = font.load_char(ord(char))
    # the linear advance is the unhinted one, whatever hinting the glyph was loaded with
    return glyph.linearHoriAdvance / _FIXED_16_16 / _REFERENCE_SIZE


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in the theme font at ``size`` points, in inches.

    Summing cached glyph advances is a hundred times faster than laying the text out with the
    renderer and within a few percent of it (kerning is ignored), which is all layout needs.
    """
    return sum(_advance(char, bold) for char in text) * size / 72


def widest(texts: Sequence[str], size: float, *, bold: bool = False) -> float:
    """The width of the widest of ``texts``, in inches (0 for none)."""
    return max((text_width(text, size, bold=bold) for text in texts), default=0.0)


def fit(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``max_width`` inches."""
    if text_width(text, size, bold=bold) <= max_width:
        return text
    low, high = 0, len(text) - 1  # the longest prefix that fits is in [low, high] characters
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(clip(text, middle + 1), size, bold=bold) <= max_width:
            low = middle
        else:
            high = middle - 1
    return clip(text, low + 1) if low > 0 else theme.ELLIPSIS
