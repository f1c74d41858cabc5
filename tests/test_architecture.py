"""The shape of kpibot's code: which package may import which, and no import circles.

Arrows (a package may import only those below it; tests/import_graph.py reads the imports):

    bench ──> any package            (benchmarks drive the real thing; nothing imports bench)
    bot ──> commands ──> storage ──┐
     │              └──> charts ───┴──> core
     ├──> storage, charts, core     (directly too)
     └──> localslack                (bot.local only)

- core is pure rules: the standard library and core, nothing else (no database, no drawing).
- storage and charts build on core only; neither knows the other, commands joins them.
- commands are the use cases: core, storage and charts, never bot or localslack.
- bot is the Slack edge and the process wiring, and the only package that imports slack_bolt,
  slack_sdk or apscheduler (bench may too: it measures them). bot may import storage directly,
  as it does today: it owns the process, so it creates the engine and opens sessions
  (storage.db), runs migrations (`kpibot migrate`), claims and settles outbox rows in its
  delivery jobs (storage.outbox) and de-duplicates Slack's retried events (storage.repo).
  Routing those through commands would add pass-through functions and no decoupling.
- Only bot.local (`kpibot local`) imports localslack; the rest of bot must work against real
  Slack without knowing the stand-in exists.
- localslack is a stand-in for Slack and imports none of kpibot's packages: like Slack it only
  speaks HTTP to kpibot, and `kpibot local` plugs kpibot's jobs into its clock control through
  the `localslack.control.AppControl` protocol. It needs no slack_sdk either (it *is* the API
  slack_sdk talks to), so it is held to the edge-library rule like every package but bot.
- matplotlib is drawn in charts only.

Every import counts for the arrows: at module level, inside functions and under
`if TYPE_CHECKING:` (a wrong-way arrow is wrong however it is written), relative imports
resolved to absolute names.

Circles between modules are found on the graph of our modules' imports:
- Imports under `if TYPE_CHECKING:` do not count: they never run, and annotations are strings
  (`from __future__ import annotations`), so they cannot make import order matter.
- Imports inside functions DO count. A lazy import is how a circle is usually hidden ("import
  here to avoid a circular import"), and the module still calls into the other one at run time;
  the two modules cannot be understood, tested or moved apart. Lazy imports that only keep a
  command's start-up light (bot/cli.py) create no circle, so they cost nothing here.

KNOWN_CYCLES lists the circles that exist today and are being broken; it may only shrink: a
listed circle that no longer exists fails too, so whoever breaks one deletes its entry.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.import_graph import Import, a_path_round, cycles, module_graph, module_name, scan

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "storage", "charts", "commands", "bot", "localslack", "bench")
# package -> the packages of ours it may import (itself always)
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "storage": frozenset({"core"}),
    "charts": frozenset({"core"}),
    "commands": frozenset({"core", "storage", "charts"}),
    "bot": frozenset({"commands", "core", "storage", "charts", "localslack"}),
    "localslack": frozenset(),
    "bench": frozenset(PACKAGES),
}
# (package, package it imports) -> the only part of the first that may import the second
ONLY_FROM = {("bot", "localslack"): "bot.local"}
# third-party library -> the packages that may import it (bench may import anything)
LIBRARY_OWNERS = {
    "slack_bolt": {"bot"},
    "slack_sdk": {"bot"},
    "apscheduler": {"bot"},
    "matplotlib": {"charts"},
}
# Circles that exist today, being broken by the package moves of issue 14 (item 3). Delete an
# entry when its circle is gone; never add one.
KNOWN_CYCLES: set[frozenset[str]] = set()


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return scan(ROOT, PACKAGES)


def test_every_package_is_checked() -> None:
    """A new top-level package must be given its arrows here before it can be imported."""
    ours = {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith(".") and any(path.rglob("*.py"))
    }
    assert ours - {"tests"} == set(PACKAGES)
    assert set(ALLOWED) == set(PACKAGES)


def test_the_scan_sees_every_package(imports: list[Import]) -> None:
    """Guards the guard: a scan that found nothing would pass every rule below."""
    importers = {found.importer.split(".")[0] for found in imports}
    assert importers == set(PACKAGES)
    assert len(imports) > 500  # about 1,500 today


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str, imports: list[Import]) -> None:
    offenders = []
    for found in imports:
        if found.importer.split(".")[0] != package or found.top not in PACKAGES:
            continue
        if found.top != package and found.top not in ALLOWED[package]:
            offenders.append(f"{found.where(ROOT)}: {found.importer} imports {found.imported}")
        elif (only := ONLY_FROM.get((package, found.top))) and not _within(found.importer, only):
            offenders.append(
                f"{found.where(ROOT)}: {found.importer} imports {found.imported}, which only "
                f"{only} may"
            )
    assert offenders == [], _explain(package)


def test_nothing_imports_bench(imports: list[Import]) -> None:
    tests = scan(ROOT, ["tests"])
    offenders = [
        f"{found.where(ROOT)}: {found.importer} imports {found.imported}"
        for found in imports + tests
        if found.top == "bench" and found.importer.split(".")[0] != "bench"
    ]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_libraries_stay_where_they_belong(package: str, imports: list[Import]) -> None:
    offenders = [
        f"{found.where(ROOT)}: {found.importer} imports {found.imported}"
        for found in imports
        if found.importer.split(".")[0] == package
        and package != "bench"
        and found.top in LIBRARY_OWNERS
        and package not in LIBRARY_OWNERS[found.top]
    ]
    assert offenders == [], f"only {LIBRARY_OWNERS} may import these"


def test_core_is_the_standard_library_and_core(imports: list[Import]) -> None:
    offenders = [
        f"{found.where(ROOT)}: {found.importer} imports {found.imported}"
        for found in imports
        if found.importer.split(".")[0] == "core"
        and found.top not in sys.stdlib_module_names
        and found.top not in ("core", "__future__")
    ]
    assert offenders == []


def test_no_new_import_circles(imports: list[Import]) -> None:
    graph = _graph(imports)
    new = [group for group in cycles(graph) if group not in KNOWN_CYCLES]
    assert new == [], "import circles:\n" + "\n".join(
        " -> ".join(a_path_round(graph, group)) for group in new
    )


def test_known_circles_still_exist(imports: list[Import]) -> None:
    """When a listed circle is broken (or its modules move), its entry must go."""
    gone = KNOWN_CYCLES - set(cycles(_graph(imports)))
    assert gone == set(), (
        f"no longer circles, so take them out of KNOWN_CYCLES: {[sorted(g) for g in gone]}"
    )


def _graph(imports: list[Import]) -> dict[str, set[str]]:
    modules = {
        module_name(ROOT, path) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }
    return module_graph(imports, modules)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _explain(package: str) -> str:
    allowed = sorted(ALLOWED[package]) or "none of kpibot's packages"
    return f"{package} may import {allowed} (see this module's docstring for why)"


MAX_LINES = 450  # past this a module does more than one job: split it (issue 14)


@pytest.mark.parametrize("package", ["bot", "commands", "core", "storage", "charts", "localslack"])
def test_no_module_is_too_long_to_read(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in sorted((ROOT / package).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these modules (over {MAX_LINES} lines): {long}"
