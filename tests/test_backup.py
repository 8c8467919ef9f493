"""`reintegrate-bot backup` and `restore` on SQLite and PostgreSQL: what comes back is what was."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from storage.db import create_engine, is_sqlite
from storage.migrate import head_revision, upgrade
from storage.seed import seed_demo
from tests.support.postgres import REQUIRE_POSTGRES, asyncpg_dsn, fresh_pg_database
from tests.support.processes import DEADLINE, eventually

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Done:
    code: int
    out: str
    err: str


async def cli(*args: str, url: str, env: dict[str, str] | None = None) -> Done:
    """Run `reintegrate-bot ARGS` in a process of its own, as an operator would."""
    environment = {**os.environ, "DATABASE_URL": url, "DEFAULT_LOCALE": "en", **(env or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=DEADLINE)
    assert proc.returncode is not None
    return Done(proc.returncode, out.decode(), err.decode())


def one_line_error(done: Done) -> str:
    """The single line a refused command prints (and no traceback)."""
    assert done.code != 0, done.out
    assert "Traceback" not in done.err, done.err
    lines = done.err.strip().splitlines()
    assert len(lines) == 1, done.err
    return lines[0]


def files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def partial_files(folder: Path) -> list[str]:
    """Half-written backups left behind (bot/backup.py names them .FILE.*.partial)."""
    return [p.name for p in files(folder) if p.name.endswith(".partial")]


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database of its own (with the tools
    `backup` and `restore` call: pg_dump, pg_restore, psql)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/bot.db"
        return
    async with pg_database(request) as url:
        yield url


@pytest.fixture
async def pg_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own."""
    async with pg_database(request) as url:
        yield url


@contextlib.asynccontextmanager
async def pg_database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL not reachable")
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if missing:
        if REQUIRE_POSTGRES:
            pytest.fail(f"REQUIRE_POSTGRES=1 but {', '.join(missing)} not installed")
        pytest.skip(f"{', '.join(missing)} not installed")
    async with fresh_pg_database("backup") as url:
        yield url


@pytest.fixture
async def seeded(url: str) -> str:
    """The database migrated, with the demo data (as `migrate` and `seed --demo` leave it; in
    this process, which is quicker than two commands)."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await seed_demo(engine, volunteering=True)
    finally:
        await engine.dispose()
    return url


def stable(value: object) -> str:
    """A comparable text of what the inspector says (a partial index's WHERE as its SQL)."""
    return json.dumps(value, sort_keys=True, default=str)


def _snapshot(conn: Connection) -> dict[str, Any]:
    inspector = inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    found: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        columns = inspector.get_columns(table)
        # Every column in the ORDER BY, as text: PostgreSQL's json has no ordering of its own.
        order = ", ".join(f"CAST({quote(c['name'])} AS TEXT)" for c in columns)
        rows = conn.execute(text(f"SELECT * FROM {quote(table)} ORDER BY {order}")).all()
        found[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in columns],
            "keys": stable(inspector.get_pk_constraint(table)),
            "foreign keys": sorted(map(stable, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(stable, inspector.get_indexes(table))),
            "rows": [tuple(row) for row in rows],
        }
    if conn.dialect.name == "postgresql":
        # Where the ids go on: a restored table whose sequence restarted would collide.
        found["sequences"] = conn.execute(
            text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() ORDER BY 1"
            )
        ).all()
    found["revision"] = MigrationContext.configure(conn).get_current_revision()
    return found


