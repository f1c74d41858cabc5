"""Checks across fields and entries: required fields, KPI rules, unique keys, goal cycles, and
references to teams and goals in the file or the database.

Every check adds what it finds to a :class:`~commands.configfile.errors.Problems`, so a file's
problems are all reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.formula import FormulaError, parse_formula
from core.formula_checks import FormulaKpi, check_formulas
from core.kinds import Direction
from core.targets import TargetsError, parse_targets
from core.values import ParsedValue, canonical_unit, unit_conflict

from .alert_fields import ALERT_LEVELS, levels_problem
from .errors import Problems, did_you_mean
from .parsers import Number
from .schema import ConfigSpec, Entry, Section
from .state import State


def require(
    label: str,
    name: str,
    fields: Mapping[str, Any],
    lines: Mapping[str, int],
    failed: set[str],
    line: int,
    problems: Problems,
    why: str = "",
) -> bool:
    """Report a required field that is missing or empty (not one already reported as bad)."""
    if name in fields or name in failed:
        return True
    if name in lines:
        problems.add(lines[name], f"{label}: required field '{name}' is empty{why}")
    else:
        problems.add(line, f"{label}: missing required field '{name}'{why}")
    return False


def check_kpi(
    label: str,
    fields: dict[str, Any],
    lines: dict[str, int],
    failed: set[str],
    line: int,
    problems: Problems,
) -> bool:
    """Check a KPI entry's numbers against its unit and direction; numbers become floats."""
    ok = True
    direction = fields.get("direction", Direction.UP)
    if "unit" in fields:
        fields["unit"] = canonical_unit(fields["unit"])
    unit = fields.get("unit")

    def number(name: str, raw: Number) -> float | None:
        conflict = unit_conflict(ParsedValue(raw.value, raw.unit), unit) if raw.unit else None
        if conflict is not None:
            what = "no unit" if unit is None else f"unit {unit}"
            problems.add(
                lines.get(name, line),
                f"{label}: {name}: '{raw.text}' is in {raw.unit} but the KPI has {what}; "
                "write the number in the KPI's unit (or change the unit)",
            )
            return None
        return raw.value

    def drop(name: str) -> bool:
        failed.add(name)
        del fields[name]
        return False

    for name in ("target", "baseline", *ALERT_LEVELS):
        if name in fields:
            value = number(name, fields[name])
            if value is None:
                ok = drop(name)
            else:
                fields[name] = value
    levels = levels_problem(fields)
    if levels is not None:
        problems.add(lines.get("alert_below", line), f"{label}: {levels}")
        ok = drop("alert_below")
    if "band" in fields:
        low_raw, high_raw = fields["band"]
        low, high = number("band", low_raw), number("band", high_raw)
        if low is None or high is None:
            ok = drop("band")
        elif low > high:
            problems.add(
                lines["band"],
                f"{label}: band: the low end ({low_raw.text}) is above the high end "
                f"({high_raw.text}); write it as [low, high]",
            )
            ok = drop("band")
        else:
            fields["band"] = (low, high)

    if "direction" in failed:
        pass  # which of target and band is needed depends on the direction
    elif direction == Direction.BAND:
        why = " (direction band needs band: [low, high])"
        ok = require(label, "band", fields, lines, failed, line, problems, why) and ok
    else:
        if "band" in fields:
            problems.add(
                lines["band"],
                f"{label}: band is only for direction: band (this KPI's direction is "
                f"{direction}); use target instead, or set direction: band",
            )
            ok = False
        why = " (for the periods targets: does not list)" if "targets" in fields else ""
        ok = require(label, "target", fields, lines, failed, line, problems, why) and ok
    if "targets" in fields:
        ok = _check_targets(label, fields, lines, problems, direction) and ok
    target, baseline = fields.get("target"), fields.get("baseline")
    if isinstance(target, float) and isinstance(baseline, float) and target == baseline:
        problems.add(
            lines["baseline"],
            f"{label}: target and baseline are both {_plain(target)}; the target must differ "
            "from where you start",
        )
        ok = False
    return ok


def _check_targets(
    label: str,
    fields: dict[str, Any],
    lines: dict[str, int],
    problems: Problems,
    direction: Direction,
) -> bool:
    """Read ``targets:`` for the KPI's cadence; it becomes the mapping stored and exported."""
    where = lines.get("targets", 0)
    if direction == Direction.BAND:
        problems.add(
            where,
            f"{label}: targets: is for KPIs with a target; a band KPI keeps one band for every "
            "period. Remove targets:, or use direction: up or down with target:",
        )
        del fields["targets"]
        return False
    cadence = fields.get("cadence")
    if cadence is None:  # reported as the missing or bad cadence already
        del fields["targets"]
        return True
    try:
        parsed = parse_targets(fields["targets"], cadence, fallback=fields.get("target"))
    except TargetsError as error:
        problems.add(where, f"{label}: {error}")
        del fields["targets"]
        return False
    fields["targets"] = parsed.to_config() or None
    return True


