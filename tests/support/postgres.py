"""PostgreSQL for the tests: where it is, whether it must be there, databases of their own."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator

import asyncpg

PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg.connect takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def pg_reachable() -> bool:
    """True if the test database answers; creates it on a server that lacks it."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(PG_URL), timeout=3)
    except asyncpg.InvalidCatalogNameError:
        base, name = asyncpg_dsn(PG_URL).rsplit("/", 1)
        admin = await asyncpg.connect(f"{base}/postgres", timeout=3)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        return await pg_reachable()
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


@contextlib.asynccontextmanager
async def fresh_pg_database(prefix: str) -> AsyncIterator[str]:
    """A PostgreSQL database of its own, dropped afterwards (for several processes, pg_dump)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await admin_connection()
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def database_url(name: str) -> str:
    """The SQLAlchemy URL of database `name` on the test server."""
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


async def admin_connection() -> asyncpg.Connection:
    """A connection to the server's `postgres` database, for creating and dropping others."""
    base, _ = asyncpg_dsn(PG_URL).rsplit("/", 1)
    return await asyncpg.connect(f"{base}/postgres")


class Dropper:
    """Drops databases on a thread of its own, so no test waits for a drop.

    PostgreSQL 15 checkpoints on every DROP DATABASE (0.1–0.3 s here, much more on a busy
    server); a copy is cheap to make (~0.05 s) but would cost that again to throw away.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._pending: list[concurrent.futures.Future[None]] = []
        self._last: list[str] = []

    def drop(self, name: str) -> None:
        """Drop database `name` soon, ending whatever connections it still has."""
        self._pending.append(asyncio.run_coroutine_threadsafe(self._drop(name), self._loop))

    def drop_at_exit(self, name: str) -> None:
        """Drop database `name` after every other (a template outlives its copies)."""
        self._last.append(name)

    async def _drop(self, name: str) -> None:
        admin = await admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    def close(self) -> None:
        """Wait for the drops asked for, then stop the thread."""
        for pending in self._pending:
            pending.result(timeout=300)
        for name in self._last:
            asyncio.run_coroutine_threadsafe(self._drop(name), self._loop).result(timeout=300)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
