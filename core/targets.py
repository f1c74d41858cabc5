"""Targets that change by period: seasonal targets and ramps.

A KPI has one target (``target:``). It may also have ``targets:`` in the config file, a mapping
whose keys are periods of the KPI's cadence and whose values are that period's target::

    targets: {2026-12: 90, 2027-01: 60}            # monthly: seasonal targets
    targets: {2026-W49: 12, 2026-W50: 15}          # weekly keys; quarterly ones are 2026-Q4
    targets:
      ramp: {from: 2026-01, start: 10, to: 2026-12, end: 50}   # linear, period by period

A key may also be a date, which means the period holding it (``2026-12-05`` is December for a
monthly KPI), and is stored by its period key. Values are numbers, or text such as ``$1.2M``.

Which target applies to a period (:meth:`PeriodTargets.target_for`):

1. the target written for that very period, if any;
2. else, within the ramp's periods (``from`` to ``to``, both included), the straight line from
   ``start`` at ``from`` to ``end`` at ``to``, one equal step per period;
3. else the KPI's single target (None when it has none).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from core.cadence import BIWEEKLY_ANCHOR, Period, PeriodError, parse_period
from core.kinds import Cadence
from core.values import MAX_ABS_VALUE, ValueParseError, parse_value

RAMP = "ramp"
_RAMP_FIELDS = ("from", "start", "to", "end")
_MAX_RAMP_PERIODS = 10_000


class TargetsError(ValueError):
    """A ``targets:`` mapping that cannot be used; the message names the bad part and the fix."""


@dataclass(frozen=True)
class Ramp:
    first: Period
    start_value: float
    last: Period
    end_value: float
    steps: int  # periods from ``first`` to ``last``; at least 1

    def value_for(self, period: Period) -> float | None:
        """The ramp's target for ``period``; None outside the ramp."""
        if not self.first <= period <= self.last:
            return None
        done = _periods_from(self.first, period)
        return self.start_value + (self.end_value - self.start_value) * done / self.steps


@dataclass(frozen=True)
class PeriodTargets:
    """The targets of one KPI by period, with its single target as the fallback."""

    cadence: Cadence
    fallback: float | None = None
    by_period: tuple[tuple[str, float], ...] = ()  # (period key, target), oldest first
    ramp: Ramp | None = None
    _lookup: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.by_period))

    def target_for(self, period: Period) -> float | None:
        """The target for ``period`` by the rules in the module docstring."""
        if period.cadence is not self.cadence:
            raise ValueError(
                f"{period.key} is a {period.cadence} period but these targets are {self.cadence}"
            )
        if period.key in self._lookup:
            return self._lookup[period.key]
        if self.ramp is not None:
            ramped = self.ramp.value_for(period)
            if ramped is not None:
                return ramped
        return self.fallback

    @property
    def varies(self) -> bool:
        """Whether any period has a target of its own (else only the single target applies)."""
        return bool(self.by_period) or self.ramp is not None

    def to_config(self) -> dict[str, object]:
        """The ``targets:`` mapping as the config file writes it; parses back to an equal value."""
        written: dict[str, object] = {key: _plain(value) for key, value in self.by_period}
        if self.ramp is not None:
            written[RAMP] = {
                "from": self.ramp.first.key,
                "start": _plain(self.ramp.start_value),
                "to": self.ramp.last.key,
                "end": _plain(self.ramp.end_value),
            }
        return written


def parse_targets(raw: object, cadence: Cadence, *, fallback: float | None = None) -> PeriodTargets:
    """Read a ``targets:`` mapping for a KPI reported at ``cadence``.

    Raises TargetsError naming the bad key or value and what to write instead. None or an empty
    mapping means no per-period targets.
    """
    if raw is None:
        return PeriodTargets(cadence, fallback)
    if not isinstance(raw, Mapping):
        raise TargetsError(
            f"targets must be a mapping of {cadence} periods to numbers, like "
            f"{_example(cadence)}, not {_shown(raw)}"
        )
    by_key: dict[str, float] = {}
    written_as: dict[str, str] = {}
    ramp: Ramp | None = None
    for raw_key, raw_value in raw.items():
        if isinstance(raw_key, str) and raw_key.strip().lower() == RAMP:
            ramp = _parse_ramp(raw_value, cadence)
            continue
        period = _period(raw_key, cadence, where="targets")
        if period.key in by_key:
            raise TargetsError(
                f"targets has two entries for {period.key} ('{written_as[period.key]}' and "
                f"'{_key_text(raw_key)}'); keep one"
            )
        by_key[period.key] = _number(raw_value, f"the target for {period.key}")
        written_as[period.key] = _key_text(raw_key)
    ordered = tuple(sorted(by_key.items(), key=lambda item: parse_period(cadence, item[0])))
    return PeriodTargets(cadence, fallback, ordered, ramp)


