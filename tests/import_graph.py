"""Who imports what, read from the source with `ast` (nothing is imported or executed).

The architecture test (tests/test_architecture.py) checks its rules against this, and
tests/test_import_graph.py checks this reader on small made-up package trees, so a reader that
quietly finds nothing cannot make the architecture test pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, e.g. "core.goals"
    imported: str  # absolute module name, relative imports resolved, e.g. "bot.runtime"
    path: Path
    line: int
    lazy: bool  # inside a function: runs when the function is called, not at import time
    type_only: bool  # under `if TYPE_CHECKING:`: never runs at all

    @property
    def top(self) -> str:
        return self.imported.split(".")[0]

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path, packages: Iterable[str]) -> Iterator[Path]:
    for package in packages:
        yield from sorted((root / package).rglob("*.py"))


def scan(root: Path, packages: Iterable[str]) -> list[Import]:
    """Every import statement in the packages under `root`, in file order."""
    found: list[Import] = []
    files = list(source_files(root, packages))
    modules = {module_name(root, path) for path in files}
    for path in files:
        found.extend(imports_of(root, path, modules))
    return found


def imports_of(
    root: Path, path: Path, modules: set[str] | frozenset[str] = frozenset()
) -> list[Import]:
    """The imports of one file. `from package import name` names the submodule
    `package.name` when that is one of `modules`, else the package itself."""
    importer = module_name(root, path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def record(node: ast.stmt, names: list[str], lazy: bool, type_only: bool) -> None:
        for name in names:
            found.append(Import(importer, name, path, node.lineno, lazy, type_only))

    def visit(body: list[ast.stmt], lazy: bool, type_only: bool) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                record(node, [alias.name for alias in node.names], lazy, type_only)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, importer, is_package)
                if not base:  # `from ... import package`: the names are top-level packages
                    record(node, [alias.name for alias in node.names], lazy, type_only)
                    continue
                targets = [f"{base}.{alias.name}" for alias in node.names]
                named = [t for t in targets if t in modules]
                # `from x import a, b` where a is a module and b a function imports both
                unnamed = len(named) < len(targets)
                record(node, named + ([base] if unnamed else []), lazy, type_only)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, True, type_only)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.body, lazy, True)
                visit(node.orelse, lazy, type_only)
            else:
                # class bodies, if/try/with/for at module level: all run at import time
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        statements = [c for c in children if isinstance(c, ast.stmt)]
                        nested = [c for c in children if not isinstance(c, ast.stmt)]
                        visit(statements, lazy, type_only)
                        for handler in nested:  # except handlers and match cases
                            visit(getattr(handler, "body", []), lazy, type_only)

    visit(tree.body, False, False)
    return found


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """`from ..x import y` inside importer -> "parent.x" (the base the names come from)."""
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level - 1 > len(package):
        raise ValueError(f"{importer}: relative import beyond the top-level package")
    base = package[: len(package) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


# --- circles --------------------------------------------------------------------------------


def module_graph(imports: Iterable[Import], modules: set[str]) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports. `if TYPE_CHECKING:` imports are left out (they
    never run); imports inside functions are kept (see tests/test_architecture.py for why)."""
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for found in imports:
        if found.type_only or found.imported not in modules or found.imported == found.importer:
            continue
        graph.setdefault(found.importer, set()).add(found.imported)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The import circles: groups of modules that each reach all the others (strongly connected
    components of more than one module), found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(module: str) -> None:
        index[module] = lowlink[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                connect(target)
                lowlink[module] = min(lowlink[module], lowlink[target])
            elif target in on_stack:
                lowlink[module] = min(lowlink[module], index[target])
        if lowlink[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return sorted(found, key=sorted)


def a_path_round(graph: Mapping[str, set[str]], group: frozenset[str]) -> list[str]:
    """One concrete way round a circle, for the failure message: a -> b -> c -> a."""
    start = min(group)
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for target in sorted(graph[module] & group):
            if target == start:
                path = [module]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if target not in previous:
                previous[target] = module
                queue.append(target)
    raise ValueError(f"{sorted(group)} is not a circle")