async def snapshot(url: str) -> dict[str, Any]:
    """Every table's definition and rows (ordered by all columns), and the schema revision."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_snapshot)
    finally:
        await engine.dispose()


async def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_backup_then_restore_gives_back_the_identical_database(seeded: str, tmp_path: Path):
    before = await snapshot(seeded)
    assert before["revision"] == head_revision()
    assert sum(len(t["rows"]) for k, t in before.items() if isinstance(t, dict)) > 200
    file = tmp_path / "nightly.backup"

    done = await cli("backup", str(file), url=seeded)

    assert done.code == 0, done.err
    assert done.out.strip() == f"backup written: {file} ({file.stat().st_size} bytes)"
    assert partial_files(tmp_path) == []
    await execute(
        seeded,
        "DELETE FROM consents",
        "UPDATE centres SET name = 'moved'",
        "INSERT INTO roles (user_id, role, granted_at) "
        "SELECT user_id, 'admin', granted_at FROM roles WHERE role = 'volunteer'",
        "DROP TABLE shift_signups",
        # A table the backup does not have, pointing at one it has (a newer schema's would).
        "CREATE TABLE later (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id))",
        "INSERT INTO later SELECT id, id FROM users",
        "UPDATE alembic_version SET version_num = '0008'",
    )
    assert await snapshot(seeded) != before

    done = await cli("restore", str(file), url=seeded)

    assert done.code == 0, done.err
    assert done.out.splitlines() == [
        f"restored from {file}",
        f"database schema: {head_revision()} (newest)",
    ]
    assert await snapshot(seeded) == before


async def test_a_backup_from_an_older_schema_comes_back_as_it_was(url: str, tmp_path: Path):
    engine = create_engine(url)
    try:
        await upgrade(engine, "0008")
    finally:
        await engine.dispose()
    before = await snapshot(url)
    file = tmp_path / "before-the-update.backup"
    assert (await cli("backup", str(file), url=url)).code == 0
    assert (await cli("migrate", url=url)).code == 0  # the update adds tables with foreign keys
    assert (await cli("seed", "--demo", url=url)).code == 0

    done = await cli("restore", str(file), url=url)

    assert done.code == 0, done.err
    assert done.out.splitlines()[1] == (
        f"database schema: 0008, older than this version's {head_revision()}: "
        "`reintegrate-bot run` migrates it when the bot starts"
    )
    assert await snapshot(url) == before
    assert (await cli("migrate", url=url)).code == 0


async def test_wrong_files_are_refused_in_one_line_and_change_nothing(seeded: str, tmp_path: Path):
    before = await snapshot(seeded)
    nowhere = tmp_path / "no such folder" / "x.backup"
    assert "no directory" in one_line_error(await cli("backup", str(nowhere), url=seeded))
    assert not nowhere.parent.exists()

    missing = await cli("restore", str(tmp_path / "missing.backup"), url=seeded)
    assert missing.code == 2 and "no file" in one_line_error(missing)

    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a backup\n")
    other = tmp_path / "other.db"  # a SQLite database, but not this bot's
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    for wrong in (text_file, other):
        done = await cli("restore", str(wrong), url=seeded)
        assert done.code == 2 and "not a backup" in one_line_error(done), done.err

    assert await snapshot(seeded) == before


async def test_a_failed_backup_leaves_the_last_good_one_and_no_partial_file(
    seeded: str, tmp_path: Path
):
    file = tmp_path / "nightly.backup"
    assert (await cli("backup", str(file), url=seeded)).code == 0
    good = file.read_bytes()
    if is_sqlite(seeded):
        broken = tmp_path / "broken.db"
        broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
        broken_url = f"sqlite+aiosqlite:///{broken}"
    else:
        broken_url = seeded.rsplit("/", 1)[0] + "/no_such_database"

    done = await cli("backup", str(file), url=broken_url)

    assert done.code == 1
    assert one_line_error(done).startswith("backup failed: ")
    assert file.read_bytes() == good
    assert partial_files(tmp_path) == []


async def test_sqlite_backup_while_another_connection_is_writing(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    for verb in (("migrate",), ("seed", "--demo")):
        assert (await cli(*verb, url=url)).code == 0
    writer = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM shifts")
        # The bot holds the write lock mid-transaction: the backup copies the last commit.
        done = await cli("backup", str(tmp_path / "b.backup"), url=url)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.code == 0, done.err
    with sqlite3.connect(tmp_path / "b.backup") as copy:
        assert copy.execute("SELECT count(*) FROM shifts").fetchone() == (110,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()


async def test_pg_dump_gets_the_password_in_its_environment_not_its_arguments(tmp_path: Path):
    # A stand-in pg_dump that notes what it was given: no server needed.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/argv"\n'
        f'printf "%s" "$PGPASSWORD" > "{tmp_path}/password"\n'
        'for a in "$@"; do case "$a" in --file=*) printf dump > "${a#--file=}";; esac; done\n'
    )
    fake.chmod(0o755)
    url = "postgresql+asyncpg://bot:s3cr%40t@db.example:6543/reintegrate?ssl=require"
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

    done = await cli("backup", str(tmp_path / "x.backup"), url=url, env={"PATH": path})

    assert done.code == 0, done.err
    argv = (tmp_path / "argv").read_text().splitlines()
    assert (tmp_path / "password").read_text() == "s3cr@t"
    assert not any("s3cr" in arg for arg in argv), argv
    assert argv[:3] == ["--format=custom", "--no-owner", "--no-privileges"]
    assert "--dbname=postgresql://bot@db.example:6543/reintegrate?sslmode=require" in argv


async def test_without_pg_dump_the_backup_says_so_in_one_line(tmp_path: Path):
    url = "postgresql+asyncpg://bot:secret@127.0.0.1:5432/reintegrate"
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done = await cli("backup", str(tmp_path / "x.backup"), url=url, env={"PATH": str(empty)})
    assert done.code == 1
    assert one_line_error(done).startswith("pg_dump is not installed")
    assert sorted(p.name for p in files(tmp_path)) == ["empty-bin"]


def stand_in(folder: Path, tool: str, body: str) -> dict[str, str]:
    """A shell script named `tool` in `folder` that runs `body` ($REAL: the real tool); the
    environment that puts it first on the PATH."""
    folder.mkdir(exist_ok=True)
    real = shutil.which(tool)
    assert real is not None
    script = folder / tool
    script.write_text(f'#!/bin/sh\nREAL="{real}"\n{body}\n')
    script.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    "failure", ["a view elsewhere uses a table", "the last statement fails", "the file ends early"]
)
async def test_a_failed_restore_leaves_the_database_exactly_as_it_was(
    pg_url: str, tmp_path: Path, failure: str
):
    # The backup is from before an update (0008); the update adds tables, which restore drops
    # first (the backup lacks them), then the restore fails: all of it must be undone.
    engine = create_engine(pg_url)
    try:
        await upgrade(engine, "0008")
    finally:
        await engine.dispose()
    file = tmp_path / "before-the-update.backup"
    assert (await cli("backup", str(file), url=pg_url)).code == 0
    assert (await cli("migrate", url=pg_url)).code == 0
    assert (await cli("seed", "--demo", url=pg_url)).code == 0
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {"TMPDIR": str(temporary)}
    if failure == "a view elsewhere uses a table":
        # pg_restore's own DROP TABLE users fails, after the drops of the newer tables.
        await execute(
            pg_url,
            "CREATE SCHEMA elsewhere",
            "CREATE VIEW elsewhere.people AS SELECT id FROM public.users",
        )
    elif failure == "the last statement fails":
        # Everything restored, and then an error: the tables, rows and revision go back too.
        env |= stand_in(
            tmp_path / "bin",
            "pg_restore",
            '"$REAL" "$@" || exit\ncase " $* " in *" --list "*) ;; *) echo "SELECT 1/0;" ;; esac',
        )
    else:
        whole = file.read_bytes()
        file.write_bytes(whole[:-64])  # its table of contents is whole, its data is not
        listed = await asyncio.create_subprocess_exec(
            "pg_restore", "--list", str(file), stdout=asyncio.subprocess.DEVNULL
        )
        assert await listed.wait() == 0
    before = await snapshot(pg_url)
    assert before["revision"] == head_revision()

    done = await cli("restore", str(file), url=pg_url, env=env)

    assert done.code == 1, done.out
    assert one_line_error(done).startswith("restore failed, the database is unchanged: ")
    assert done.out == ""
    assert await snapshot(pg_url) == before
    assert files(temporary) == []  # the SQL script, all the data in plain text, is gone
    migrated = await cli("migrate", url=pg_url)
    assert migrated.out.strip() == f"database schema: {head_revision()} (newest)"


async def _seeded_backup(url: str, folder: Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The demo data backed up, then changed: the backup, the database as backed up and as
    it now is."""
    for verb in (("migrate",), ("seed", "--demo")):
        assert (await cli(*verb, url=url)).code == 0
    backed_up = await snapshot(url)
    file = folder / "nightly.backup"
    assert (await cli("backup", str(file), url=url)).code == 0
    await execute(url, "DELETE FROM consents", "UPDATE centres SET name = 'moved'")
    return file, backed_up, await snapshot(url)


