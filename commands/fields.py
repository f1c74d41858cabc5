"""Validating what users type into goal and KPI fields, shared by one-line commands and modals.

Each validator collects every problem, keyed by field, so a modal can show each error next to
its input and a one-line command can list them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commands.context import Context
from commands.text import esc
from core.kinds import DIRECTION_ALIASES, Cadence, Direction, Indicator, parse_enum
from core.status import Target, validate_target
from core.values import ValueParseError, canonical_unit, parse_value, unit_conflict
from storage import repo

KEY_RULE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KEY_HELP = (
    "use 1-64 lowercase letters, digits, - or _, starting with a letter or digit (e.g. `pipeline`)"
)
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
LIMITS = {
    "name": 200,
    "title": 300,
    "unit": 32,
    "definition": 3000,
    "description": 3000,
    "decision": 1000,
}


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, field_name: str, raw: str | None, *, required: bool = False) -> None:
        value = (raw or "").strip()
        if not value:
            if required:
                self.errors[field_name] = f"{field_name} is required"
            else:
                self.values[field_name] = None
            return
        limit = LIMITS.get(field_name, 200)
        if len(value) > limit:
            self.errors[field_name] = (
                f"{field_name} is {len(value)} characters long; keep it to {limit}"
            )
            return
        self.values[field_name] = value

    def number(self, field_name: str, raw: str | None, unit: str | None) -> None:
        if raw is None or not raw.strip():
            self.values[field_name] = None
            return
        try:
            parsed = parse_value(raw)
        except ValueParseError as exc:
            self.errors[field_name] = esc(str(exc))
            return
        conflict = unit_conflict(parsed, unit)
        if conflict:
            self.errors[field_name] = esc(conflict)
            return
        self.values[field_name] = parsed.number


def check_key(checked: Checked, raw: str | None, *, taken: bool) -> None:
    key = (raw or "").strip().lower()
    if not key:
        checked.errors["key"] = f"a key is required: {KEY_HELP}"
    elif not KEY_RULE.match(key):
        checked.errors["key"] = f"`{esc(key[:40])}` is not a valid key: {KEY_HELP}"
    elif taken:
        checked.errors["key"] = f"the key `{key}` is already taken; pick another"
    else:
        checked.values["key"] = key


def check_enum(
    checked: Checked, field_name: str, kind: type[Any], raw: str | None, default: Any
) -> None:
    if raw is None or not raw.strip():
        checked.values[field_name] = default
        return
    try:
        aliases = DIRECTION_ALIASES if kind is Direction else None
        checked.values[field_name] = parse_enum(kind, raw, aliases)
    except ValueError as exc:
        checked.errors[field_name] = esc(str(exc))


def check_user(checked: Checked, field_name: str, raw: str | None, *, required: bool) -> None:
    value = (raw or "").strip()
    if not value:
        if required:
            # a form's people dropdown or a command's `owner:@person`: "pick" fits both
            checked.errors[field_name] = (
                f"{field_name} is required: pick a person (`{field_name}:@alice` in a command)"
            )
        else:
            checked.values[field_name] = None
    elif not USER_ID.match(value):
        checked.errors[field_name] = f"{field_name} must be an @-mention of a person in Slack"
    else:
        checked.values[field_name] = value


def check_date(checked: Checked, field_name: str, raw: str | date | None) -> None:
    if raw is None or raw == "":
        checked.values[field_name] = None
        return
    if isinstance(raw, date):
        checked.values[field_name] = raw
        return
    try:
        checked.values[field_name] = date.fromisoformat(raw.strip())
    except ValueError:
        checked.errors[field_name] = (
            f"`{esc(raw[:20])}` is not a date; write it as YYYY-MM-DD, e.g. 2027-06-30"
        )


def check_ref(ctx: Context, checked: Checked, field_name: str, raw: str | None) -> None:
    """A team or goal key that must exist; stores the row's id under `<field>_id`."""
    value = (raw or "").strip().lower()
    if not value:
        checked.values[f"{field_name}_id"] = None
        return
    row = (
        repo.get_team(ctx.session, value)
        if field_name == "team"
        else repo.get_goal(ctx.session, value)
    )
    if row is None:
        checked.errors[field_name] = f"no {field_name} has the key `{esc(value[:40])}`"
    else:
        checked.values[f"{field_name}_id"] = row.id


