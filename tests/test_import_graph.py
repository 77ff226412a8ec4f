"""The project's own import graph: no cycle among the modules under linter/, and every deferred import says why.

Read from the source (the AST of every module), not from an interpreter's `sys.modules`, so that an import inside a
function counts although no test happens to run that function.

Edges: every `import` / `from ... import` of a project module, anywhere in a module: at the top, inside a function or
a class, and inside `if TYPE_CHECKING:` blocks too. A type-only import still ties the two modules together (mypy
reads both, and the annotation names one module's class in the other), and counting it keeps the rule simple: a
layer below never names a layer above, not even in a type. `from pkg import name` is an edge to `pkg.name` when that
is a module, else to `pkg` (importing a name from a package runs the package's `__init__`); relative imports are
resolved first. A module importing itself does not count.

Deferred imports: an import of a `linter.` or `rules.` module inside a function is allowed only where it buys
start-up time or defers a heavy module (the parser, pydantic, an optional dependency), and its first line then
carries a comment starting with `# lazy:` that says which. An unmarked one belongs at the top of its module.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("linter", "rules")
LAZY_MARK = "# lazy:"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(packages: tuple[str, ...]) -> dict[str, Path]:
    return {_module_name(p): p for package in packages for p in sorted((ROOT / package).rglob("*.py"))}


MODULES = _modules(PACKAGES)


def _base(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The absolute name a `from` import reads from (relative imports resolved against the importing module)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, *([node.module] if node.module else [])])


def _targets(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    """The project modules one import statement imports (see the module docstring for `from pkg import name`)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _base(node, module, path)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    return [name for name in dict.fromkeys(names) if name in MODULES and name != module]


def _imports(path: Path) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement of a module, and whether it sits inside a function."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child, in_function))
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inside)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _graph(package: str) -> dict[str, dict[str, int]]:
    """For each module of the package: the project modules it imports, with the line of the first such import."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        if module != package and not module.startswith(package + "."):
            continue
        edges = graph.setdefault(module, {})
        for node, _ in _imports(path):
            for target in _targets(node, module, path):
                if target == package or target.startswith(package + "."):
                    edges.setdefault(target, node.lineno)
    return graph


def _cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle of the graph as a list of modules (the first repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(module: str) -> list[str] | None:
        path.append(module)
        on_path.add(module)
        for target in sorted(graph.get(module, {})):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        on_path.discard(path.pop())
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            found = visit(module)
            if found:
                return found
    return None


def test_no_import_cycle_under_linter() -> None:
    graph = _graph("linter")
    cycle = _cycle(graph)
    if cycle is not None:
        steps = [
            f"  {a} imports {b} ({MODULES[a].relative_to(ROOT)}:{graph[a][b]})" for a, b in itertools.pairwise(cycle)
        ]
        pytest.fail("import cycle: " + " -> ".join(cycle) + "\n" + "\n".join(steps))


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {}, "c": {"a": 1, "b": 2}}) is None


@pytest.mark.parametrize("module", sorted(MODULES), ids=str)
def test_function_level_project_imports_say_why(module: str) -> None:
    path = MODULES[module]
    lines = path.read_text(encoding="utf-8").splitlines()
    unmarked = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}"
        for node, in_function in _imports(path)
        if in_function and _targets(node, module, path) and LAZY_MARK not in lines[node.lineno - 1]
    ]
    assert not unmarked, (
        f"imports inside functions without a `{LAZY_MARK} why` comment (move them to the top unless they defer a "
        "heavy module):\n" + "\n".join(unmarked)
    )
