"""History backfill: `kpibot values import FILE.csv` and `kpibot values export`.

The file is UTF-8 CSV (a byte-order mark is fine) with exactly this header::

    kpi,period,value,note
    pipeline,2026-W47,"$3,100,000",
    pipeline,2026-W48,3.4M,after the trade show
    nps,2026-11,52,

* ``kpi`` is a KPI key; retired KPIs may be backfilled too.
* ``period`` is a period of that KPI's cadence, as its key (``2026-W48``, ``2026-11``,
  ``2026-Q4``, ...) or as a date inside it (``2026-11-26``). Periods that have not started yet
  (in the team's timezone, UTC for KPIs without one) are refused.
* ``value`` is read like a value typed in Slack (``1200``, ``1.2k``, ``15%``, ``$1,200``); a unit
  that contradicts the KPI's unit is refused.
* ``note`` is optional, at most 2000 characters.

Every row is checked before anything is written; if any row is bad, :class:`ValuesFileError`
lists every problem with its line number and nothing is written. Rows are then written like
values logged in Slack: a value that replaces an earlier one keeps that one as a revision, and
a row equal to what is stored changes nothing. One audit event summarises an import that wrote
anything.

:func:`export_values` writes every stored value in the same format (sorted by KPI key, then
period start), so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from commands import formulas
from commands.text import MAX_NOTE_CHARS
from core.cadence import Period, PeriodError, parse_period, period_for
from core.values import MAX_ABS_VALUE, ValueParseError, parse_value, unit_conflict
from storage import repo
from storage.models import Kpi, Team

HEADER = ("kpi", "period", "value", "note")
MAX_FILE_BYTES = 50 * 1024 * 1024
_HEADER_TEXT = ",".join(HEADER)


class ValuesFileError(ValueError):
    """A values file that cannot be imported; ``str()`` lists every problem, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ValuesImportSummary:
    written: int  # rows stored, new values and replacements alike
    replaced: int  # of those, rows that replaced an earlier value (kept as a revision)
    unchanged: int  # rows equal to the value and note already stored: nothing written


@dataclass(frozen=True)
class _Row:
    line: int
    kpi: Kpi
    period: Period
    value: float
    note: str | None


def import_values(
    session: Session,
    file: Path | str,
    *,
    actor: str,
    now: datetime,
    source: str = "csv",
    name: str | None = None,
) -> ValuesImportSummary:
    """Backfill values from a CSV file (a Path) or CSV text (a str), in the caller's transaction.

    `source` is stored with each value (at most 16 characters); `name` is how messages call
    the file (default: the path as given, or ``<csv>`` for text). Raises ValuesFileError,
    having written nothing, when any row is bad.
    """
    if isinstance(file, Path):
        label = name or str(file)
        text = _read(file, label)
    else:
        label = name or "<csv>"
        text = file
    rows = _check_rows(session, text, label, now)

    written = replaced = unchanged = 0
    per_kpi: dict[str, int] = {}
    for row in rows:
        logged = repo.log_value(
            session,
            row.kpi,
            period_key=row.period.key,
            period_start=row.period.start,
            value=row.value,
            note=row.note,
            source=source,
            by=actor,
            now=now,
        )
        if logged.unchanged:
            unchanged += 1
            continue
        written += 1
        replaced += logged.replaced is not None
        per_kpi[row.kpi.key] = per_kpi.get(row.kpi.key, 0) + 1
    if written:
        repo.audit(
            session,
            actor=actor,
            action="values.import",
            entity="values",
            key=label[-64:],
            now=now,
            details={
                "file": label,
                "written": written,
                "replaced": replaced,
                "unchanged": unchanged,
                "kpis": dict(sorted(per_kpi.items())),
            },
        )
    formulas.recompute_all(session, [(row.kpi.key, row.period.key) for row in rows], now=now)
    return ValuesImportSummary(written=written, replaced=replaced, unchanged=unchanged)


