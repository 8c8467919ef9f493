"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Awaitable, Callable
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

log = logging.getLogger("reintegrate.storage")
# The database holds personal data: readable and writable by the bot's own user only, like
# the backups (which mkstemp makes 0600).
PRIVATE = 0o600


def is_sqlite(url: str) -> bool:
    """True for a SQLite database URL."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine on `url` (SQLite or PostgreSQL), with our pool and connection settings."""
    kwargs: dict[str, Any] = {
        "echo": echo,
        "hide_parameters": True,
    }  # keep personal data out of logs
    if is_sqlite(url):
        # SQLite calls run on the event loop (see storage.sqlite_inline). The timeout covers
        # another process (a CLI command) holding the write lock.
        database = make_url(url).database or ":memory:"
        kwargs["async_creator"] = _private(database, sqlite_inline.connector(database, timeout=30))
        if database != ":memory:":
            # One connection per process: units of work queue for it in asyncio rather than
            # waiting for each other's locks inside SQLite, which would block the loop.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def private_sqlite_file(path: str) -> None:
    """Create the SQLite file at `path` readable by its owner only, or take others' access away.

    SQLite makes a new file 0644 (less the umask), and its -wal and -shm files copy the main
    file's mode when it creates them; so a main file made 0600 first keeps all three private.
    A file left 0644 by an older version is tightened here, with its -wal and -shm if present.
    """
    if path == ":memory:" or not path:
        return
    try:
        # O_EXCL: an existing database is never truncated; an empty file is an empty database.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass
    except OSError:
        return  # e.g. no such directory: sqlite3.connect gives its own error for that
    tightened = []
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
        except OSError:
            continue  # no -wal or -shm now: SQLite will make them from the main file's mode
        if not mode & 0o077:
            continue
        try:
            os.chmod(name, mode & ~0o077)
            tightened.append(name)
        except OSError as exc:  # another user's file: the bot still runs, the operator is told
            log.warning(
                "database file readable by others, cannot change that",
                extra={"file": name, "mode": oct(mode), "error": exc.strerror},
            )
    if tightened:
        log.info(
            "database file permissions tightened to owner only",
            extra={"files": ",".join(tightened)},
        )


def _private(
    path: str, connect: Callable[[], Awaitable[sqlite_inline.InlineConnection]]
) -> Callable[[], Awaitable[sqlite_inline.InlineConnection]]:
    """`connect`, making sure first that the database file is private (see above)."""

    async def creator() -> sqlite_inline.InlineConnection:
        private_sqlite_file(path)
        return await connect()

    return creator


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