async def test_restore_refuses_while_another_program_is_connected(pg_url: str, tmp_path: Path):
    file, backed_up, before = await _seeded_backup(pg_url, tmp_path)
    bot = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        refused = await cli("restore", str(file), url=pg_url)

        assert refused.code == 1, refused.out
        assert one_line_error(refused) == (
            "1 other connection(s) to the database: stop the bot first "
            "(docker compose stop bot), or pass --force"
        )
        assert await snapshot(pg_url) == before

        forced = await cli("restore", "--force", str(file), url=pg_url)

        assert forced.code == 0, forced.err
        assert forced.out.splitlines()[0] == f"restored from {file}"
        assert await bot.fetchval("SELECT count(*) FROM consents") > 0
    finally:
        await bot.close()
    assert await snapshot(pg_url) == backed_up


async def test_pg_restore_and_psql_get_the_password_in_their_environment_not_arguments(
    pg_url: str, tmp_path: Path
):
    password = make_url(pg_url).password
    if not password:
        pytest.skip("the test database's URL has no password")
    assert (await cli("migrate", url=pg_url)).code == 0
    file = tmp_path / "x.backup"
    assert (await cli("backup", str(file), url=pg_url)).code == 0
    env: dict[str, str] = {}
    for tool in ("pg_restore", "psql"):
        # Each call: its arguments, one a line, then a line "--", and its PGPASSWORD.
        env = stand_in(
            tmp_path / "bin",
            tool,
            f'printf "%s\\n" "$@" -- >> "{tmp_path}/{tool}.argv"\n'
            f'printf "%s\\n" "$PGPASSWORD" >> "{tmp_path}/{tool}.password"\n'
            'exec "$REAL" "$@"',
        )

    done = await cli("restore", str(file), url=pg_url, env=env)

    assert done.code == 0, done.err
    for tool, calls in (("pg_restore", 2), ("psql", 1)):  # --list, the script; running it
        argv = (tmp_path / f"{tool}.argv").read_text().splitlines()
        assert argv.count("--") == calls, argv
        assert (tmp_path / f"{tool}.password").read_text().splitlines() == [password] * calls
        assert not any(f":{password}@" in arg or "password=" in arg for arg in argv), argv
    psql = (tmp_path / "psql.argv").read_text().splitlines()
    assert {"--no-psqlrc", "--single-transaction", "--set=ON_ERROR_STOP=1"} <= set(psql)
    plain = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=True)
    assert f"--dbname={plain.replace(':***@', '@')}" in psql


