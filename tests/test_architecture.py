"""Dependencies point one way: bot -> commands -> core/storage/charts.

Only bot/ (the Slack edge and process wiring) may import Slack or scheduler libraries, and no
package may import one above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EDGE_LIBRARIES = ("slack_bolt", "slack_sdk", "apscheduler")
# package -> packages of ours it must not import
FORBIDDEN = {
    "core": (
        "bot",
        "commands",
        "storage",
        "charts",
        "localslack",
        "sqlmodel",
        "sqlalchemy",
        "matplotlib",
    ),
    "storage": ("bot", "commands", "charts", "localslack"),
    "charts": ("bot", "commands", "storage", "localslack"),
    "commands": ("bot", "localslack"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    banned = FORBIDDEN[package] + EDGE_LIBRARIES
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in _imports(path):
            if module.split(".")[0] in banned:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []
