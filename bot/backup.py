"""`backup` and `restore`: SQLite's online backup API, or PostgreSQL's pg_dump, pg_restore, psql."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import create_engine, is_sqlite, private_sqlite_file
from storage.migrate import MIGRATION_LOCK_KEY, alembic_config, current_revision, head_revision

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format

# pg_class.relkind -> the word DROP and pg_restore's table of contents use for it.
_RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
}

# How often, and how far apart in seconds, `restore` looks for other connections to PostgreSQL.
_OTHERS_CHECKS = 5
_OTHERS_WAIT = 0.4
# Other programs' connections to this database. A role without pg_read_all_stats sees the
# sessions of other roles with backend_type NULL: those count too, but not the server's own
# workers (autovacuum), which it sees with no user either.
_OTHERS_SQL = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND (backend_type = 'client backend' "
    "OR (backend_type IS NULL AND usesysid IS NOT NULL))"
)
_OTHERS_MESSAGE = (
    "other connection(s) to the database: stop the bot first (docker compose stop bot), "
    "or pass --force"
)
# How far into pg_restore's script its opening SET lines may reach.
_HEADER_BYTES = 64 * 1024


class BackupError(Exception):
    """A backup or restore that could not be done; the message is one line for the operator."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code  # 2: FILE is wrong (missing, not a backup); 1: the work itself failed


async def backup(database_url: str, file: Path) -> int:
    """Write a consistent copy of the database to `file`; returns its size in bytes."""
    database = _backup_target(database_url, file)
    if database is not None:
        with _beside(file) as partial:
            await asyncio.to_thread(_sqlite_backup, database, partial)
    else:
        pg_dump = _tool("pg_dump")
        dsn, env = _libpq(database_url)
        with _beside(file) as partial:
            await _run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--no-password",
                 f"--file={partial}", f"--dbname={dsn}"],
                env, "backup failed",
            )  # fmt: skip
    return await asyncio.to_thread(os.path.getsize, file)


async def restore(database_url: str, file: Path, *, force: bool = False) -> str | None:
    """Replace the database with the backup in `file`, all or nothing; returns its revision.

    PostgreSQL: refused while other programs (the bot) are connected, unless `force`. The schema
    comes back as the backup had it; a backup from an older version of the bot is migrated when
    the bot starts.
    """
    database = _restore_source(database_url, file)
    if database is not None:
        await asyncio.to_thread(_sqlite_restore, file, database)
    else:
        await _pg_restore(database_url, file, force=force)
    engine = create_engine(database_url)
    try:
        return await current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise BackupError(
            f"restored, but the schema revision cannot be read: {_line(exc)}"
        ) from None
    finally:
        await engine.dispose()


def revision_note(revision: str | None) -> str:
    """One line on a restored database's schema and what the bot will do about it."""
    from alembic.script import ScriptDirectory

    head = head_revision()
    if revision == head:
        return f"database schema: {revision} (newest)"
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision is None or revision in known:
        return (
            f"database schema: {revision or 'empty'}, older than this version's {head}: "
            "`reintegrate-bot run` migrates it when the bot starts"
        )
    return (
        f"database schema: {revision}, newer than this version knows ({head}): run the version "
        "of the bot that made the backup"
    )


def _backup_target(database_url: str, file: Path) -> Path | None:
    """Refuse a FILE that cannot be written; the SQLite database's path, None for PostgreSQL."""
    if not file.parent.is_dir():
        raise BackupError(f"cannot write {file}: there is no directory {file.parent}", 2)
    if file.is_dir():
        raise BackupError(f"{file} is a directory: give the backup a file name", 2)
    if not is_sqlite(database_url):
        return None
    database = _sqlite_path(database_url)
    if file.resolve() == database.resolve():
        raise BackupError(f"{file} is the database itself: choose another file", 2)
    return database


