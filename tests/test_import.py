"""Importing a workshop schedule: CSV and XLSX, UTC across summer time, all-or-nothing, the CLI."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.importer import (
    COLUMNS,
    Imported,
    ImportFailed,
    import_workshops,
    parse_rows,
    read_table,
)
from handlers.model import Audience, WorkshopKind
from storage.models import CentreRow, SessionRow
from tests.support.commands import cli
from tests.support.schedules import GOOD, HEADER, stored_counts

ROOT = Path(__file__).resolve().parent.parent
BELGRADE = ZoneInfo("Europe/Belgrade")

# GOOD's sessions in UTC: 14:00 before the end of summer time (31 October 2027), 15:00 after.
GOOD_STARTS = {
    "novi-pazar": [
        datetime(2027, 10, 19, 14, 0, tzinfo=UTC),
        datetime(2027, 10, 26, 14, 0, tzinfo=UTC),
        datetime(2027, 11, 2, 15, 0, tzinfo=UTC),
    ],
    "tutin": [datetime(2027, 7, 3, 8, 0, tzinfo=UTC)],
}
BAD = f"""{HEADER}
beograd,school,children,sr,Podrška,,2027-10-19,16:00,90,15,
novi-pazar,yoga,adults,sr,Joga,,2027-10-19,16:00,90,15,
tutin,sport,youth,bs,Fudbal,,2027-10-19,16:00,90,0,
pirot,legal,adults,sr,Pravna pomoć,,19.10.2027,25:00,60,10,
sjenica,creative,children,sr,,,2027-10-19,16:00,60,10,
krusevac,community,adults,sr,Komšijski sto,,2027-10-20,18:00,120,40,
"""


def write(tmp_path: Path, text: str, name: str = "schedule.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def stored_sessions(app) -> dict[int, tuple[str, datetime]]:
    """Every stored session (the demo seed has some too): id -> (centre slug, start)."""
    query = select(SessionRow.id, CentreRow.slug, SessionRow.starts_at).join(
        CentreRow, CentreRow.id == SessionRow.centre_id
    )
    async with app.engine.connect() as conn:
        return {sid: (slug, at) for sid, slug, at in await conn.execute(query)}


def by_centre(sessions: dict[int, tuple[str, datetime]]) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    for _, (slug, at) in sorted(sessions.items()):
        found.setdefault(slug, []).append(at)
    return found


async def imported(app, table) -> tuple[Imported, dict[int, tuple[str, datetime]]]:
    """Import a table; the result and the sessions it added."""
    before = await stored_sessions(app)
    done = await import_workshops(app, table)
    after = await stored_sessions(app)
    return done, {sid: v for sid, v in after.items() if sid not in before}


# -- through the importer, on SQLite and PostgreSQL -------------------------------------------
async def test_a_good_csv_imports_weekly_sessions_in_utc_across_the_end_of_summer_time(
    app, tmp_path
):
    done, new = await imported(app, read_table(write(tmp_path, GOOD)))
    assert done == Imported(workshops=2, sessions=4)
    assert by_centre(new) == GOOD_STARTS
    async with app.uow() as uow:
        series = [await uow.workshops.session(sid) for sid in sorted(new)]
    school = [s for s in series if s is not None and s.kind is WorkshopKind.SCHOOL]
    assert len(school) == 3
    first = school[0]
    assert first.titles == {"sr": "Podrška u učenju", "en": "School support"}
    assert (first.audience, first.language, first.minutes, first.capacity) == (
        Audience.CHILDREN, "sr", 90, 15,
    )  # fmt: skip
    assert first.series_size == 3 and len({s.workshop_id for s in school}) == 1
    assert [s.starts_at.astimezone(BELGRADE).hour for s in school] == [16, 16, 16]


async def test_a_broken_csv_reports_every_bad_row_by_number_and_imports_nothing(app, tmp_path):
    before = await stored_counts(app)
    with pytest.raises(ImportFailed) as failed:
        await import_workshops(app, read_table(write(tmp_path, BAD)))
    errors = failed.value.errors
    assert errors[0].startswith("row 2: unknown centre 'beograd' (known: krusevac, novi-pazar")
    assert errors[1].startswith("row 3: kind must be one of school, psychosocial")
    assert "(got 'yoga')" in errors[1]
    assert errors[2] == "row 4: capacity must be a whole number from 1 to 500 (got '0')"
    assert errors[3] == "row 5: date must be a date as YYYY-MM-DD (got '19.10.2027')"
    assert errors[4] == "row 5: time must be a local time as HH:MM (got '25:00')"
    assert errors[5].startswith("row 6: no title: fill in at least one of title_sr")
    assert len(errors) == 6  # row 7 is fine, and still not imported
    assert await stored_counts(app) == before


async def test_an_xlsx_file_imports_the_same_as_the_csv(app, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    # Cells as a spreadsheet holds them: real dates, times and numbers, not text.
    sheet.append([
        "novi-pazar", "school", "children", "sr", "Podrška u učenju", "School support",
        datetime(2027, 10, 19), time(16, 0), 90.0, 15, date(2027, 11, 2),
    ])  # fmt: skip
    sheet.append([None] * 11)  # a blank line between blocks is skipped, numbering kept
    sheet.append([
        "tutin", "sport", "youth", "bs", "Fudbal, za mlade", None,
        date(2027, 7, 3), time(9, 59, 59, 999_000), 120, 22, None,
    ])  # fmt: skip
    path = tmp_path / "schedule.xlsx"
    book.save(path)

    from_xlsx = read_table(path)
    from_csv = read_table(write(tmp_path, GOOD))
    xlsx_plans, xlsx_errors = parse_rows(from_xlsx.rows, BELGRADE, header=from_xlsx.header)
    csv_plans, _ = parse_rows(from_csv.rows, BELGRADE, header=from_csv.header)
    assert xlsx_errors == []
    assert [p.row for p in xlsx_plans] == [2, 4]
    # Everything but the row numbers: the XLSX has a blank line the CSV has not.
    assert [replace(p, row=0) for p in xlsx_plans] == [replace(p, row=0) for p in csv_plans]

    done, new = await imported(app, from_xlsx)
    assert done == Imported(workshops=2, sessions=4)
    assert by_centre(new) == GOOD_STARTS


@pytest.mark.parametrize("name", ["workshops.csv", "workshops.xlsx"])
async def test_the_repository_templates_import_cleanly(app, name):
    table = read_table(ROOT / "templates" / name)
    assert table.header == list(COLUMNS)
    assert await import_workshops(app, table) == Imported(workshops=3, sessions=21)


# -- the checks alone (no database) -----------------------------------------------------------
def rows_of(text: str) -> list[dict[str, str]]:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_missing_and_misspelt_columns_are_reported_from_the_header():
    rows = [{"centre": "tutin", "kind": "sport", "capacty": "10", "date": "2027-01-05"}]
    plans, errors = parse_rows(rows, BELGRADE)
    assert plans == []
    assert errors == [
        "row 1: missing column(s): audience, language, time, minutes, capacity",
        "row 1: missing a title column (one of title_sr, title_en, title_de, title_bs, title_rom)",
        f"row 1: unknown column(s): capacty (columns are {', '.join(COLUMNS)})",
    ]


def test_a_time_the_clocks_skip_or_repeat_is_refused():
    rows = rows_of(f"""{HEADER}
