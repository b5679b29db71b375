"""The layers of the README's layout hold: no import runs up a floor, and no modules import each other.

Floors, from the ground up:

    models/                  settings, clock, migrations, data access, tables, services, pure rules
    scorecards/, reminders/  two neighbours on the same floor: neither imports the other
    api/                     app, controllers, pages, CLI: may import every floor below

`piccolo_conf.py` (the engine Piccolo reads) stands on the ground floor with `models/`. Every
import is read from the source (ast), including imports inside functions, which hide an arrow
from a reader but not from Python.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOORS = {"piccolo_conf": 0, "models": 0, "scorecards": 1, "reminders": 1, "api": 2}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the application (tests, bench and migrations are no floor of it)."""
    paths = [REPO / "piccolo_conf.py"]
    for package in FLOORS:
        if (REPO / package).is_dir():
            paths += sorted((REPO / package).rglob("*.py"))
    return {module_name(p): p for p in paths if "piccolo_migrations" not in p.parts}


def imported(path: Path, name: str, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The project modules this module imports, with the line of each import statement."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from models import clock` imports the module models.clock; `from x import name`, x.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno


def import_graph() -> dict[str, dict[str, int]]:
    modules = project_modules()
    return {name: dict(imported(path, name, modules)) for name, path in modules.items()}


def floor_of(module: str) -> tuple[str, int]:
    top = module.split(".")[0]
    return top, FLOORS[top]


def test_no_module_imports_from_a_floor_above_or_from_its_neighbour() -> None:
    wrong = []
    for module, targets in import_graph().items():
        top, floor = floor_of(module)
        for target, line in targets.items():
            target_top, target_floor = floor_of(target)
            if target_floor > floor or (target_floor == floor and target_top != top and floor > 0):
                wrong.append(f"{module}:{line} imports {target}")
    assert not wrong, "imports that run up a floor (or across to a neighbour):\n" + "\n".join(wrong)


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other through imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_modules_import_each_other() -> None:
    graph = import_graph()
    circles = strongly_connected(graph)
    described = [
        " -> ".join(circle)
        + "\n    "
        + ", ".join(f"{a}:{graph[a][b]} imports {b}" for a in circle for b in circle if b in graph[a])
        for circle in circles
    ]
    assert not circles, "modules that import each other:\n" + "\n".join(described)


def test_the_import_reader_sees_imports_inside_functions() -> None:
    """The test above would pass vacuously if hidden imports went unread: check one we know of."""
    graph = import_graph()
    assert "api.pages.dashboard" in graph["api.pages"]  # imported inside `page_routes()`
    assert graph["scorecards.publishing"].keys() >= {"models.demo", "scorecards.snapshots"}