def check_kpi(ctx: Context, raw: dict[str, Any], *, creating: bool) -> Checked:
    """Validate KPI fields (strings as typed) into typed values, collecting every problem."""
    checked = Checked()
    if creating:
        check_key(
            checked,
            raw.get("key"),
            taken=repo.get_kpi(ctx.session, (raw.get("key") or "").strip().lower()) is not None,
        )
    checked.text("name", raw.get("name"), required=creating)
    checked.text("definition", raw.get("definition"))
    checked.text("decision", raw.get("decision"))
    unit_raw = (raw.get("unit") or "").strip()
    unit = canonical_unit(unit_raw) if unit_raw else None
    if unit_raw and len(unit_raw) > LIMITS["unit"]:
        checked.errors["unit"] = f"unit is too long; keep it to {LIMITS['unit']} characters"
    checked.values["unit"] = unit
    check_enum(checked, "direction", Direction, raw.get("direction"), Direction.UP)
    check_enum(checked, "cadence", Cadence, raw.get("cadence"), Cadence.WEEKLY)
    check_enum(checked, "indicator", Indicator, raw.get("indicator"), Indicator.LAGGING)
    checked.number("target", raw.get("target"), unit)
    checked.number("baseline", raw.get("baseline"), unit)
    _check_band(checked, raw.get("band"), unit)
    check_user(checked, "owner", raw.get("owner"), required=creating)
    check_ref(ctx, checked, "team", raw.get("team"))
    check_ref(ctx, checked, "goal", raw.get("goal"))
    direction = checked.values.get("direction")
    if isinstance(direction, Direction) and not any(
        f in checked.errors for f in ("target", "baseline", "band")
    ):
        target = Target(
            direction=direction,
            target=checked.values.get("target"),
            baseline=checked.values.get("baseline"),
            band_low=checked.values.get("band_low"),
            band_high=checked.values.get("band_high"),
        )
        problems = validate_target(target, unit=unit)
        if problems:
            place = "band" if direction is Direction.BAND else "target"
            checked.errors[place] = "; ".join(problems)
    return checked


def _check_band(checked: Checked, raw: str | None, unit: str | None) -> None:
    checked.values["band_low"] = checked.values["band_high"] = None
    if raw is None or not raw.strip():
        return
    parts = re.split(r"\s*(?:\.\.|–|—|\bto\b|(?<=\d)-(?=[\d$€£¥(+-]))\s*", raw.strip(), maxsplit=1)
    if len(parts) != 2:
        checked.errors["band"] = (
            f"`{esc(raw[:30])}` is not a band; write it as LOW-HIGH, e.g. 90-110"
        )
        return
    low, high = Checked(), Checked()
    low.number("band", parts[0], unit)
    high.number("band", parts[1], unit)
    if low.errors or high.errors:
        checked.errors["band"] = (low.errors or high.errors)["band"]
        return
    checked.values["band_low"], checked.values["band_high"] = (
        low.values["band"],
        high.values["band"],
    )


def check_goal(ctx: Context, raw: dict[str, Any], *, creating: bool) -> Checked:
    checked = Checked()
    if creating:
        check_key(
            checked,
            raw.get("key"),
            taken=repo.get_goal(ctx.session, (raw.get("key") or "").strip().lower()) is not None,
        )
    checked.text("title", raw.get("title"), required=creating)
    checked.text("description", raw.get("description"))
    check_date(checked, "deadline", raw.get("deadline"))
    check_ref(ctx, checked, "team", raw.get("team"))
    parent = (raw.get("parent") or "").strip().lower()
    if parent:
        row = repo.get_goal(ctx.session, parent)
        if row is None:
            checked.errors["parent"] = f"no goal has the key `{esc(parent[:40])}`"
        else:
            checked.values["parent_id"] = row.id
    else:
        checked.values["parent_id"] = None
    deadline = checked.values.get("deadline")
    if isinstance(deadline, date) and deadline < ctx.today and creating:
        checked.errors["deadline"] = (
            f"{deadline.isoformat()} is in the past; a goal's deadline should be ahead"
        )
    return checked
