"""Importing volunteer shifts: CSV and XLSX, UTC across summer time, all-or-nothing, the CLI."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.importer import (
    SHIFT_COLUMNS,
    ImportedShifts,
    ImportFailed,
    import_shifts,
    parse_shift_rows,
    read_table,
)
from handlers.model import Task
from storage.models import CentreRow, ShiftRow
from tests.support.commands import cli

ROOT = Path(__file__).resolve().parent.parent
BELGRADE = ZoneInfo("Europe/Belgrade")

HEADER = "centre,day,start,end,task,places,note,repeat_weekly_until"
# Summer time ends on Sunday 31 October 2027: 14:00 in Belgrade is 12:00 UTC before, 13:00 after.
GOOD = f"""{HEADER}
pirot,2027-10-25,14:00,17:00,school,3,Homework help,2027-11-08
Tutin,2027-07-03,10:00,14:00,Events,4,"Neighbourhood day: games, tea",
"""
GOOD_TIMES = {
    "pirot": [
        (datetime(2027, 10, 25, 12, 0, tzinfo=UTC), datetime(2027, 10, 25, 15, 0, tzinfo=UTC)),
        (datetime(2027, 11, 1, 13, 0, tzinfo=UTC), datetime(2027, 11, 1, 16, 0, tzinfo=UTC)),
        (datetime(2027, 11, 8, 13, 0, tzinfo=UTC), datetime(2027, 11, 8, 16, 0, tzinfo=UTC)),
    ],
    "tutin": [(datetime(2027, 7, 3, 8, 0, tzinfo=UTC), datetime(2027, 7, 3, 12, 0, tzinfo=UTC))],
}
LONG_NOTE = "x" * 121
BAD = f"""{HEADER}
beograd,2027-10-19,09:00,12:00,school,3,,
pirot,2027-10-19,09:00,12:00,cooking,3,,
tutin,2027-10-19,09:00,12:00,events,0,,
sjenica,19.10.2027,9,12:00,driving,51,,
krusevac,2027-10-19,12:00,09:00,other,2,,
novi-pazar,2026-11-20,09:00,12:00,translation,2,,
pirot,2027-10-19,09:00,12:00,school,2,{LONG_NOTE},
tutin,2027-10-20,18:00,20:00,translation,2,,
"""
BAD_ERRORS = [
    "row 2: unknown centre 'beograd' (known: krusevac, novi-pazar, pirot, sjenica, tutin)",
    "row 3: task must be one of school, translation, events, driving, other (got 'cooking')",
    "row 4: places must be a whole number from 1 to 50 (got '0')",
    "row 5: day must be a date as YYYY-MM-DD (got '19.10.2027')",
    "row 5: start must be a local time as HH:MM (got '9')",
    "row 5: places must be a whole number from 1 to 50 (got '51')",
    "row 6: end 09:00 is not after start 12:00",
    "row 7: day 2026-11-20 09:00 is in the past",
    "row 8: note is longer than 120 characters (121)",
]


def write(tmp_path: Path, text: str, name: str = "shifts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def stored_shifts(app) -> dict[int, tuple[str, datetime, datetime]]:
    """Every stored shift: id -> (centre slug, start, end)."""
    query = select(ShiftRow.id, CentreRow.slug, ShiftRow.starts_at, ShiftRow.ends_at).join(
        CentreRow, CentreRow.id == ShiftRow.centre_id
    )
    async with app.engine.connect() as conn:
        return {sid: (slug, a, b) for sid, slug, a, b in await conn.execute(query)}


def by_centre(
    shifts: dict[int, tuple[str, datetime, datetime]],
) -> dict[str, list[tuple[datetime, datetime]]]:
    found: dict[str, list[tuple[datetime, datetime]]] = {}
    for _, (slug, start, end) in sorted(shifts.items()):
        found.setdefault(slug, []).append((start, end))
    return found


async def imported(app, table) -> tuple[ImportedShifts, dict[int, tuple[str, datetime, datetime]]]:
    """Import a table; the result and the shifts it added."""
    before = await stored_shifts(app)
    done = await import_shifts(app, table)
    after = await stored_shifts(app)
    return done, {sid: v for sid, v in after.items() if sid not in before}


async def count_shifts(app) -> int:
    async with app.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(ShiftRow))).scalar_one())


# -- through the importer, on SQLite and PostgreSQL -------------------------------------------
async def test_a_good_csv_imports_weekly_shifts_in_utc_across_the_end_of_summer_time(app, tmp_path):
    done, new = await imported(app, read_table(write(tmp_path, GOOD)))
    assert done == ImportedShifts(rows=2, shifts=4)
    assert by_centre(new) == GOOD_TIMES
    async with app.uow() as uow:
        shifts = [await uow.shifts.get(sid) for sid in sorted(new)]
    school = [s for s in shifts if s is not None and s.task is Task.SCHOOL]
    assert len(school) == 3
    assert {(s.places, s.taken, s.note, s.status) for s in school} == {
        (3, 0, "Homework help", "scheduled")
    }
    assert [s.starts_at.astimezone(BELGRADE).hour for s in school] == [14, 14, 14]
    assert [s.ends_at.astimezone(BELGRADE).hour for s in school] == [17, 17, 17]
    events = [s for s in shifts if s is not None and s.task is Task.EVENTS]
    assert [(e.places, e.note) for e in events] == [(4, "Neighbourhood day: games, tea")]


async def test_a_broken_csv_reports_every_problem_by_row_and_imports_nothing(app, tmp_path):
    before = await count_shifts(app)
    with pytest.raises(ImportFailed) as failed:
        await import_shifts(app, read_table(write(tmp_path, BAD)))
    assert failed.value.errors == BAD_ERRORS  # row 9 is fine, and still not imported
    assert await count_shifts(app) == before


async def test_an_xlsx_file_imports_the_same_as_the_csv(app, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    # Cells as a spreadsheet holds them: real dates, times and numbers, not text.
    sheet.append([
        "pirot", datetime(2027, 10, 25), time(14), time(16, 59, 59, 999_000), "school", 3.0,
        "Homework help", date(2027, 11, 8),
    ])  # fmt: skip
    sheet.append([None] * 8)  # a blank line is skipped, numbering kept
    sheet.append([
        "Tutin", date(2027, 7, 3), time(10), time(14), "Events", 4,
        "Neighbourhood day: games, tea", None,
    ])  # fmt: skip
    path = tmp_path / "shifts.xlsx"
    book.save(path)

    from_xlsx = read_table(path)
    from_csv = read_table(write(tmp_path, GOOD))
    xlsx_plans, xlsx_errors = parse_shift_rows(from_xlsx.rows, BELGRADE, header=from_xlsx.header)
    csv_plans, _ = parse_shift_rows(from_csv.rows, BELGRADE, header=from_csv.header)
    assert xlsx_errors == []
    assert [p.row for p in xlsx_plans] == [2, 4]
    assert [replace(p, row=0) for p in xlsx_plans] == [replace(p, row=0) for p in csv_plans]

    done, new = await imported(app, from_xlsx)
    assert done == ImportedShifts(rows=2, shifts=4)
    assert by_centre(new) == GOOD_TIMES


@pytest.mark.parametrize("name", ["shifts.csv", "shifts.xlsx"])
async def test_the_repository_templates_import_cleanly(app, name):
    table = read_table(ROOT / "templates" / name)
    assert table.header == list(SHIFT_COLUMNS)
    assert await import_shifts(app, table) == ImportedShifts(rows=5, shifts=15)


# -- the checks alone (no database) -----------------------------------------------------------
def rows_of(text: str) -> list[dict[str, str]]:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_missing_and_misspelt_columns_are_reported_from_the_header():
    rows = [{"centre": "tutin", "date": "2027-01-05", "start": "09:00", "end": "12:00"}]
    plans, errors = parse_shift_rows(rows, BELGRADE)
    assert plans == []
    assert errors == [
        "row 1: missing column(s): day, task, places",
        f"row 1: unknown column(s): date (columns are {', '.join(SHIFT_COLUMNS)})",
    ]


def test_times_the_clocks_skip_or_repeat_and_series_bounds_are_refused():
    rows = rows_of(f"""{HEADER}
