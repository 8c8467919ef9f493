"""SQLite for SQLAlchemy's asyncio engine, with every call run on the event loop itself.

Why our own: aiosqlite (what SQLAlchemy's async SQLite dialect drives) hands every DBAPI call
to a worker thread and waits for the answer: a cursor, an execute, a fetch, a close, a commit
each cost a thread switch and a loop wake-up, about 0.2 ms apiece on a small server, six or
more per update. The SQLite calls themselves take microseconds on local disk in WAL mode, so
running them in place is three to four times faster for the whole bot. No maintained library
offers this, and it needs only the handful of methods below, which SQLAlchemy's aiosqlite
dialect reaches through its documented `async_creator` hook.

The price is that a call blocks the loop while it runs. `create_engine` therefore gives each
process one SQLite connection: units of work queue for it on the asyncio side instead of
waiting on each other's locks inside SQLite (which would stall the loop). SQLite allows one
writer at a time anyway; PostgreSQL is the database for larger installations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Self


class InlineCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses, run in place."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._c = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._c.close()

    @property
    def description(self) -> Any:
        """Column descriptions of the last statement."""
        return self._c.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._c.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id of the last inserted row."""
        return self._c.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows fetched by fetchmany() without a size."""
        return self._c.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._c.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Self:
        """Run one statement."""
        self._c.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Self:
        """Run one statement for each set of parameters."""
        self._c.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._c.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` rows."""
        return self._c.fetchmany(size) if size is not None else self._c.fetchmany()

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._c.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._c.close()


class InlineConnection:
    """The part of aiosqlite's Connection that SQLAlchemy uses, run in place."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        # SQLAlchemy's dialect checks this attribute to know the connection is still open.
        self._connection: sqlite3.Connection | None = connection

    def cursor(self) -> InlineCursor:
        """A new cursor (entered with `async with` by SQLAlchemy)."""
        return InlineCursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction mode."""
        return self._conn.isolation_level

    async def commit(self) -> None:
        """Commit the open transaction."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register an SQL function (SQLAlchemy adds REGEXP)."""
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection; a second close does nothing."""
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(path: str, *, timeout: float = 30.0) -> Callable[[], Awaitable[InlineConnection]]:
    """An `async_creator` for create_async_engine opening the SQLite file at `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may close a connection from a finaliser thread.
        conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False, uri=False)
        return InlineConnection(conn)

    return connect