def _parse_ramp(raw: object, cadence: Cadence) -> Ramp:
    example = _ramp_example(cadence)
    if not isinstance(raw, Mapping):
        raise TargetsError(f"targets.ramp must be a mapping like {example}, not {_shown(raw)}")
    names = {str(name).strip().lower(): value for name, value in raw.items()}
    unknown = sorted(set(names) - set(_RAMP_FIELDS))
    if unknown:
        raise TargetsError(
            f"targets.ramp has unknown field(s) {', '.join(unknown)}; it takes from, start, "
            f"to and end, like {example}"
        )
    missing = [name for name in _RAMP_FIELDS if name not in names]
    if missing:
        raise TargetsError(f"targets.ramp is missing {', '.join(missing)}; write it like {example}")
    first = _period(names["from"], cadence, where="targets.ramp.from")
    last = _period(names["to"], cadence, where="targets.ramp.to")
    start_value = _number(names["start"], "targets.ramp.start")
    end_value = _number(names["end"], "targets.ramp.end")
    if not first < last:
        raise TargetsError(
            f"targets.ramp runs from {first.key} to {last.key}, which is not forward in time; "
            "'to' must be a later period than 'from' (for one period, write its target directly)"
        )
    steps = _periods_from(first, last)
    if steps > _MAX_RAMP_PERIODS:
        raise TargetsError(
            f"targets.ramp from {first.key} to {last.key} spans more than "
            f"{_MAX_RAMP_PERIODS:,} periods; shorten it"
        )
    return Ramp(first, start_value, last, end_value, steps)


def _period(raw: object, cadence: Cadence, *, where: str) -> Period:
    if isinstance(raw, bool) or not isinstance(raw, str | date | int):
        raise TargetsError(
            f"{where}: {_shown(raw)} is not a period; write a {cadence} period like "
            f"{_example_key(cadence)}"
        )
    try:
        return parse_period(cadence, _key_text(raw))
    except PeriodError as error:
        raise TargetsError(f"{where}: {error}") from None


def _number(raw: object, what: str) -> float:
    if isinstance(raw, bool) or raw is None:
        raise TargetsError(f"{what} must be a number like 90 or $1.2M, not {_shown(raw)}")
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = parse_value(raw).number
        except ValueParseError as error:
            raise TargetsError(f"{what}: {error}") from None
    else:
        raise TargetsError(f"{what} must be a number like 90 or $1.2M, not {_shown(raw)}")
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        raise TargetsError(
            f"{what} must be an actual number within ±{MAX_ABS_VALUE:,.0f}, not {_shown(raw)}"
        )
    return number


def _periods_from(first: Period, last: Period) -> int:
    """How many periods ``last`` is after ``first`` (0 when equal, negative when before)."""
    return _ordinal(last) - _ordinal(first)


def _ordinal(period: Period) -> int:
    """The period's place in an endless count of its cadence's periods (arithmetic, no walking)."""
    start = period.start
    match period.cadence:
        case Cadence.DAILY:
            return start.toordinal()
        case Cadence.WEEKLY:
            return start.toordinal() // 7  # every ISO week starts on a Monday
        case Cadence.BIWEEKLY:
            return (start - BIWEEKLY_ANCHOR).days // 14
        case Cadence.MONTHLY:
            return start.year * 12 + start.month - 1
        case Cadence.QUARTERLY:
            return start.year * 4 + (start.month - 1) // 3


def _key_text(raw: object) -> str:
    # YAML reads an unquoted 2026-12-05 as a date and 2026 as an int; both mean what they say.
    return raw.isoformat() if isinstance(raw, date) else str(raw).strip()


def _example_key(cadence: Cadence) -> str:
    return parse_period(cadence, "2026-12-01").key


def _example(cadence: Cadence) -> str:
    first = parse_period(cadence, "2026-12-01")
    return f"{{{first.key}: 90, {first.next().key}: 60}}"


def _ramp_example(cadence: Cadence) -> str:
    first = parse_period(cadence, "2026-01-05")
    last = parse_period(cadence, "2026-12-01")
    return f"{{from: {first.key}, start: 10, to: {last.key}, end: 50}}"


def _plain(number: float) -> float | int:
    return int(number) if number.is_integer() else number


def _shown(raw: object) -> str:
    text = repr(raw) if not isinstance(raw, str) else f"'{raw}'"
    return text if len(text) <= 40 else text[:39] + "…"
