"""The import reader behind the architecture test, on small package trees made up in tmp_path.

If the reader missed relative imports, lazy ones or circles, the architecture test would pass
whatever the code did; these tests make sure it sees them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.import_graph import a_path_round, cycles, module_graph, module_name, scan


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


def graph_of(root: Path, packages: list[str]) -> dict[str, set[str]]:
    imports = scan(root, packages)
    modules = {module_name(root, p) for package in packages for p in (root / package).rglob("*.py")}
    return module_graph(imports, modules)


def edges(root: Path, packages: list[str]) -> set[tuple[str, str, bool, bool]]:
    return {(i.importer, i.imported, i.lazy, i.type_only) for i in scan(root, packages)}


def test_relative_imports_are_resolved_to_absolute_names(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "low/__init__.py": "from . import rules\nfrom .rules import RULE\n",
            "low/rules.py": "RULE = 1\nfrom ..high import app\nfrom ..high.app import run\n",
            "low/deep/__init__.py": "",
            "low/deep/inner.py": "from ... import high\nfrom .. import rules\n",
            "high/__init__.py": "",
            "high/app.py": "def run(): ...\n",
        },
    )
    assert edges(tmp_path, ["low", "high"]) == {
        ("low", "low.rules", False, False),  # `from . import rules` in a package's __init__
        ("low.rules", "high.app", False, False),  # `from ..high import app`: a submodule
        ("low.deep.inner", "high", False, False),  # `from ... import high`: a package
        ("low.deep.inner", "low.rules", False, False),
    }


def test_a_name_that_is_not_a_module_is_imported_from_its_module(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from pkg.b import thing, c\n",
                          "pkg/b/__init__.py": "thing = 1\n", "pkg/b/c.py": ""})  # fmt: skip
    assert edges(tmp_path, ["pkg"]) == {
        ("pkg.a", "pkg.b.c", False, False),
        ("pkg.a", "pkg.b", False, False),
    }


def test_a_relative_import_above_the_top_package_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from ... import x\n"})
    with pytest.raises(ValueError, match="beyond the top-level package"):
        scan(tmp_path, ["pkg"])


def test_type_checking_and_function_imports_are_marked(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": """
                import typing
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from pkg import b
                else:
                    from pkg import c
                if typing.TYPE_CHECKING:
                    import pkg.d
                class Holder:
                    from pkg import e
                try:
                    import pkg.f
                except ImportError:
                    import pkg.g
                def later():
                    from pkg import h
                async def later_too():
                    if TYPE_CHECKING:
                        import pkg.i
            """,
            **{f"pkg/{name}.py": "" for name in "bcdefghi"},
        },
    )
    found = {
        (imported, lazy, type_only) for _, imported, lazy, type_only in edges(tmp_path, ["pkg"])
    }
    assert found == {
        ("typing", False, False),
        ("pkg.b", False, True),
        ("pkg.c", False, False),
        ("pkg.d", False, True),
        ("pkg.e", False, False),  # a class body runs at import time
        ("pkg.f", False, False),
        ("pkg.g", False, False),
        ("pkg.h", True, False),
        ("pkg.i", True, True),
    }


def test_a_circle_is_found_and_shown_as_a_path(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "from . import c\n",
            "pkg/c.py": "import pkg.a\nimport pkg.leaf\n",
            "pkg/leaf.py": "import os\n",
            "pkg/x.py": "from pkg import y\n",
            "pkg/y.py": "def later():\n    from pkg import x\n",  # lazy imports count
        },
    )
    graph = graph_of(tmp_path, ["pkg"])
    assert cycles(graph) == [frozenset({"pkg.a", "pkg.b", "pkg.c"}), frozenset({"pkg.x", "pkg.y"})]
    assert a_path_round(graph, frozenset({"pkg.a", "pkg.b", "pkg.c"})) == [
        "pkg.a",
        "pkg.b",
        "pkg.c",
        "pkg.a",
    ]


def test_a_type_checking_import_back_is_no_circle(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/results.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from pkg.digest import Digest\n",
            "pkg/digest.py": "from pkg.results import Result\n",
        },
    )
    assert cycles(graph_of(tmp_path, ["pkg"])) == []


def test_a_dag_has_no_circles() -> None:
    graph = {"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert cycles(graph) == []
    assert cycles({**graph, "c": {"d"}}) == [frozenset({"a", "b", "c", "d"})]