def check_formulas_of(spec: ConfigSpec, state: State, problems: Problems) -> None:
    """Formulas read KPIs that exist (in the file or the database), of the same cadence, in no
    circle, with units that fit (core.formula_checks)."""
    entries = {entry.key: entry for entry in spec.kpis}
    kpis: dict[str, FormulaKpi] = {}
    cadences: dict[str, Any] = {}
    for key, row in state.kpis.items():
        kpis[key] = FormulaKpi(key, row.unit, row.formula)
        cadences[key] = row.cadence
    for key, entry in entries.items():
        fields = entry.fields
        kpis[key] = FormulaKpi(key, fields.get("unit"), fields.get("formula"))
        cadences[key] = fields.get("cadence", cadences.get(key))
    if not any(kpi.formula for kpi in kpis.values()):
        return

    def line_of(key: str) -> int:
        entry = entries.get(key)
        return entry.line_of("formula") if entry is not None else 0

    for problem in check_formulas(kpis):
        key, _, rest = problem.partition(": ")
        if key not in kpis:  # a circle names its path, not one KPI: point at the first
            circle = re.search(r"circle: ([^\s;]+)", problem)
            key, rest = (circle.group(1) if circle else ""), problem
        problems.add(line_of(key), f"KPI {key}: formula: {rest}" if key else problem)
    for key, kpi in kpis.items():
        if not kpi.formula:
            continue
        try:
            inputs = parse_formula(kpi.formula).inputs
        except FormulaError:
            continue  # reported above
        for name in inputs:
            if name in cadences and cadences[name] != cadences[key]:
                problems.add(
                    line_of(key),
                    f"KPI {key}: formula: '{name}' is reported {cadences[name]} but {key} is "
                    f"{cadences[key]}; a formula combines values of the same period, so give "
                    "them the same cadence",
                )


def _plain(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def check_duplicates(section: Section, entries: list[Entry], problems: Problems) -> None:
    """Report each entry whose key an earlier entry of the section already has."""
    first: dict[str, int] = {}
    for entry in entries:
        if entry.key in first:
            problems.add(
                entry.line_of(section.key_field),
                f"{section.label} '{entry.key}' is defined twice (first at line "
                f"{first[entry.key]}); keys must be unique",
            )
        else:
            first[entry.key] = entry.line


def check_cycles(
    parents: Mapping[str, tuple[str | None, int]], in_db_only: set[str], problems: Problems
) -> None:
    """Report each cycle of goal parents once, at the line of one of its goals in the file.

    `parents` maps a goal key to (its parent key, the line to report); goals in
    `in_db_only` are from the database and have no line of their own.
    """
    reported: set[frozenset[str]] = set()
    for start in parents:
        if start in in_db_only:
            continue
        chain: list[str] = []
        at: str | None = start
        while at is not None and at not in chain:
            chain.append(at)
            at = parents.get(at, (None, 0))[0]
        if at is None:
            continue
        cycle = chain[chain.index(at) :]
        if frozenset(cycle) in reported or start not in cycle:
            continue
        reported.add(frozenset(cycle))
        text = " -> ".join([*cycle, cycle[0]])
        problems.add(
            parents[start][1],
            f"goal '{start}': parent: the parents form a cycle ({text}); a goal cannot be "
            "its own ancestor",
        )


def check_references(spec: ConfigSpec, state: State) -> None:
    """Check teams, goals and parents named in `spec` against the file and the database."""
    problems = Problems(spec.source)
    teams = {e.key for e in spec.teams} | set(state.teams)
    goals = {e.key for e in spec.goals} | set(state.goals)

    def check(entry: Entry, label: str, name: str, known: set[str], what: str) -> None:
        key = entry.fields.get(name)
        if key is not None and key not in known:
            problems.add(
                entry.line_of(name),
                f"{label} '{entry.key}': {name}: '{key}' is not a {what} in this file or the "
                f"database{did_you_mean(key, known)}",
            )

    for entry in spec.goals:
        check(entry, "goal", "parent", goals, "goal")
        check(entry, "goal", "team", teams, "team")
    for entry in spec.kpis:
        check(entry, "KPI", "team", teams, "team")
        check(entry, "KPI", "goal", goals, "goal")
    for entry in spec.v2mom:
        if entry.key not in teams:
            problems.add(
                entry.line,
                f"V2MOM of team '{entry.key}': '{entry.key}' is not a team in this file or the "
                f"database{did_you_mean(entry.key, teams)}",
            )

    parents: dict[str, tuple[str | None, int]] = {
        g.key: (state.goal_key(g.parent_id), 0) for g in state.goals.values()
    }
    in_db_only = set(parents)
    for entry in spec.goals:
        parents[entry.key] = (entry.fields.get("parent"), entry.line_of("parent"))
        in_db_only.discard(entry.key)
    check_cycles(parents, in_db_only, problems)
    check_formulas_of(spec, state, problems)
    problems.raise_if_any()
