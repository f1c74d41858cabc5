"""The small vocabularies the whole domain speaks: cadences, directions, indicators, statuses."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Cadence(StrEnum):
    """How often a KPI's value is reported; each cadence cuts time into reporting periods."""

    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Direction(StrEnum):
    """Which way is good for a KPI."""

    UP = "up"  # higher is better
    DOWN = "down"  # lower is better
    BAND = "band"  # stay within [band_low, band_high]


class Indicator(StrEnum):
    """Leading indicators predict an outcome; lagging ones report it."""

    LEADING = "leading"
    LAGGING = "lagging"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.NO_DATA: "no data",
}


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"
    UNKNOWN = "unknown"  # fewer than two values


E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], text: str, aliases: dict[str, E] | None = None) -> E:
    """Read an enum member from user text, case-insensitively, with friendly aliases.

    Raises ValueError with a message that lists what is accepted.
    """
    cleaned = text.strip().lower().replace("-", "_").replace(" ", "_")
    if aliases and cleaned in aliases:
        return aliases[cleaned]
    for member in kind:
        if cleaned in (member.value, member.name.lower()):
            return member
    accepted = ", ".join(m.value for m in kind)
    raise ValueError(f"'{text}' is not one of: {accepted}")


DIRECTION_ALIASES = {
    "higher": Direction.UP,
    "higher_is_better": Direction.UP,
    "increase": Direction.UP,
    "lower": Direction.DOWN,
    "lower_is_better": Direction.DOWN,
    "decrease": Direction.DOWN,
    "within": Direction.BAND,
    "range": Direction.BAND,
    "stay_within": Direction.BAND,
}