async def test_without_psql_the_restore_says_so_in_one_line(tmp_path: Path):
    url = "postgresql+asyncpg://bot:secret@127.0.0.1:5432/reintegrate"
    only_pg_restore = tmp_path / "bin"
    only_pg_restore.mkdir()
    pg_restore = shutil.which("pg_restore") or "/bin/true"  # found by name only
    (only_pg_restore / "pg_restore").symlink_to(pg_restore)
    file = tmp_path / "x.backup"
    file.write_bytes(b"PGDMP" + bytes(100))

    done = await cli("restore", str(file), url=url, env={"PATH": str(only_pg_restore)})

    assert done.code == 1
    assert one_line_error(done).startswith("psql is not installed")


async def test_a_newer_pg_restore_s_settings_do_not_stop_the_restore(pg_url: str, tmp_path: Path):
    # The image's pg_restore is newer than the compose file's server: PostgreSQL 17's writes
    # `SET transaction_timeout = 0;`, which a PostgreSQL 16 server does not know.
    file, backed_up, _ = await _seeded_backup(pg_url, tmp_path)
    env = stand_in(
        tmp_path / "bin",
        "pg_restore",
        'case " $* " in *" --list "*) exec "$REAL" "$@" ;; esac\n'
        '"$REAL" "$@" | sed "s/^SET lock_timeout = 0;$/&\\nSET reintegrate_unknown = 0;/"',
    )

    done = await cli("restore", str(file), url=pg_url, env=env)

    assert done.code == 0, done.err
    assert await snapshot(pg_url) == backed_up


