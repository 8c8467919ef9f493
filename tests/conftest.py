"""Fixtures: a running core on SQLite and on PostgreSQL (when reachable), with a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, build
from bot.config import load_settings
from bot.i18n import BabelTranslator
from storage.db import create_engine
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.support import FakeClock, Person
from tests.support.postgres import PG_URL, REQUIRE_POSTGRES, asyncpg_dsn, pg_reachable


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
    # Asked from inside async fixtures, so check on a thread with its own event loop.
    with ThreadPoolExecutor(1) as pool:
        ok = pool.submit(asyncio.run, pg_reachable()).result()
    if not ok and REQUIRE_POSTGRES:
        pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {PG_URL}")
    return ok


@pytest.fixture(params=["sqlite", "postgres"])
async def db(
    request: pytest.FixtureRequest, tmp_path: object
) -> AsyncIterator[tuple[str, str | None]]:
    """A fresh empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/bot.db", None
        return
    if not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(asyncpg_dsn(PG_URL))
    await conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield PG_URL, schema
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


@pytest.fixture
async def empty_engine(db: tuple[str, str | None]) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty database."""
    url, schema = db
    engine = create_engine(url, schema=schema)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    """The database migrated to the newest schema, with the demo data."""
    await upgrade(empty_engine)
    await seed_demo(empty_engine)
    return empty_engine


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
    db: tuple[str, str | None], engine: AsyncEngine, clock: FakeClock, translator: BabelTranslator
) -> AsyncIterator[App]:
    """The wired application on the test database; English when a person's phone says nothing."""
    settings = load_settings(database_url=db[0], default_locale="en")
    application = await build(settings, clock=clock, engine=engine, translator=translator)
    yield application


@pytest.fixture
def person(app: App) -> Callable[..., Person]:
    """Make a person: `person("ana")`, `person("ben", lang="de")`, `person("c", platform="x")`."""

    def make(name: str, **kw: object) -> Person:
        return Person(app.conversation, name, **kw)  # type: ignore[arg-type]

    return make