tutin,2027-03-28,02:30,04:00,events,2,,
tutin,2027-10-24,01:00,02:30,events,2,,2027-11-07
tutin,2027-01-05,18:00,20:00,events,2,,2027-01-04
tutin,2027-01-05,18:00,20:00,events,2,,2037-01-05
tutin,2027-01-05,18:00,18:00,events,2,,
tutin,2027-01-05,18:00,20:00,events,2,,2027-01-12
""")
    plans, errors = parse_shift_rows(rows, BELGRADE, now=datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert errors == [
        "row 2: 02:30 on 2027-03-28 is skipped or repeated when the clocks change in "
        "Europe/Belgrade; choose another time",
        "row 3: 02:30 on 2027-10-31 is skipped or repeated when the clocks change in "
        "Europe/Belgrade; choose another time",
        "row 4: repeat_weekly_until 2027-01-04 is before day 2027-01-05",
        "row 5: repeat_weekly_until 2037-01-05 is more than a year after day 2027-01-05",
        "row 6: end 18:00 is not after start 18:00",
    ]
    assert [p.row for p in plans] == [7] and len(plans[0].times) == 2


def test_an_empty_file_and_a_stray_cell_are_reported():
    assert parse_shift_rows([], BELGRADE, header=HEADER.split(",")) == (
        [], ["no shifts found under the header"],
    )  # fmt: skip
    (row,) = rows_of(f"{HEADER}\npirot,2027-01-05,09:00,12:00,school,2,,")
    plans, errors = parse_shift_rows([{**row, "": "oops"}], BELGRADE, header=HEADER.split(","))
    assert plans == []
    assert errors == ["row 2: a value 'oops' stands in a column with no header"]


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def sqlite_file(cli_db: Path) -> Path:
    """A demo database of this test's own (tests/conftest.py)."""
    return cli_db


def count_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM shifts").fetchone()[0])


def test_cli_imports_a_good_file(sqlite_file: Path, tmp_path: Path):
    before = count_rows(sqlite_file)
    done = cli("import", "shifts", str(write(tmp_path, GOOD)), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 4 shifts from 2 rows\n"
    assert count_rows(sqlite_file) == before + 4


def test_cli_reports_a_bad_file_on_stderr_and_imports_nothing(sqlite_file: Path, tmp_path: Path):
    before = count_rows(sqlite_file)
    done = cli("import", "shifts", str(write(tmp_path, BAD)), db=sqlite_file)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [*BAD_ERRORS, "nothing imported: 9 problems"]
    assert count_rows(sqlite_file) == before


def test_cli_imports_the_template(sqlite_file: Path):
    before = count_rows(sqlite_file)
    done = cli("import", "shifts", str(ROOT / "templates" / "shifts.xlsx"), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 15 shifts from 5 rows\n"
    assert count_rows(sqlite_file) == before + 15


def test_cli_help_names_shifts(tmp_path: Path):
    done = cli("import", "--help", db=tmp_path / "unused.db")
    assert done.returncode == 0
    assert "{workshops,advisers,shifts}" in done.stdout and "templates/shifts.csv" in done.stdout
