"""docs/architecture.md and the README's layout table name real things (docs that drift fail).

Every file or folder path and every dotted name of ours that the page puts in backticks must
exist, and every top-level package must be in both the page's and the README's tables."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("core", "storage", "charts", "commands", "bot", "localslack", "bench")
_TICKED = re.compile(r"`([^`\s]+)`")


def _ticked(text: str) -> set[str]:
    return set(_TICKED.findall(text))


def _paths(text: str) -> set[str]:
    return {t for t in _ticked(text) if "/" in t and t.split("/")[0] in (*PACKAGES, "tests")}


def _dotted(text: str) -> set[str]:
    return {
        t
        for t in _ticked(text)
        if "." in t and "/" not in t and t.split(".")[0] in PACKAGES and not t.endswith(".py")
    }


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of `dotted`, then follow attributes for the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("path", sorted(_paths(DOC.read_text(encoding="utf-8"))))
def test_every_path_on_the_page_exists(path: str) -> None:
    assert (ROOT / path).exists(), f"docs/architecture.md names {path}, which does not exist"


@pytest.mark.parametrize("name", sorted(_dotted(DOC.read_text(encoding="utf-8"))))
def test_every_dotted_name_on_the_page_exists(name: str) -> None:
    try:
        _resolve(name)
    except (ModuleNotFoundError, AttributeError) as exc:
        pytest.fail(f"docs/architecture.md names {name}, which does not exist ({exc})")


@pytest.mark.parametrize("document", ["docs/architecture.md", "README.md"])
def test_every_package_is_in_the_tables(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    rows = {m.group(1) for m in re.finditer(r"^\| `(\w+)/` \|", text, re.MULTILINE)}
    assert rows == set(PACKAGES), f"{document}'s package table: {sorted(rows)}"


def test_the_checks_find_what_they_look_for() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "bot/delivery/engine.py" in _paths(text)
    assert "commands.values.log_value" in _dotted(text)
