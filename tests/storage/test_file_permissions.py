"""The SQLite database holds personal data: it and its -wal/-shm files are the owner's only."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.backup import backup, restore
from storage.db import create_engine
from tests.support.commands import cli

FILES = ("", "-wal", "-shm")


def modes(db: Path) -> dict[str, str]:
    """Each of the database's files and its permission bits, e.g. {"-wal": "0o600"}."""
    return {
        suffix: oct(stat.S_IMODE(os.stat(f"{db}{suffix}").st_mode))
        for suffix in FILES
        if os.path.exists(f"{db}{suffix}")
    }


@contextlib.asynccontextmanager
async def bot_connection(db: Path) -> AsyncIterator[None]:
    """The bot's engine holding a connection that has written, so -wal and -shm exist."""
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            await conn.execute(text("INSERT INTO probe VALUES (1)"))
            await conn.commit()
            yield
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
def usual_umask() -> object:
    """The umask most servers run with (others may read what is not made private)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_migrate_creates_a_private_database(tmp_path: Path):
    db = tmp_path / "fresh.db"
    done = cli("migrate", db=db)
    assert done.returncode == 0, done.stderr
    assert modes(db) == {"": "0o600"}


async def test_a_fresh_database_and_its_wal_and_shm_are_private(tmp_path: Path):
    db = tmp_path / "fresh.db"
    async with bot_connection(db):
        assert modes(db) == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}


async def test_the_files_migrate_leaves_stay_private_while_the_bot_runs(tmp_path: Path):
    db = tmp_path / "fresh.db"
    assert cli("migrate", db=db).returncode == 0
    async with bot_connection(db):
        assert modes(db) == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}


async def test_an_existing_readable_database_is_tightened_and_says_so(tmp_path: Path, caplog):
    db = tmp_path / "old.db"
    # An older version made these 0644; another program still has it open, so its -wal and
    # -shm are there too.
    with contextlib.closing(sqlite3.connect(db)) as old:
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE kept (x INTEGER)")
        old.execute("INSERT INTO kept VALUES (42)")
        old.commit()
        assert modes(db) == {"": "0o644", "-wal": "0o644", "-shm": "0o644"}
        with caplog.at_level(logging.INFO, logger="reintegrate.storage"):
            async with bot_connection(db):
                assert modes(db) == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}
    tightened = [r for r in caplog.records if "tightened" in r.getMessage()]
    assert len(tightened) == 1 and tightened[0].levelno == logging.INFO
    with contextlib.closing(sqlite3.connect(db)) as again:  # nothing in it was lost
        assert again.execute("SELECT x FROM kept").fetchall() == [(42,)]


async def test_a_restore_into_a_new_file_makes_it_private(tmp_path: Path, caplog):
    source, file, target = tmp_path / "live.db", tmp_path / "nightly.backup", tmp_path / "new.db"
    assert cli("migrate", db=source).returncode == 0
    await backup(f"sqlite+aiosqlite:///{source}", file)

    with caplog.at_level(logging.INFO, logger="reintegrate.storage"):
        await restore(f"sqlite+aiosqlite:///{target}", file)

    assert modes(target) == {"": "0o600"}
    # Private from the start, not readable by others until something tightened it.
    assert not [r for r in caplog.records if "tightened" in r.getMessage()]
