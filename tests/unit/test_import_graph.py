"""No import cycles in the runtime packages, found from the source alone (``ast``, no imports).

Every ``import`` and ``from … import`` counts, wherever it stands: module level, inside a
function, under ``if TYPE_CHECKING:``. ``from pkg import name`` is an edge to ``pkg.name`` when
that is a module of the tree, else to ``pkg``; relative imports are resolved against the
importing module's package. Parent packages that Python initialises on the way (``a`` for
``import a.b``) are not edges: a package importing its own submodules is not a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("events", "services", "projections", "adapters")

Graph = dict[str, set[str]]


def modules_of(root: Path, packages: tuple[str, ...]) -> dict[str, tuple[Path, bool]]:
    """``dotted name -> (file, is_package)`` for every ``.py`` file under ``packages``."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imported(node: ast.AST, package: str, modules) -> list[str]:
    """The dotted names one import statement refers to (modules, or the module a name is
    taken from)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    source = node.module or ""
    if node.level:
        parts = package.split(".")
        source = ".".join(parts[:len(parts) - node.level + 1] + ([source] if source else []))
    return [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
            for alias in node.names]


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> Graph:
    """``module -> modules of the tree it imports``."""
    modules = modules_of(root, packages)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges = {resolve(imported) for node in ast.walk(tree)
                 for imported in _imported(node, package, modules)}
        graph[name] = edges - {None, name}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (``a -> b -> … -> a``) per strongly connected component of two or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan; the graph is small enough to recurse
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_through(graph, component) for component in components]


def _path_through(graph: Graph, component: list[str]) -> list[str]:
    start, members = component[0], set(component)
    paths = [[start]]
    while paths:  # breadth first: the shortest way back to start inside the component
        path = paths.pop(0)
        for target in sorted(graph[path[-1]] & members):
            if target == start:
                return path + [start]
            if target not in path:
                paths.append(path + [target])
    return component


def test_the_runtime_packages_have_no_import_cycle():
    found = cycles(import_graph(ROOT))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_graph_sees_every_form_of_import(tmp_path):
    files = {
        "pkg/__init__.py": "from pkg import a  # a package importing its own module: no cycle\n",
        "pkg/a.py": "def later():\n    from . import b\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.sub.c\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "from ..a import later\nfrom pkg.sub import VALUE\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.sub"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_is_read(package):
    assert any(name.startswith(f"{package}.") for name in import_graph(ROOT, (package,)))
