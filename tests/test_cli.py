"""The command line as an operator uses it: migrate, seed, grant, chat, and bad settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.commands import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(cli_db: Path) -> Path:
    """A demo database of this test's own (tests/conftest.py)."""
    return cli_db


def test_terminal_chat_start_consent_menu(db: Path, tmp_path: Path):
    done = cli("chat", "--user", "ana", db=db, stdin="1\n1\nI live here\n2\nhello\n/quit\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Please choose your language." in out
    assert "[1] English" in out and "[6] Romani" in out
    assert "Do you agree?" in out
    assert "Which community centre is nearest to you?" in out
    assert "All set! What would you like to do?" in out
    assert "⚙️ Settings" in out
    assert "Sorry, I did not understand." in out
    assert "Traceback" not in out + done.stderr


def test_terminal_chat_people_are_separate_and_remembered(db: Path):
    cli("chat", "--user", "ana", db=db, stdin="1\n1\n1\n1\n")
    again = cli("chat", "--user", "ana", db=db, stdin="")
    assert "Welcome back!" in again.stdout
    other = cli("chat", "--user", "coordinator", db=db, stdin="")
    assert "Please choose your language." in other.stdout


def test_chat_refuses_an_unmigrated_database(tmp_path: Path):
    done = cli("chat", db=tmp_path / "new.db")
    assert done.returncode == 1
    assert "reintegrate-bot migrate" in done.stderr


def test_a_rolled_back_version_stops_with_one_line_and_changes_nothing(db: Path):
    # The database was migrated by a newer version of the bot (0099), then the old image came
    # back: no command may touch it, and none may crash with a traceback.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    env = {"TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE": "http://127.0.0.1:9"}
    for verb in (("run",), ("migrate",), ("chat",), ("seed", "--demo")):
        done = cli(*verb, db=db, env=env if verb == ("run",) else None)
        assert done.returncode == 1, (verb, done.stderr)
        assert "newer version of the bot" in done.stderr, (verb, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, (verb, done.stderr)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0099",)


def test_seed_twice_changes_nothing(db: Path):
    assert cli("seed", "--demo", db=db).stdout.strip() == "demo data: 0 change(s)"


def test_the_demo_has_shifts_and_approved_volunteers_to_chat_as(db: Path):
    with sqlite3.connect(db) as conn:
        shifts = conn.execute("SELECT count(DISTINCT centre_id), count(*) FROM shifts").fetchone()
        volunteers = conn.execute(
            "SELECT i.external_id, v.status FROM volunteers v JOIN identities i "
            "ON i.user_id = v.user_id ORDER BY v.id"
        ).fetchall()
        signups = conn.execute("SELECT count(*) FROM shift_signups").fetchone()[0]
    assert shifts == (5, 110) and signups == 3
    assert volunteers == [("vesna", "approved"), ("luka", "approved"), ("emina", "approved")]
    same = cli("grant", "console:vesna", "volunteer", db=db)
    assert same.stdout.strip() == "nothing to do: console:vesna already so"
    assert "Welcome back!" in cli("chat", "--user", "vesna", db=db, stdin="").stdout


def test_grant_and_revoke_roles(db: Path):
    missing = cli("grant", "console:ana", "coordinator", db=db)
    assert missing.returncode == 1 and "/start" in missing.stderr
    cli("chat", "--user", "ana", db=db, stdin="1\n1\n1\n1\n")
    unbound = cli("grant", "console:ana", "coordinator", db=db)
    assert unbound.returncode == 2 and "--centre SLUG" in unbound.stderr
    assert (
        cli("grant", "console:ana", "coordinator", "--centre", "pirot", db=db).stdout.strip()
        == "coordinator granted for console:ana"
    )
    shown = cli("chat", "--user", "ana", db=db, stdin="Settings\nShow my data\n")
    assert "participant, coordinator" in shown.stdout
    assert cli("revoke", "console:ana", "coordinator", db=db).returncode == 0
    shown = cli("chat", "--user", "ana", db=db, stdin="Settings\nShow my data\n")
    assert "Roles: participant\n" in shown.stdout
    bad = cli("grant", "console:ana", "king", db=db)
    assert bad.returncode == 2 and "unknown role" in bad.stderr


def test_an_adviser_is_linked_to_their_hours_and_sees_their_day(db: Path):
    cli("chat", "--user", "jelena", db=db, stdin="1\n1\n1\n1\n")
    done = cli("grant", "console:jelena", "adviser", "--adviser", "Jelena", db=db)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        bound = conn.execute(
            "SELECT c.slug FROM staff_centres s JOIN centres c ON c.id = s.centre_id "
            "JOIN identities i ON i.user_id = s.user_id WHERE i.external_id = 'jelena' "
            "AND s.role = 'adviser'"
        ).fetchall()
        hours = conn.execute(
            "SELECT DISTINCT c.slug FROM adviser_hours h JOIN advisers a ON a.id = h.adviser_id "
            "JOIN centres c ON c.id = h.centre_id WHERE a.name = 'Jelena'"
        ).fetchall()
    assert bound and sorted(bound) == sorted(hours)  # bound where her hours are
    shown = cli("chat", "--user", "jelena", db=db, stdin="My appointments\nToday\n")
    assert "No appointments today." in shown.stdout


def test_grant_binds_staff_to_centres_and_revoke_takes_them_back(cli_db: Path):
    db = cli_db
    cli("chat", "--user", "ana", db=db, stdin="1\n1\n1\n1\n")

    def bound() -> list[tuple[str, int]]:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT c.slug, r.all_centres FROM roles r JOIN identities i "
                "ON i.user_id = r.user_id LEFT JOIN staff_centres s ON s.user_id = r.user_id "
                "AND s.role = r.role LEFT JOIN centres c ON c.id = s.centre_id "
                "WHERE i.external_id = 'ana' AND r.role = 'coordinator' ORDER BY c.slug"
            ).fetchall()

    two = cli(
        "grant", "console:ana", "coordinator", "--centre", "pirot", "--centre", "tutin", db=db
    )
    assert two.returncode == 0, two.stderr
    assert bound() == [("pirot", 0), ("tutin", 0)]
    assert cli("revoke", "console:ana", "coordinator", "--centre", "tutin", db=db).returncode == 0
    assert bound() == [("pirot", 0)]
    assert cli("grant", "console:ana", "coordinator", "--all-centres", db=db).returncode == 0
    assert bound() == [("pirot", 1)]
    assert cli("revoke", "console:ana", "coordinator", "--all-centres", db=db).returncode == 0
    assert bound() == [("pirot", 0)]
    assert cli("revoke", "console:ana", "coordinator", db=db).returncode == 0
    assert bound() == []
    unknown = cli("grant", "console:ana", "coordinator", "--centre", "paris", db=db)
    assert unknown.returncode == 2 and "unknown centre 'paris'" in unknown.stderr
    wrong = cli("grant", "console:ana", "volunteer", "--centre", "pirot", db=db)
    assert wrong.returncode == 2 and "for coordinator and adviser" in wrong.stderr


def test_grant_help_lists_the_roles_and_options(cli_db: Path):
    shown = cli("grant", "--help", db=cli_db).stdout
    for word in ("volunteer", "adviser", "coordinator", "admin", "--centre", "--all-centres"):
        assert word in shown
    assert "--all-centres" in cli("revoke", "--help", db=cli_db).stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://nope"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "fr"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_API_BASE", "ftp://x"),
        ("REMINDER_OFFSETS", "24h,soon"),
        ("QUIET_HOURS", "22-8"),
        ("TELEGRAM_RATE", "0"),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(tmp_path: Path, variable: str, value: str):
    done = cli("migrate", db=tmp_path / "x.db", env={variable: value})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], done.stderr


def test_run_without_a_token_points_to_the_chat(db: Path):
    done = cli("run", db=db)
    assert done.returncode == 1
    assert "reintegrate-bot chat" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_chat_and_the_core_do_not_load_aiogram():
    code = (
        "import sys, bot.cli, bot.bootstrap, bot.transports.console, handlers.conversation;"
        "assert 'aiogram' not in sys.modules, 'aiogram imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
