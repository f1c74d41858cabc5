"""Alt text: what a chart shows, in words, for screen readers and for Slack's image block."""

from __future__ import annotations

from collections.abc import Sequence

from charts import theme
from charts.series import KpiSeries
from charts.text import clip, displayable, value_text
from core.kinds import Direction, Status

ALT_TEXT_LIMIT = 1000  # Slack allows 2000 characters; stay well within
_NAME_CHARS = 100
_LISTED_MISSING = 5
_DIRECTION_WORDS = {
    Direction.UP: "higher is better",
    Direction.DOWN: "lower is better",
    Direction.BAND: "best within its range",
}


def _name(series: KpiSeries, max_chars: int = _NAME_CHARS) -> str:
    return clip(" ".join(series.name.split()), max_chars) or "KPI"


def _label(series: KpiSeries, index: int) -> str:
    return clip(" ".join(series.points[index].label.split()), 20) or f"period {index + 1}"


def _listing(items: Sequence[str], limit: int) -> str:
    """``a, b and c``; past ``limit`` items, ``a, b, c and 4 more``."""
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _distinct(first: float, second: float, unit: str | None) -> tuple[str, str]:
    """Two values, compact unless that would make different values read the same."""
    compact = value_text(first, unit), value_text(second, unit)
    if first != second and compact[0] == compact[1]:
        return value_text(first, unit, compact=False), value_text(second, unit, compact=False)
    return compact


def _goal(series: KpiSeries) -> list[str]:
    """``target $4M``, ``target range 95% to 99%``, ``pace $3.1M``, as they apply."""
    unit = series.unit
    parts = []
    target = series.finite_target()
    if target is not None:
        parts.append(f"target {value_text(target, unit)}")
    band = series.finite_band()
    if band is not None:
        parts.append(f"target range {value_text(band[0], unit)} to {value_text(band[1], unit)}")
    latest = series.latest()
    pace = dict(series.pace_points())
    if latest is not None and latest[0] in pace:
        parts.append(f"pace {value_text(pace[latest[0]], unit)} for {_label(series, latest[0])}")
    return parts


def kpi_alt_text(series: KpiSeries) -> str:
    """E.g. "Qualified pipeline over 8 periods (W40 to W47), higher is better: from $900k to
    $1.2M, target $4M; latest $1.2M is at risk." Gaps in the data are named.
    """
    name, unit, size = _name(series), series.unit, len(series.points)
    direction = _DIRECTION_WORDS[series.direction]
    if size == 0:
        goal = ", ".join(_goal(series))
        return clip(
            f"{name} ({direction}): no data yet{'; ' + goal if goal else ''}.", ALT_TEXT_LIMIT
        )

    span = (
        f"for {_label(series, 0)}"
        if size == 1
        else f"over {size} periods ({_label(series, 0)} to {_label(series, size - 1)})"
    )
    known = series.known()
    latest_shown = value_text(known[-1][1], unit) if known else ""
    if not known:
        body = "no values reported yet"
    elif len(known) == 1:
        body = f"one value, {latest_shown} for {_label(series, known[0][0])}"
    else:
        values = [value for _, value in known]
        first_shown, latest_shown = _distinct(values[0], values[-1], unit)
        body = f"from {first_shown} to {latest_shown}"
        low, high = min(values), max(values)
        if low < min(values[0], values[-1]) or high > max(values[0], values[-1]):
            body += ", ranging {} to {}".format(*_distinct(low, high, unit))
    text = f"{name} {span}, {direction}: {body}"
    goals = _goal(series)
    if goals:
        text += ", " + ", ".join(goals)

    if known:
        index = known[-1][0]
        when = f" ({_label(series, index)})" if index != size - 1 else ""
        verdict = "" if series.status is Status.NO_DATA else f" is {series.status.label}"
        text += f"; latest {latest_shown}{when}{verdict}."
    else:
        text += "."
    missing = series.missing()
    if known and missing:
        labels = [_label(series, index) for index in missing]
        text += f" No value for {_listing(labels, _LISTED_MISSING)}."
    projected = series.projected()
    if projected is not None:  # the dotted segment, said in words
        shown = value_text(projected.end, unit)
        text += f" Dotted: the trend projects {shown} by {displayable(projected.label)}."
    return clip(text, ALT_TEXT_LIMIT)


def _brief(series: KpiSeries, *, with_goal: bool, name_chars: int) -> str:
    """``Qualified pipeline $1.2M, at risk (target $4M)`` for the team chart's alt text."""
    latest = series.latest()
    shown = "no data" if latest is None else value_text(latest[1], series.unit)
    text = f"{_name(series, name_chars)} {shown}"
    if series.status is not Status.NO_DATA:
        text += f", {series.status.label}"
    target = series.finite_target()
    if with_goal and target is not None:
        text += f" (target {value_text(target, series.unit)})"
    return text


def team_alt_text(series: Sequence[KpiSeries], title: str) -> str:
    """E.g. "Sales KPIs: 3 KPIs, 1 on track, 1 at risk, 1 off track. Qualified pipeline $1.2M,
    at risk (target $4M); ..." Details are dropped, then KPIs, to stay within the limit.
    """
    heading = clip(" ".join(title.split()), _NAME_CHARS) or "KPIs"
    if not series:
        return f"{heading}: no KPIs yet."
    counts = [(status, sum(s.status is status for s in series)) for status in Status]
    summary = ", ".join(f"{count} {status.label}" for status, count in counts if count)
    noun = "KPI" if len(series) == 1 else "KPIs"
    shown = (
        f" (the first {theme.TEAM_MAX_PANELS} shown)" if len(series) > theme.TEAM_MAX_PANELS else ""
    )
    head = f"{heading}: {len(series)} {noun}{shown}, {summary}. "
    for with_goal, name_chars in ((True, _NAME_CHARS), (False, 40), (False, 24)):
        text = (
            head
            + "; ".join(_brief(s, with_goal=with_goal, name_chars=name_chars) for s in series)
            + "."
        )
        if len(text) <= ALT_TEXT_LIMIT:
            return text
    briefs: list[str] = []
    for index, one in enumerate(series):
        more = f"; and {len(series) - index} more."
        brief = _brief(one, with_goal=False, name_chars=24)
        if len(head) + len("; ".join([*briefs, brief])) + len(more) > ALT_TEXT_LIMIT:
            return clip(head + "; ".join(briefs) + more, ALT_TEXT_LIMIT)
        briefs.append(brief)
    return clip(head + "; ".join(briefs) + ".", ALT_TEXT_LIMIT)