def _restore_source(database_url: str, file: Path) -> Path | None:
    """Refuse a FILE that is not a backup; the SQLite database's path, None for PostgreSQL."""
    if not file.is_file():
        raise BackupError(f"cannot restore: there is no file {file}", 2)
    sqlite = is_sqlite(database_url)
    magic, what = (SQLITE_MAGIC, "SQLite") if sqlite else (PG_DUMP_MAGIC, "PostgreSQL")
    try:
        with file.open("rb") as f:
            start = f.read(len(magic))
    except OSError as exc:
        raise BackupError(f"cannot read {file}: {exc.strerror or exc}", 2) from None
    if start != magic:
        raise BackupError(f"{file} is not a backup of a {what} database", 2)
    if not sqlite:
        return None
    database = _sqlite_path(database_url)
    if file.resolve() == database.resolve():
        raise BackupError(f"{file} is the database itself: give a backup file", 2)
    return database


@contextmanager
def _beside(file: Path) -> Iterator[Path]:
    # The copy is written next to `file` and renamed over it only when complete: a failed or
    # interrupted backup never replaces a good one (a rename within a directory is atomic).
    # mkstemp makes it readable by its owner only, which a file of personal data should be.
    try:
        fd, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".partial", dir=file.parent)
    except OSError as exc:
        raise BackupError(f"cannot write {file}: {exc.strerror or exc}", 2) from None
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        partial.replace(file)
    except OSError as exc:
        raise BackupError(f"cannot write {file}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: there is nothing to back up or restore")
    return Path(database)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database}: nothing to back up")
    try:
        with (
            closing(sqlite3.connect(database, timeout=30)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            # All pages in one step, under one read transaction: a snapshot of the last commit,
            # while the bot goes on writing (in WAL mode a reader does not block the writer).
            src.backup(dst)
            # The copy takes the live file's WAL mode; one self-contained file is what a
            # backup should be, with no -wal file that must travel with it.
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {database}: {exc}") from None


def _sqlite_restore(file: Path, database: Path) -> None:
    try:
        with closing(_read_only(file)) as src:
            ours = src.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            # A damaged backup must not replace a working database.
            intact = src.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error as exc:
        raise BackupError(f"{file} cannot be read as a SQLite database: {exc}", 2) from None
    if not ours:
        raise BackupError(f"{file} is not a backup of this bot's database (no alembic_version)", 2)
    if not intact:
        raise BackupError(f"{file} is damaged (SQLite's quick_check fails): not restored", 2)
    if not database.parent.is_dir():
        raise BackupError(f"cannot restore: there is no directory {database.parent}")
    private_sqlite_file(str(database))  # a restore into a new file makes it owner-only too
    try:
        with (
            closing(_read_only(file)) as src,
            closing(sqlite3.connect(database, timeout=30)) as dst,
        ):
            # The backup API in the other direction: the database becomes a page-for-page copy
            # of the file (schema included) in one write transaction, all or nothing.
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"restore failed: {database}: {exc}") from None


def _read_only(file: Path) -> sqlite3.Connection:
    # Read-only: checking and copying a backup must never change it.
    return sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian and Ubuntu: apt-get install postgresql-client)"
        )
    return found


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The database URL as libpq reads it, and the environment carrying its password."""
    url = make_url(database_url)
    query = dict(url.query)
    # asyncpg's `ssl` is libpq's `sslmode`; SQLAlchemy's own asyncpg option means nothing to
    # libpq, which refuses options it does not know.
    if "ssl" in query:
        query.setdefault("sslmode", query.pop("ssl"))
    query.pop("prepared_statement_cache_size", None)
    env = dict(os.environ)
    if url.password is not None:
        # In the environment, never in the arguments: `ps` shows everyone a command line.
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, query
    )  # URL.set(password=None) would keep the password: None means "unchanged" there
    return plain.render_as_string(hide_password=False), env


async def _run(
    argv: list[str],
    env: dict[str, str],
    failure: str,
    stdout: int | None = None,
    stdin: int | None = None,
) -> str:
    """Run a client tool; its output (unless sent to `stdout`), or its complaint in one line."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdin=asyncio.subprocess.DEVNULL if stdin is None else stdin,
        stdout=asyncio.subprocess.PIPE if stdout is None else stdout,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await proc.communicate()
    except BaseException:
        # Interrupted (Ctrl-C, `docker stop`): the tool must not carry on alone. psql stopped
        # before its COMMIT leaves the database as it was.
        with suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        # psql prefixes its errors with "psql:<stdin>:LINE: " and the server's "ERROR:".
        said = " ".join(
            re.sub(
                r"^psql:.*?:\d+: (ERROR: +)?", "", err.decode(errors="replace"), flags=re.M
            ).split()
        )
        raise BackupError(f"{failure}: {said or f'{Path(argv[0]).name} exited {proc.returncode}'}")
    return (out or b"").decode(errors="replace")