def export_values(session: Session) -> str:
    """Every stored value as ``kpi,period,value,note`` CSV, by KPI key then period start.

    Formula KPIs are left out: their values are worked out again from their inputs on import.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for kpi, measurement in repo.all_measurements(session):
        if kpi.formula:
            continue
        writer.writerow(
            (kpi.key, measurement.period_key, _number(measurement.value), measurement.note or "")
        )
    return out.getvalue()


def _number(value: float) -> str:
    """A plain number that parse_value reads back exactly: 4000000, 0.25, 1e-07."""
    if value.is_integer() and abs(value) <= MAX_ABS_VALUE:
        return str(int(value))
    return repr(value)


# --- checking --------------------------------------------------------------------------------


def _read(path: Path, label: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValuesFileError(
                [
                    f"{label}: the file is {size / 1024 / 1024:.1f} MB; values files may be at "
                    f"most {MAX_FILE_BYTES // 1024 // 1024} MB (split it and import the parts)"
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ValuesFileError([f"{label}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValuesFileError(
            [f"{label} line {line}: not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)"]
        ) from None


def _check_rows(session: Session, text: str, label: str, now: datetime) -> list[_Row]:
    text = text.removeprefix("\ufeff")
    kpis = {k.key: k for k in session.exec(select(Kpi))}
    teams = {t.id: t for t in session.exec(select(Team))}
    problems: list[str] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    current: dict[int, Period] = {}

    reader = csv.reader(io.StringIO(text, newline=""))
    header_seen = False
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not header_seen:
                header_seen = True
                found = tuple(cell.strip().lower() for cell in cells)
                if found != HEADER:
                    raise ValuesFileError(
                        [
                            f"{label} line {line}: the header is '{','.join(cells)}'; the first "
                            f"line must be exactly: {_HEADER_TEXT}"
                        ]
                    )
                continue
            where = f"{label} line {line}"
            if len(cells) != len(HEADER):
                problems.append(
                    f"{where}: {len(cells)} columns where {len(HEADER)} are expected "
                    f'({_HEADER_TEXT}); quote values that contain commas, like "$1,200"'
                )
                continue
            row = _check_row(where, line, cells, kpis, teams, current, now, problems)
            if row is None:
                continue
            duplicate = (row.kpi.key, row.period.key)
            if duplicate in seen:
                problems.append(
                    f"{where}: {row.kpi.key} {row.period.key} is already given on line "
                    f"{seen[duplicate]}; give one value per KPI and period"
                )
                continue
            seen[duplicate] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"{label} line {reader.line_num}: not valid CSV: {exc}")
    if not header_seen and not problems:
        problems.append(f"{label}: the file is empty; the first line must be: {_HEADER_TEXT}")
    if problems:
        raise ValuesFileError(problems)
    return rows


def _check_row(
    where: str,
    line: int,
    cells: list[str],
    kpis: Mapping[str, Kpi],
    teams: Mapping[int | None, Team],
    current: dict[int, Period],
    now: datetime,
    problems: list[str],
) -> _Row | None:
    kpi_text, period_text, value_text, note_text = (cell.strip() for cell in cells)
    count = len(problems)

    kpi = kpis.get(kpi_text)
    if kpi is None:
        if not kpi_text:
            problems.append(f"{where}: the kpi column is empty; give a KPI key")
        else:
            problems.append(f"{where}: '{kpi_text}' is not a known KPI{_suggest(kpi_text, kpis)}")
    elif kpi.formula:
        formula = formulas.formula_of(kpi)
        inputs = ", ".join(formula.inputs) if formula else "other KPIs"
        problems.append(
            f"{where}: {kpi.key} is computed from {inputs} ({kpi.formula}); import values of "
            "those instead"
        )

    period: Period | None = None
    if not period_text:
        problems.append(f"{where}: the period column is empty")
    elif kpi is not None:
        try:
            period = parse_period(kpi.cadence, period_text)
        except PeriodError as exc:
            problems.append(f"{where}: {exc}")
        else:
            latest = _current_period(kpi, teams, current, now)
            if period.start > latest.start:
                problems.append(
                    f"{where}: {period.key} has not started yet; values can be backfilled for "
                    f"the current period ({latest.key}) or earlier ones"
                )

    value: float | None = None
    try:
        parsed = parse_value(value_text)
    except ValueParseError as exc:
        problems.append(f"{where}: {exc}")
    else:
        conflict = unit_conflict(parsed, kpi.unit) if kpi is not None else None
        if conflict is not None:
            problems.append(f"{where}: {conflict}")
        value = parsed.number

    note = note_text or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        problems.append(f"{where}: the note is {len(note)} characters; keep it to {MAX_NOTE_CHARS}")

    if len(problems) > count or kpi is None or period is None or value is None:
        return None
    return _Row(line, kpi, period, value, note)


def _current_period(
    kpi: Kpi, teams: Mapping[int | None, Team], current: dict[int, Period], now: datetime
) -> Period:
    assert kpi.id is not None
    if kpi.id not in current:
        team = teams.get(kpi.team_id)
        tz = ZoneInfo("UTC")
        if team is not None and team.timezone:
            try:
                tz = ZoneInfo(team.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                tz = ZoneInfo("UTC")
        current[kpi.id] = period_for(kpi.cadence, now.astimezone(UTC), tz)
    return current[kpi.id]


def _suggest(word: str, known: Mapping[str, object]) -> str:
    lowered = {key.lower(): key for key in known}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