@pytest.fixture
async def own_role(pg_url: str) -> AsyncIterator[str]:
    """The database's URL for a role of its own that owns it, without pg_read_all_stats (as
    a bot's database user on a shared server is)."""
    role = f"restorer_{os.urandom(5).hex()}"
    dsn = asyncpg_dsn(pg_url)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'restorer'")
        await admin.execute(f'ALTER DATABASE "{make_url(pg_url).database}" OWNER TO {role}')
        await admin.execute(f"ALTER SCHEMA public OWNER TO {role}")
    finally:
        await admin.close()  # not one more connection for restore to find
    try:
        yield (
            make_url(pg_url)
            .set(username=role, password="restorer")
            .render_as_string(hide_password=False)
        )
    finally:
        # Its database and tables back to the test's user, so the role can go.
        admin = await asyncpg.connect(dsn)
        await admin.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


async def test_restore_counts_connections_it_may_not_see_in_full(
    own_role: str, pg_url: str, tmp_path: Path
):
    # To a role without pg_read_all_stats, another role's session shows no backend_type.
    file, _, before = await _seeded_backup(own_role, tmp_path)
    other = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        refused = await cli("restore", str(file), url=own_role)
    finally:
        await other.close()

    assert refused.code == 1, refused.out
    assert one_line_error(refused).startswith("1 other connection(s) to the database")
    assert await snapshot(own_role) == before


def running(pid: int) -> bool:
    """Whether the process `pid` is still there (a reaped process is not)."""
    return Path(f"/proc/{pid}").exists()


async def activity(url: str, query: str) -> int:
    """How many sessions on `url`'s database run `query` (asked from another database)."""
    dsn = make_url(url).set(drivername="postgresql", database="postgres")
    watcher = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        return await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query = $2",
            make_url(url).database,
            query,
        )
    finally:
        await watcher.close()


def connects_before_psql(folder: Path, sleeper: str) -> dict[str, str]:
    """A psql that first has another session on the database run `sleeper` (the bot
    connecting just then), and starts once that session shows in pg_stat_activity."""
    seen = f"SELECT count(*) FROM pg_stat_activity WHERE query = '{sleeper}'"
    return stand_in(
        folder,
        "psql",
        'for a in "$@"; do case "$a" in --dbname=*) DSN="${a#--dbname=}";; esac; done\n'
        f'"$REAL" -X --dbname="$DSN" -c "{sleeper}" </dev/null >/dev/null 2>&1 &\n'
        "i=0\n"
        f'until [ "$("$REAL" -XAtq --dbname="$DSN" -c "{seen}" </dev/null)" = 1 ]; do\n'
        "  i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1\n"
        "done\n"
        'exec "$REAL" "$@"',
    )


