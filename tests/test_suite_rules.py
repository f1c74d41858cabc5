"""Rules for the test suite itself, so it keeps meaning what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.import_graph import scan

ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"


def test_every_end_to_end_test_is_marked_e2e(request: pytest.FixtureRequest) -> None:
    """`-m "not e2e"` must leave out every test under tests/e2e (tests/e2e/conftest.py marks
    them). Checked on this run's own collection when it has them all (`make test`, and each
    pytest-xdist worker), else on a fresh collection of tests/e2e."""
    modules = {str(p.relative_to(ROOT)) for p in E2E.glob("test_*.py")}
    items = [item for item in request.session.items if item.path.is_relative_to(E2E)]
    if {str(item.path.relative_to(ROOT)) for item in items} == modules:
        unmarked = [item.nodeid for item in items if item.get_closest_marker("e2e") is None]
        assert unmarked == []
        return
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-m", "e2e", str(E2E)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "deselected" not in collected.stdout, collected.stdout
    assert {
        line.split("::")[0] for line in collected.stdout.splitlines() if "::" in line
    } == modules


def test_tests_import_helpers_never_other_test_modules() -> None:
    """Shared helpers live in helper modules (tests/e2e/slack_text.py, ...): importing a test
    module runs its tests twice and ties unrelated tests together."""
    offenders = [
        f"{found.where(ROOT)}: {found.importer} imports {found.imported}"
        for found in scan(ROOT, ["tests"])
        if found.top == "tests" and found.imported.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert offenders == []
