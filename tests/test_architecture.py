"""The house plan of docs/architecture.md, checked from the imports: no import cycle anywhere in
src/ and server/, and every import points from a room down to a lower one, never back up."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"ssbonto": REPO / "src" / "ssbonto", "ssbonto_server": REPO / "server" / "ssbonto_server"}

# room -> rank: a module may import its own room and rooms of a lower rank (docs/architecture.md)
ROOMS = {
    "foundation": 0,  # ssbonto.errors, prefixes, namespaces, sources, layout, the package itself
    "store": 1,
    "build": 2,
    "interop": 3,
    "answers": 3,
    "server": 4,
    "cli": 5,
}


def module_files() -> dict[str, Path]:
    modules = {}
    for package, root in PACKAGES.items():
        for path in root.rglob("*.py"):
            parts = [package, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that `name` imports anywhere in its file (function-level imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from package import module` imports the module; `from module import name` the module
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def room(module: str) -> str:
    if module.startswith("ssbonto_server"):
        return "server"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ROOMS:
        return parts[1]
    return "foundation"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_imports_it_must_see():
    graph = import_graph()
    assert "ssbonto.build.populate" in graph["ssbonto.build.pipeline"]
    assert "ssbonto.store.embedded" in graph["ssbonto.build.pipeline"]  # a relative `from ..store.embedded import`
    assert "ssbonto.build.reason" in graph["ssbonto.interop.merge"]
    assert "ssbonto_server.sparql.query_runner" in graph["ssbonto_server.health"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_imports_point_down_the_rooms():
    upward = sorted(f"{module} ({room(module)}) imports {target} ({room(target)})"
                    for module, targets in import_graph().items() for target in targets
                    if ROOMS[room(target)] > ROOMS[room(module)]
                    or (ROOMS[room(target)] == ROOMS[room(module)] and room(target) != room(module)))
    assert upward == []


def test_every_module_is_in_a_named_room():
    # the flat foundation stays small: everything else lives in a room named after its stage
    foundation = sorted(m for m in import_graph() if room(m) == "foundation")
    assert foundation == ["ssbonto", "ssbonto.errors", "ssbonto.layout", "ssbonto.namespaces", "ssbonto.prefixes",
                          "ssbonto.sources"]