async def test_a_program_connecting_after_the_first_check_stops_the_restore(
    pg_url: str, tmp_path: Path
):
    file, _, before = await _seeded_backup(pg_url, tmp_path)
    sleeper = "SELECT pg_sleep(20)"  # longer than restore waits for it to leave
    env = connects_before_psql(tmp_path / "bin", sleeper)
    try:
        done = await cli("restore", str(file), url=pg_url, env=env)
    finally:
        await execute(pg_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE query = '{sleeper}'")  # fmt: skip

    assert done.code == 1, done.out
    assert one_line_error(done) == (
        "restore failed, the database is unchanged: 1 other connection(s) to the database: "
        "stop the bot first (docker compose stop bot), or pass --force"
    )
    assert await snapshot(pg_url) == before


async def test_a_program_leaving_within_two_seconds_lets_the_restore_go_on(
    pg_url: str, tmp_path: Path
):
    # Seen by the check in the restore's transaction, gone before its last look (a bot
    # stopping just then): the check sees it leave, and the restore goes on.
    file, backed_up, _ = await _seeded_backup(pg_url, tmp_path)
    env = connects_before_psql(tmp_path / "bin", "SELECT pg_sleep(0.9)")

    done = await cli("restore", str(file), url=pg_url, env=env)

    assert done.code == 0, done.err
    assert await snapshot(pg_url) == backed_up


async def test_a_restore_stopped_part_way_stops_psql_and_changes_nothing(
    pg_url: str, tmp_path: Path
):
    file, _, before = await _seeded_backup(pg_url, tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    # The restore's script ends in a long wait: all restored, not yet committed. A backend
    # notices a client gone only when it next looks (client_connection_check_interval).
    sleeper = "SELECT pg_sleep(60);"
    stand_in(
        tmp_path / "bin",
        "pg_restore",
        'case " $* " in *" --list "*) exec "$REAL" "$@" ;; esac\n'
        f'"$REAL" "$@" && echo "SET client_connection_check_interval = \'100ms\';" '
        f'&& echo "{sleeper}"',
    )
    env = stand_in(tmp_path / "bin", "psql", f'echo $$ > "{tmp_path}/psql.pid"\nexec "$REAL" "$@"')
    environment = {**os.environ, "DATABASE_URL": pg_url, "TMPDIR": str(temporary), **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "restore", str(file), cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    reached = await eventually(lambda: activity(pg_url, sleeper))
    assert reached, "the restore did not reach its end"

    proc.terminate()  # SIGTERM, as `docker stop` sends
    _, err = await asyncio.wait_for(proc.communicate(), timeout=DEADLINE)

    assert proc.returncode == 130
    assert err.decode().strip() == (
        "restore interrupted: a restore is all or nothing, so the database is either as it was "
        f"or wholly restored from {file}"
    )
    psql = int((tmp_path / "psql.pid").read_text())
    assert not running(psql), "psql was left running"

    async def gone() -> bool:
        return not await activity(pg_url, sleeper)

    await eventually(gone, every=0.05)  # the snapshot below says whether it was undone
    assert await snapshot(pg_url) == before
    assert files(temporary) == []


async def test_a_backup_stopped_part_way_stops_pg_dump_and_keeps_the_last_good_one(
    tmp_path: Path,
):
    file = tmp_path / "nightly.backup"
    file.write_bytes(b"PGDMP last night's")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"  # a pg_dump that takes its time: no server needed
    fake.write_text(
        '#!/bin/sh\nfor a in "$@"; do case "$a" in --file=*) printf half > "${a#--file=}";; '
        f'esac; done\necho $$ > "{tmp_path}/pg_dump.pid"\nexec sleep 60\n'
    )
    fake.chmod(0o755)
    environment = {
        **os.environ,
        "DATABASE_URL": "postgresql+asyncpg://bot:secret@127.0.0.1:5432/reintegrate",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(file), cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    pid_file = tmp_path / "pg_dump.pid"
    await eventually(lambda: pid_file.exists() and bool(pid_file.read_text().strip()), every=0.05)

    proc.terminate()
    _, err = await asyncio.wait_for(proc.communicate(), timeout=DEADLINE)

    assert proc.returncode == 130
    assert err.decode().strip() == (
        f"backup interrupted: {file} is as it was, or the new backup if it was complete"
    )
    assert not running(int(pid_file.read_text()))
    assert file.read_bytes() == b"PGDMP last night's"
    assert partial_files(tmp_path) == []
