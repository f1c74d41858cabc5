"""The config-file fields of alerts and the scorecard (issue 12), kept in one place:

- per KPI, ``alert_below:`` and ``alert_above:`` (numbers in the KPI's unit, like ``target``);
- per team, ``alerts: {channel: true}`` (the team channel hears its KPIs' alerts too);
- per team, ``digest:`` may be a mapping ``{at: mon 09:00, scorecard: true}`` besides the plain
  day and time (``digest: mon 09:00``), to append the scorecard to the weekly digest.

Values keep one canonical form each way (parsed from the file, read from the database), so an
export imported again changes nothing: ``alerts`` is True or absent, ``digest`` is its text
unless the scorecard is on, then a :class:`DigestChoice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from core.digest_time import digest_time_of, parse_digest_time
from storage.models import Kpi, Team

from .errors import Bad, did_you_mean, shown
from .parsers import NULL, check_tag, parse_bool, parse_digest

ALERT_LEVELS = ("alert_below", "alert_above")
_DIGEST_KEYS = ("at", "scorecard")
_ALERTS_EXPECTED = "expected a mapping like {channel: true}"


@dataclass(frozen=True)
class DigestChoice:
    """A digest with the scorecard appended; ``at`` is its day and time (None: the default)."""

    at: str | None
    scorecard: bool = True

    def to_config(self) -> dict[str, Any]:
        return {"at": self.at, "scorecard": True} if self.at else {"scorecard": True}


def _mapping(node: Node, expected: str, keys: tuple[str, ...]) -> dict[str, Node] | None:
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return None
    check_tag(node)
    if not isinstance(node, MappingNode):
        raise Bad(expected)
    found: dict[str, Node] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value) if isinstance(key_node, ScalarNode) else ""
        if name not in keys:
            raise Bad(f"unknown key '{shown(name)}'{did_you_mean(name, keys)}; {expected}")
        found[name] = value_node
    return found


def parse_team_alerts(node: Node) -> bool | None:
    found = _mapping(node, _ALERTS_EXPECTED, ("channel",))
    if found is None or "channel" not in found:
        return None
    return True if parse_bool(found["channel"]) else None


def parse_digest_field(node: Node) -> str | DigestChoice | None:
    """``mon 09:00`` as before, or ``{at: mon 09:00, scorecard: true}``."""
    if not isinstance(node, MappingNode):
        text: str | None = parse_digest(node)
        return text
    expected = "expected a day and time like 'mon 09:00', or {at: mon 09:00, scorecard: true}"
    found = _mapping(node, expected, _DIGEST_KEYS) or {}
    at = parse_digest(found["at"]) if "at" in found else None
    scorecard = parse_bool(found["scorecard"]) if "scorecard" in found else None
    return DigestChoice(at) if scorecard else at


def team_alert_fields(team: Team) -> dict[str, Any]:
    """The team's alert and digest fields as a config file writes them."""
    text = (
        digest_time_of(team.digest_weekday, team.digest_time).text
        if team.digest_weekday is not None or team.digest_time is not None
        else None
    )
    return {
        "digest": DigestChoice(text) if team.digest_scorecard else text,
        "alerts": True if team.alerts_channel else None,
    }


def set_team_alerts(team: Team, desired: dict[str, Any] | Any) -> None:
    digest = desired.get("digest")
    at = digest.at if isinstance(digest, DigestChoice) else digest
    chosen = parse_digest_time(at) if at else None
    team.digest_weekday = chosen.weekday if chosen else None
    team.digest_time = chosen.at if chosen else None
    team.digest_scorecard = isinstance(digest, DigestChoice)
    team.alerts_channel = bool(desired.get("alerts"))


def kpi_alert_fields(kpi: Kpi) -> dict[str, Any]:
    return {"alert_below": kpi.alert_below, "alert_above": kpi.alert_above}


def set_kpi_alerts(kpi: Kpi, desired: dict[str, Any] | Any) -> None:
    kpi.alert_below = desired.get("alert_below")
    kpi.alert_above = desired.get("alert_above")


def levels_problem(fields: dict[str, Any]) -> str | None:
    """Why the KPI's alert levels cannot be used together, or None."""
    below, above = fields.get("alert_below"), fields.get("alert_above")
    if isinstance(below, float) and isinstance(above, float) and below > above:
        return (
            f"alert_below ({below:g}) is above alert_above ({above:g}), so every value would "
            "alert; swap them"
        )
    return None


def exported(name: str, value: Any) -> Any:
    """How export writes one of these fields' values (others unchanged)."""
    if name == "alerts" and value is True:
        return {"channel": True}
    if isinstance(value, DigestChoice):
        return value.to_config()
    return value


def jsonable(value: Any) -> Any:
    return value.to_config() if isinstance(value, DigestChoice) else value
