"""The layers of DESIGN.md: the core imports no messenger, web or database library."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

FORBIDDEN = {"aiogram", "httpx", "aiohttp", "sqlalchemy", "asyncpg", "aiosqlite", "alembic"}
ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_handlers_import_no_edge_library():
    files = list((ROOT / "handlers").rglob("*.py"))
    assert files
    for path in files:
        bad = imported_modules(path) & (FORBIDDEN | {"bot", "storage"})
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_storage_does_not_import_the_edges():
    for path in (ROOT / "storage").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        bad = imported_modules(path) & {"aiogram", "httpx", "aiohttp", "bot"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads, `if TYPE_CHECKING:` ones included (a cycle there
    is still a cycle for the reader and for mypy); imports inside functions are left out."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try):
            pending += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            pending += [s for h in getattr(node, "handlers", []) for s in h.body]


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports at load time."""
    modules = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif node.module and node.level == 0:
                # `from pkg import submodule` needs the submodule, not what pkg/__init__ holds.
                subs = {f"{node.module}.{a.name}" for a in node.names}
                found |= (subs & modules.keys()) or {node.module}
                if subs - modules.keys():
                    found.add(node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycles_finds_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def journeys(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph with each flow package (`handlers.flows.announce.*`) as one node.

    The screens of one journey link to each other (a list to an item and back), so its
    modules may import each other; between journeys and layers no loop is allowed.
    """
    packages = {m for m in graph if (ROOT / m.replace(".", "/") / "__init__.py").exists()}

    def node(module: str) -> str:
        parts = module.split(".")
        if parts[:2] == ["handlers", "flows"] and len(parts) > 3:
            return ".".join(parts[:3]) if ".".join(parts[:3]) in packages else module
        return module

    merged: dict[str, set[str]] = {}
    for module, imported in graph.items():
        merged.setdefault(node(module), set()).update(node(m) for m in imported)
    return {m: imported - {m} for m, imported in merged.items()}


@pytest.mark.parametrize("package", ["handlers", "storage", "bot"])
def test_no_import_cycles(package: str):
    graph = import_graph(package)
    if package == "handlers":
        # The pair that imported each other: the edge that stays is seen, the other is gone.
        assert "handlers.ports" in graph["handlers.notices"]
        graph = journeys(graph)
        assert "handlers.flows.announce" in graph and "handlers.flows.announce.home" not in graph
    found = cycles(graph)
    assert not found, f"modules of {package} import each other: {found}"


def _runtime_imports(tree: ast.AST) -> Iterator[str]:
    """Every module imported when the code runs (anywhere but under `if TYPE_CHECKING:`)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from (m for child in node.orelse for m in _runtime_imports(child))
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)
        yield from _runtime_imports(node)


def test_only_the_command_line_uses_the_composition_root():
    """bot/bootstrap.py builds the worker, the scheduler and the transports; none of what it
    builds reaches back for the App."""
    for path in (ROOT / "bot").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() in {"bot/bootstrap.py", "bot/cli.py"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert "bot.bootstrap" not in set(_runtime_imports(tree)), path.relative_to(ROOT)


def test_rules_are_pure():
    """handlers/rules decides without I/O: no coroutine, no unit of work, no flow context."""
    impure = ("handlers.ports", "handlers.context", "handlers.usecases", "handlers.flows")
    files = list((ROOT / "handlers" / "rules").rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.AsyncFunctionDef | ast.Await), (
                f"{where}:{node.lineno} is async: use cases go to handlers/usecases"
            )
            if isinstance(node, ast.ImportFrom) and node.module:
                found = [node.module + "." + a.name for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            bad = [m for m in found if m.startswith(impure)]
            assert not bad, f"{where}:{node.lineno} imports {bad}"
