"""``/kpi alerts …`` and ``/kpi scorecard …``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.parsing.text import fail, shown, team_key
from commands.parsing.tokens import Scanner, Token
from core.scorecard import MAX_PERIODS
from core.values import ValueParseError, parse_value

ALERTS_USAGE = "/kpi alerts set pipeline below:1M above:5M"
OFF_WORDS = ("off", "none", "clear")


@dataclass(frozen=True)
class AlertsList:
    team: str | None = None


@dataclass(frozen=True)
class AlertsSet:
    kpi: str
    below: float | None
    above: float | None
    # which of the two the command names: an unnamed level is left as it is
    set_below: bool = False
    set_above: bool = False


@dataclass(frozen=True)
class AlertsChannel:
    on: bool
    team: str | None = None


@dataclass(frozen=True)
class ScorecardRequest:
    team: str | None = None
    periods: int | None = None  # None: the cadence's default (13 weeks, 12 months, 8 quarters)
    wide: bool = False


PERIOD_FIELDS = ("weeks", "periods", "months", "quarters", "days")


def parse_alerts(scanner: Scanner, today: date) -> AlertsList | AlertsSet | AlertsChannel:
    tokens = scanner.rest()
    if tokens and tokens[0].word == "set":
        return _parse_set(tokens[1:])
    if tokens and tokens[0].word == "channel":
        rest = tokens[1:]
        if not rest or rest[0].word not in ("on", "off") or len(rest) > 2:
            raise fail(
                "Say whether the team channel hears alerts: `/kpi alerts channel on sales` "
                "or `/kpi alerts channel off sales`.",
                "alerts",
            )
        team = team_key(rest[1].value or rest[1].source) if len(rest) == 2 else None
        return AlertsChannel(rest[0].word == "on", team)
    if len(tokens) > 1:
        raise fail(
            "`alerts` takes at most one team, like `/kpi alerts sales`; to change a KPI's alert "
            f"levels use `{ALERTS_USAGE}`.",
            "alerts",
        )
    return AlertsList(team_key(tokens[0].value or tokens[0].source) if tokens else None)


def _parse_set(tokens: list[Token]) -> AlertsSet:
    if not tokens or tokens[0].key is not None:
        raise fail(f"Name the KPI first: `{ALERTS_USAGE}`.", "alerts")
    kpi, rest = tokens[0].text, tokens[1:]
    if len(rest) == 1 and rest[0].word in OFF_WORDS:
        return AlertsSet(kpi, None, None, set_below=True, set_above=True)
    if not rest:
        raise fail(
            f"Give a level to alert at, like `{ALERTS_USAGE}`, or `off` to clear both.", "alerts"
        )
    levels: dict[str, float | None] = {}
    for token in rest:
        if token.key not in ("below", "above") or not token.value:
            raise fail(
                f"I don't understand `{shown(token.source)}`: alert levels are "
                f"`below:NUMBER` and `above:NUMBER` (or `below:off`). Example: `{ALERTS_USAGE}`.",
                "alerts",
            )
        levels[token.key] = _level(token)
    below, above = levels.get("below"), levels.get("above")
    if below is not None and above is not None and below > above:
        raise fail(
            f"below:{shown(str(below))} is above above:{shown(str(above))}, so every value "
            "would alert. Swap them.",
            "alerts",
        )
    return AlertsSet(kpi, below, above, "below" in levels, "above" in levels)


def _level(token: Token) -> float | None:
    if token.value.lower() in OFF_WORDS:
        return None
    try:
        return parse_value(token.value).number
    except ValueParseError as exc:
        raise fail(f"{token.key}:{shown(token.value)} is not a number ({exc}).", "alerts") from None


def parse_scorecard(scanner: Scanner, today: date) -> ScorecardRequest:
    team: str | None = None
    periods: int | None = None
    wide = False
    for token in scanner.rest():
        if token.key in PERIOD_FIELDS:
            if not token.value.isdigit() or not 1 <= int(token.value) <= MAX_PERIODS:
                raise fail(
                    f"{token.key}:{shown(token.value)} should be a whole number from 1 to "
                    f"{MAX_PERIODS}, like `/kpi scorecard sales weeks:13`.",
                    "scorecard",
                )
            periods = int(token.value)
        elif token.key is None and token.word in ("wide", "phone"):
            wide = token.word == "wide"
        elif token.key in (None, "team") and team is None:
            team = team_key(token.value or token.source)
        else:
            raise fail(
                f"I don't understand `{shown(token.source)}`. Example: "
                "`/kpi scorecard sales weeks:13 wide`.",
                "scorecard",
            )
    return ScorecardRequest(team, periods, wide)
