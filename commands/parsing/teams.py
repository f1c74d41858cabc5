"""A team's commands: ``v2mom``, ``digest``, ``review``, ``actions`` and ``health``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

from commands.parsing.text import CHANNEL, fail, shown, team_key
from commands.parsing.tokens import Scanner, Token, no_more
from core.digest_time import parse_digest_time


@dataclass(frozen=True)
class V2momShow:
    team: str | None = None


@dataclass(frozen=True)
class V2momEdit:
    team: str | None = None


@dataclass(frozen=True)
class Digest:
    preview: bool = False
    team: str | None = None  # a team key; None: the channel's team, or the one the caller leads


@dataclass(frozen=True)
class DigestSchedule:
    team: str | None = None
    when: str | None = None  # "fri 16:00" (checked), "default", or None to show the schedule


ReviewAction: TypeAlias = Literal["status", "start", "close", "schedule"]


@dataclass(frozen=True)
class Review:
    action: ReviewAction = "status"
    team: str | None = None  # a team key; None: the channel's team, or the one the caller leads
    rhythm: str | None = None  # schedule: as typed (checked by core.review_cadence), or "off"
    lead_hours: int | None = None  # schedule: `before:24h`


@dataclass(frozen=True)
class Actions:
    team: str | None = None
    done: int | None = None  # `actions done N`: the action item to mark done
    mine: bool = False  # `actions mine`: yours, even in a team's channel


@dataclass(frozen=True)
class Health:
    team: str | None = None  # None: the whole company


def parse_v2mom(scanner: Scanner, today: date) -> V2momShow | V2momEdit:
    tokens = scanner.rest()
    edit = bool(tokens) and tokens[0].word == "edit"
    if tokens and tokens[0].word in ("edit", "show"):
        tokens = tokens[1:]
    if len(tokens) > 1:
        raise fail("`v2mom` takes at most one team, like `/kpi v2mom sales`.", "v2mom")
    team = team_key(tokens[0].source) if tokens else None
    return V2momEdit(team) if edit else V2momShow(team)


def parse_digest(scanner: Scanner, today: date) -> Digest | DigestSchedule:
    tokens = scanner.rest()
    team: str | None = None
    rest = []
    for token in tokens:
        channel = CHANNEL.fullmatch(token.source.strip())
        if team is None and ((token.key == "team" and token.value) or channel):
            team = team_key(token.value if token.key == "team" else token.source)
        else:
            rest.append(token)
    if rest and rest[0].word in ("schedule", "time"):
        when = " ".join(token.text for token in rest[1:]) or None
        if when is not None and when.lower() != "default":
            try:
                when = parse_digest_time(when).text
            except ValueError as exc:
                raise fail(f"{exc}.", "digest") from None
        return DigestSchedule(team, when.lower() if when else None)
    preview = bool(rest) and rest[0].word in ("preview", "--preview")
    no_more(rest[1:] if preview else rest, "/kpi digest preview", "digest")
    return Digest(preview, team)


_REVIEW_ACTIONS: dict[str, ReviewAction] = {
    "start": "start",
    "open": "start",
    "close": "close",
    "schedule": "schedule",
    "status": "status",
}
_LEAD = re.compile(r"(\d{1,3})\s*(h|hours?|d|days?)?")


def team_token(token: Token) -> str | None:
    """The team a `team:KEY` field or a #channel mention names, else None."""
    if token.key == "team" and token.value:
        return team_key(token.value)
    if CHANNEL.fullmatch(token.source.strip()):
        return team_key(token.source)
    return None


def parse_review(scanner: Scanner, today: date) -> Review:
    tokens = scanner.rest()
    named = bool(tokens) and tokens[0].word in _REVIEW_ACTIONS
    action: ReviewAction = _REVIEW_ACTIONS[tokens[0].word] if named else "status"
    rest = tokens[1:] if named else tokens
    team = next((t for t in (team_token(token) for token in rest) if t), None)
    rest = [token for token in rest if team_token(token) is None]
    if action != "schedule":
        if team is None and len(rest) == 1 and rest[0].key is None:
            team, rest = team_key(rest[0].source), []
        no_more(rest, f"/kpi review {action} [team]", "review")
        return Review(action, team)
    lead: int | None = None
    words = []
    for token in rest:
        if token.key == "before":
            found = _LEAD.fullmatch(token.value.strip().lower())
            if found is None:
                raise fail(
                    "`before:` takes hours or days, like `before:24h` or `before:2d`.", "review"
                )
            lead = int(found[1]) * (24 if (found[2] or "h").startswith("d") else 1)
        elif token.key is not None:
            raise fail(f"`review schedule` has no field `{shown(token.key)}`.", "review")
        else:
            words.append(token.text)
    if not words:
        raise fail("`review schedule` needs the rhythm, like `every other tue 10:00`.", "review")
    return Review("schedule", team, " ".join(words), lead)


def parse_actions(scanner: Scanner, today: date) -> Actions:
    tokens = scanner.rest()
    if tokens and tokens[0].word == "done":
        number = tokens[1].text.lstrip("#") if len(tokens) == 2 else ""
        if not number.isdigit():
            raise fail(
                "`actions done` takes the number of one item, like `/kpi actions done 12`.",
                "actions",
            )
        return Actions(done=int(number))
    if len(tokens) > 1:
        raise fail("`actions` takes at most one team, like `/kpi actions sales`.", "actions")
    if tokens and tokens[0].word in ("mine", "me"):
        return Actions(mine=True)
    return Actions(team_key(tokens[0].value or tokens[0].source) if tokens else None)


def parse_health(scanner: Scanner, today: date) -> Health:
    tokens = scanner.rest()
    if len(tokens) > 1:
        raise fail("`health` takes at most one team, like `/kpi health sales`.", "health")
    if not tokens or tokens[0].word in ("company", "all"):
        return Health()
    return Health(team_key(tokens[0].value or tokens[0].source))