async def _pg_restore(database_url: str, file: Path, *, force: bool) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    dsn, env = _libpq(database_url)
    # "./" before a relative name: one starting with "-" would read as an option.
    source = str(file) if file.is_absolute() else f"./{file}"
    try:
        contents = await _run([pg_restore, "--list", source], env, f"{file} cannot be read")
    except BackupError as exc:
        raise BackupError(str(exc), 2) from None
    if not re.search(r"^\d+; \d+ \d+ TABLE \S+ alembic_version ", contents, re.MULTILINE):
        raise BackupError(f"{file} is not a backup of this bot's database (no alembic_version)", 2)
    server = await _prepare(database_url, contents, force=force)
    # One transaction, all or nothing: our opening (the drops of what the backup lacks), then
    # pg_restore's script (its own drops, the schema, the data). pg_restore writes the whole
    # script first: fed to psql as it comes, a backup that cannot be read to its end would end
    # the script early, and psql would commit the half it had. The script holds all the data:
    # an unnamed temporary file (readable by its owner only, gone when closed, even if we are
    # killed), which psql reads as its standard input.
    unchanged = "restore failed, the database is unchanged"
    try:
        script = await asyncio.to_thread(_script_file, _opening(server.drops, force=force))
    except OSError as exc:
        raise BackupError(f"{unchanged}: cannot write a temporary file: {exc}") from None
    with script:
        fd = script.fileno()
        start = os.lseek(fd, 0, os.SEEK_CUR)
        await _run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--file=-", source],
            env, unchanged, stdout=fd,
        )  # fmt: skip
        # At most _HEADER_BYTES read: quick enough here, and never left running on its own.
        _skip_unknown_settings(fd, start, server.settings)
        os.lseek(fd, 0, os.SEEK_SET)
        await _run(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--single-transaction",
             "--set=ON_ERROR_STOP=1", "--file=-", f"--dbname={dsn}"],
            env, unchanged, stdin=fd, stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip


def _script_file(opening: str) -> IO[bytes]:
    """An unnamed temporary file holding `opening`, open for more at its end."""
    script = tempfile.TemporaryFile(prefix="reintegrate-restore.")  # noqa: SIM115 (returned)
    try:
        script.write(opening.encode())
        script.flush()  # the tools write at the descriptor's position, after this
    except OSError:
        script.close()
        raise
    return script


def _opening(drops: list[str], *, force: bool) -> str:
    """What the restore's transaction does before pg_restore's script."""
    lines = [
        "\\set VERBOSITY terse",  # the error alone, without its PL/pgSQL context
        "SET client_min_messages = warning;",
        # A bot starting now waits: it migrates (under this lock) once the restore is done.
        f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY});",
    ]
    if not force:
        # Checked again here, in the restore's transaction: a program that connected since
        # the first check (_alone) would see the tables vanish under it.
        lines.append(
            "DO $restore$ DECLARE others bigint; BEGIN "
            f"FOR attempt IN 1..{_OTHERS_CHECKS} LOOP "
            # pg_stat_activity is a snapshot per transaction, unless cleared.
            f"PERFORM pg_stat_clear_snapshot(); {_OTHERS_SQL} INTO others; "
            f"EXIT WHEN others = 0; PERFORM pg_sleep({_OTHERS_WAIT}); END LOOP; "
            f"IF others > 0 THEN RAISE EXCEPTION '% {_raise_text(_OTHERS_MESSAGE)}', others; "
            "END IF; END $restore$;"
        )
    lines.extend(f"{statement};" for statement in drops)
    return "".join(f"{line}\n" for line in lines)


