"""The layers of DESIGN.md: the core imports no messenger, web or database library."""

from __future__ import annotations

import ast
from pathlib import Path

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
