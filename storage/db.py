"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_inline


def is_sqlite(url: str) -> bool:
    """True for a SQLite database URL."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine; `schema` sets PostgreSQL's search_path (tests use one schema each)."""
    kwargs: dict[str, Any] = {
        "echo": echo,
        "hide_parameters": True,
    }  # keep personal data out of logs
    if is_sqlite(url):
        # SQLite calls run on the event loop (see storage.sqlite_inline). The timeout covers
        # another process (a CLI command) holding the write lock.
        database = make_url(url).database or ":memory:"
        kwargs["async_creator"] = sqlite_inline.connector(database, timeout=30)
        if database != ":memory:":
            # One connection per process: units of work queue for it in asyncio rather than
            # waiting for each other's locks inside SQLite, which would block the loop.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    else:
        kwargs["pool_pre_ping"] = True
        if schema:
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def lock_row(session: AsyncSession, table: Any, row_id: int) -> None:
    """Hold a row's lock until the transaction ends, so changes that depend on it take turns.

    PostgreSQL only: SQLite has a single writer, which serialises them already.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(table.id).where(table.id == row_id).with_for_update())