def _raise_text(message: str) -> str:
    """`message` inside a PL/pgSQL RAISE format string, itself inside a SQL string literal."""
    return message.replace("'", "''").replace("%", "%%")


def _skip_unknown_settings(fd: int, start: int, known: frozenset[str]) -> None:
    """Turn the SET lines at the head of pg_restore's script that the server does not know
    into comments, in place.

    A newer pg_restore sets what its own server version has (PostgreSQL 17's client writes
    `SET transaction_timeout = 0;`); an older server would refuse the whole script for it.
    """
    head = os.pread(fd, _HEADER_BYTES, start)
    offset = start
    for line in head.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break  # cut off at _HEADER_BYTES
        stripped = line.strip()
        if stripped and not stripped.startswith((b"--", b"\\", b"SET ", b"SELECT ")):
            break  # the header ends where the schema begins
        setting = re.fullmatch(rb"SET (\w+) = .*;", stripped)
        if setting and setting.group(1).decode().lower() not in known:
            os.pwrite(fd, b"---", offset)  # "SET" -> "---": the same length, a comment
        offset += len(line)


@dataclass(frozen=True)
class _Server:
    """What the restore needs to know of the database server before it starts."""

    drops: list[str]  # what the backup lacks, dropped first
    settings: frozenset[str]  # the names of the settings the server has


async def _prepare(database_url: str, contents: str, *, force: bool) -> _Server:
    """Refuse while others are connected (unless `force`); what to drop that the backup lacks.

    pg_restore --clean drops only what the backup has. Tables of a newer schema (restoring the
    backup from before an update) would stay, and their foreign keys stop the drop of the
    tables they point to, so they go first, in the restore's transaction.
    """
    entries = [line + " " for line in contents.splitlines() if not line.startswith(";")]

    def in_backup(kind: str, schema: str, tag: str) -> bool:
        needle = f" {kind} {schema} {tag} "
        return any(needle in entry for entry in entries)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            if not force:
                await _alone(conn)
            quote = conn.dialect.identifier_preparer.quote
            schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
            where = "n.nspname = current_schema()"
            foreign_keys = await conn.execute(
                text(
                    "SELECT t.relname, c.conname FROM pg_constraint c "
                    "JOIN pg_class t ON t.oid = c.conrelid "
                    f"JOIN pg_namespace n ON n.oid = t.relnamespace WHERE {where} "
                    "AND c.contype = 'f'"
                )
            )
            drops = [
                f"ALTER TABLE {quote(schema)}.{quote(table)} DROP CONSTRAINT IF EXISTS "
                f"{quote(name)}"
                for table, name in foreign_keys
                if not in_backup("FK CONSTRAINT", schema, f"{table} {name}")
            ]
            relations = await conn.execute(
                text(
                    "SELECT c.relname, c.relkind::text FROM pg_class c "
                    f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {where} "
                    "AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
                )
            )
            for name, relkind in relations:
                kind = _RELATION_KINDS[relkind]
                if not in_backup(kind, schema, name):
                    drops.append(f"DROP {kind} IF EXISTS {quote(schema)}.{quote(name)} CASCADE")
            settings = frozenset(
                (await conn.execute(text("SELECT name FROM pg_settings"))).scalars()
            )
    except (SQLAlchemyError, OSError) as exc:
        raise BackupError(f"restore failed, the database is unchanged: {_line(exc)}") from None
    finally:
        await engine.dispose()
    return _Server(drops, settings)


async def _alone(conn: AsyncConnection) -> None:
    """Refuse to restore under a running bot: its connections would see the tables vanish."""
    others = 0
    for attempt in range(_OTHERS_CHECKS):
        if attempt:
            # A program just stopped (`docker compose stop bot`) may still be leaving.
            await asyncio.sleep(_OTHERS_WAIT)
        others = (await conn.execute(text(_OTHERS_SQL))).scalar_one()
        await conn.rollback()  # pg_stat_activity is a snapshot per transaction
        if not others:
            return
    raise BackupError(f"{others} {_OTHERS_MESSAGE}")


def _line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
