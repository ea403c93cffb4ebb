"""The package's layout: imports run down the pipeline's floors, and no module imports itself back.

Every ``import`` counts, including those inside functions and under ``TYPE_CHECKING``: a lazy
import hides a loop from Python, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "coder"

# The floors, bottom up. A module may import from its own package or from a lower floor.
FLOORS: dict[str, int] = {
    "coder": 0,
    "coder.errors": 0,
    "coder.data": 1,
    "coder.studio": 2,
    "coder.suggest": 2,
    "coder.agreement": 2,
    "coder.reconcile": 2,
    "coder.refi": 2,
    "coder.loop": 3,
    "coder.tables": 3,
    "coder.demo": 4,
    "coder.cli": 5,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (``from pkg import mod`` names the module)."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "coder")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "coder":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def _package(module: str) -> str:
    """The floor entry a module belongs to (its longest prefix in FLOORS)."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in FLOORS:
            return prefix
    raise AssertionError(f"{module} is in no floor: add its package to FLOORS in {__file__}")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_every_module_has_a_floor(graph: dict[str, set[str]]) -> None:
    for module in graph:
        _package(module)


def test_imports_run_only_downward(graph: dict[str, set[str]]) -> None:
    wrong = []
    for module, imported in graph.items():
        home = _package(module)
        for other in imported:
            there = _package(other)
            if there == home or other == "coder":
                continue
            if FLOORS[there] >= FLOORS[home]:
                wrong.append(
                    f"{module} (floor {FLOORS[home]}) imports {other} (floor {FLOORS[there]})"
                )
    assert not wrong, "imports that run up or sideways:\n" + "\n".join(sorted(wrong))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_loops(graph: dict[str, set[str]]) -> None:
    # A package's __init__ may re-export its modules; a loop through it is still a loop.
    assert _cycles(graph) == []


def test_the_checks_catch_what_they_should() -> None:
    loop = {
        "coder.a": {"coder.b"},
        "coder.b": {"coder.c"},
        "coder.c": {"coder.a"},
        "coder.d": set(),
    }
    assert _cycles(loop) == [["coder.a", "coder.b", "coder.c"]]
    assert _package("coder.suggest.train") == "coder.suggest"
    assert FLOORS[_package("coder.cli.main")] > FLOORS[_package("coder.tables.report")]


def test_modules_stay_small() -> None:
    # About 400 lines, unless a module is one concept (listed here with the reason).
    one_concept = {
        "coder.agreement.kappa": "the kappa family, one estimator per paper",
        "coder.agreement._data": "the one checked input of every agreement statistic",
    }
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > 450 and name not in one_concept
    }
    assert long == {}


def test_the_readme_layout_matches_the_floors() -> None:
    # The README's layout table names each package with its floor, as FLOORS does.
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Layout", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            path = cells[1].strip("`").rstrip("/").removesuffix(".py")
            rows[path.replace("/", ".")] = int(cells[0])
    assert rows == {name: floor for name, floor in FLOORS.items() if name != "coder"}
    for name in rows:
        assert (ROOT / name.replace(".", "/")).exists() or (
            ROOT / (name.replace(".", "/") + ".py")
        ).exists(), name
