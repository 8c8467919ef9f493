"""The test suite's own shape: no test module imports another; shared helpers live in
tests/support, shared fixtures in a conftest.py, so each module can be read and run alone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _is_test_module(dotted: str) -> bool:
    """`tests.flows.test_workshops`, `tests.conftest`: a module tests/support must stand in for."""
    parts = dotted.split(".")
    return parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts[1:])


def imports_of_test_modules(source: str, module: str) -> list[str]:
    """The test modules (and conftest modules) that `source`, the module `module`, imports."""
    package = module.split(".")[:-1]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):  # imports inside functions count too
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if _is_test_module(target):
                found.append(target)
            else:
                found += [
                    f"{target}.{a.name}"
                    for a in node.names
                    if _is_test_module(f"{target}.{a.name}")
                ]
    return found


def test_the_check_finds_every_way_of_importing_a_test_module() -> None:
    module = "tests.flows.test_here"
    for source in (
        "from tests.flows.test_workshops import joined",
        "import tests.test_cli",
        "from tests.flows import test_workshops",
        "from tests import conftest",
        "from tests.conftest import clock",
        "from .test_workshops import joined",
        "from ..transports.test_telegram_run import cli",
        "def f():\n    from tests.test_import import GOOD",
    ):
        assert imports_of_test_modules(source, module), source
    for source in (
        "from tests.support.journeys import joined",
        "from tests.support import START",
        "from tests.fakes.telegram_api import FakeTelegram",
        "import pytest",
        "from handlers.model import Role",
    ):
        assert not imports_of_test_modules(source, module), source


def test_no_test_module_imports_another() -> None:
    files = sorted((ROOT / "tests").rglob("*.py"))
    assert any(p.name == "conftest.py" for p in files)
    bad = {}
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        found = imports_of_test_modules(path.read_text(encoding="utf-8"), ".".join(parts))
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, f"move shared helpers to tests/support, fixtures to a conftest.py: {bad}"
