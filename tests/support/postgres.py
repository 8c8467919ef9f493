"""PostgreSQL for the tests: where it is, whether it must be there, databases of their own."""

from __future__ import annotations

import contextlib
import os
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
    base, _ = asyncpg_dsn(PG_URL).rsplit("/", 1)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{base}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