tutin,sport,adults,bs,Trčanje,,2027-03-28,02:30,60,10,
tutin,sport,adults,bs,Trčanje,,2027-10-31,02:30,60,10,
tutin,sport,adults,bs,Trčanje,,2027-10-24,02:30,60,10,2027-11-07
tutin,sport,adults,bs,Trčanje,,2027-10-31,03:30,60,10,
""")
    plans, errors = parse_rows(rows, BELGRADE)
    assert [e.split(":")[0] for e in errors] == ["row 2", "row 3", "row 4"]
    assert "02:30 on 2027-03-28 is skipped or repeated" in errors[0]
    assert "02:30 on 2027-10-31 is skipped or repeated" in errors[2]
    assert [p.starts for p in plans] == [(datetime(2027, 10, 31, 2, 30, tzinfo=UTC),)]


def test_series_bounds_and_the_past_are_checked():
    rows = rows_of(f"""{HEADER}
tutin,sport,adults,bs,Trčanje,,2027-01-05,18:00,60,10,2027-01-04
tutin,sport,adults,bs,Trčanje,,2027-01-05,18:00,60,10,2037-01-05
tutin,sport,adults,bs,Trčanje,,2026-01-06,18:00,60,10,
tutin,sport,adults,bs,Trčanje,,2027-01-05,18:00,14,10,2027-01-12
""")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    plans, errors = parse_rows(rows, BELGRADE, now=now)
    assert errors == [
        "row 2: repeat_weekly_until 2027-01-04 is before date 2027-01-05",
        "row 3: repeat_weekly_until 2037-01-05 is more than a year after date 2027-01-05",
        "row 4: date 2026-01-06 18:00 is in the past",
        "row 5: minutes must be a whole number from 15 to 480 (got '14')",
    ]
    assert plans == []


def test_a_semicolon_separated_csv_with_a_bom_reads_like_any_other(tmp_path):
    text = GOOD.replace(",", ";").replace('"Fudbal; za mlade"', '"Fudbal, za mlade"')
    path = tmp_path / "excel.csv"
    path.write_text(text, encoding="utf-8-sig")
    semi, plain = read_table(path), read_table(write(tmp_path, GOOD))
    assert semi == plain
    assert plain.rows[1]["title_sr"] == "Fudbal, za mlade"


def test_an_unknown_file_type_is_one_line(tmp_path):
    with pytest.raises(ImportFailed) as failed:
        read_table(write(tmp_path, GOOD, "schedule.xls"))
    assert len(failed.value.errors) == 1
    assert "unsupported file type '.xls'; use .csv or .xlsx" in failed.value.errors[0]


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def sqlite_file(cli_db: Path) -> Path:
    """A demo database of this test's own (tests/conftest.py)."""
    return cli_db


