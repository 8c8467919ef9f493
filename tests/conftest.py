"""Fixtures: a running core on SQLite and on PostgreSQL (when reachable), with a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, build
from bot.config import load_settings
from bot.i18n import BabelTranslator
from storage.db import create_engine
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.support import FakeClock, Person
from tests.support.postgres import (
    PG_URL,
    REQUIRE_POSTGRES,
    Dropper,
    admin_connection,
    database_url,
    fresh_pg_database,
    pg_reachable,
)

T = TypeVar("T")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database made by the commands `migrate` and `seed --demo`, once per process."""
    from tests.support.commands import cli

    path = tmp_path_factory.mktemp("demo") / "cli.db"
    for verb in (("migrate",), ("seed", "--demo")):
        done = cli(*verb, db=path)
        assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def cli_db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of that demo database for one test (copying is quicker than two commands)."""
    copy = tmp_path / "cli.db"
    # Private, as the bot makes its databases (a copy sqlite3 made 0644 would be tightened,
    # and logged, by the first command).
    os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with (
        contextlib.closing(sqlite3.connect(demo_db)) as source,
        contextlib.closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)  # with what is still in the write-ahead log
    return copy


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """Whether PostgreSQL answers; with REQUIRE_POSTGRES=1 its absence fails the run."""
    ok = _on_a_thread(pg_reachable)
    if not ok and REQUIRE_POSTGRES:
        pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {PG_URL}")
    return ok


def _on_a_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run async `work` from a synchronous (session) fixture, on a loop of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


async def _migrate_and_seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await seed_demo(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated and seeded once per test process, for tests to copy."""
    path = tmp_path_factory.mktemp("template") / "bot.db"
    _on_a_thread(lambda: _migrate_and_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def dropper() -> Iterator[Dropper]:
    """Where the PostgreSQL copies go when their test is over."""
    dropper = Dropper()
    yield dropper
    dropper.close()


@pytest.fixture(scope="session")
def pg_template(dropper: Dropper) -> str:
    """A PostgreSQL database migrated and seeded once per test process, for tests to copy."""
    name = f"tpl_{uuid.uuid4().hex[:12]}"

    async def make() -> None:
        admin = await admin_connection()
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await _migrate_and_seed(database_url(name))

    _on_a_thread(make)
    dropper.drop_at_exit(name)
    return name


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each database test runs on SQLite and on PostgreSQL (skipped when it is not reachable)."""
    if request.param == "postgres" and not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL not reachable")
    return str(request.param)


@pytest.fixture
async def db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the test's own, migrated and seeded: a copy of the process's template.

    SQLite: the template file copied. PostgreSQL: `CREATE DATABASE … TEMPLATE`, dropped after.
    """
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        copy = tmp_path / "bot.db"
        # Private, as the bot makes its databases.
        os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        shutil.copyfile(template, copy)
        yield f"sqlite+aiosqlite:///{copy}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    dropper: Dropper = request.getfixturevalue("dropper")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    finally:
        await admin.close()
    try:
        yield database_url(name)
    finally:
        dropper.drop(name)


@pytest.fixture
async def empty_db(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh empty database: a SQLite file, or a PostgreSQL database of its own."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/empty.db"
        return
    async with fresh_pg_database("empty") as url:
        yield url


@pytest.fixture
async def empty_engine(empty_db: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty database."""
    engine = create_engine(empty_db)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(db: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, at the newest schema, with the demo data."""
    engine = create_engine(db)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def translator() -> BabelTranslator:
    """The real catalogs (loaded once)."""
    return BabelTranslator("Europe/Belgrade")


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when a test says so."""
    return FakeClock()


@pytest.fixture
async def app(
    db: str, engine: AsyncEngine, clock: FakeClock, translator: BabelTranslator
) -> AsyncIterator[App]:
    """The wired application on the test database; English when a person's phone says nothing."""
    settings = load_settings(database_url=db, default_locale="en")
    application = await build(settings, clock=clock, engine=engine, translator=translator)
    yield application


@pytest.fixture
def person(app: App) -> Callable[..., Person]:
    """Make a person: `person("ana")`, `person("ben", lang="de")`, `person("c", platform="x")`."""

    def make(name: str, **kw: object) -> Person:
        return Person(app.conversation, name, **kw)  # type: ignore[arg-type]

    return make