def count_sessions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])


def test_cli_imports_a_good_file(sqlite_file: Path, tmp_path: Path):
    before = count_sessions(sqlite_file)
    done = cli("import", "workshops", str(write(tmp_path, GOOD)), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 2 workshops, 4 sessions\n"
    assert count_sessions(sqlite_file) == before + 4


def test_cli_reports_a_bad_file_on_stderr_and_imports_nothing(sqlite_file: Path, tmp_path: Path):
    before = count_sessions(sqlite_file)
    done = cli("import", "workshops", str(write(tmp_path, BAD)), db=sqlite_file)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "row 2", "row 3", "row 4", "row 5", "row 5", "row 6",
    ]  # fmt: skip
    assert lines[-1] == "nothing imported: 6 problems"
    assert count_sessions(sqlite_file) == before


def test_cli_refuses_an_unknown_file_type_and_an_old_schema(sqlite_file: Path, tmp_path: Path):
    wrong = cli("import", "workshops", str(write(tmp_path, GOOD, "a.ods")), db=sqlite_file)
    assert wrong.returncode == 2
    assert len(wrong.stderr.strip().splitlines()) == 1 and "use .csv or .xlsx" in wrong.stderr
    old = cli("import", "workshops", str(write(tmp_path, GOOD)), db=tmp_path / "new.db")
    assert old.returncode == 1
    assert old.stderr.startswith("Cannot import: ") and "reintegrate-bot migrate" in old.stderr
    assert len(old.stderr.strip().splitlines()) == 1


def test_cli_imports_the_template(sqlite_file: Path):
    before = count_sessions(sqlite_file)
    done = cli("import", "workshops", str(ROOT / "templates" / "workshops.xlsx"), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 3 workshops, 21 sessions\n"
    assert count_sessions(sqlite_file) == before + 21
