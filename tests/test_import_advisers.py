"""Importing advisers' weekly hours and days off: CSV and XLSX, all-or-nothing, the CLI."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.importer import (
    ADVISER_COLUMNS,
    AdviserPlan,
    HoursPlan,
    ImportedAdvisers,
    ImportFailed,
    import_advisers,
    parse_adviser_rows,
    read_table,
    whole_day,
)
from handlers.rules.slots import free_slots
from storage.models import AdviserAbsenceRow, AdviserHoursRow, AdviserRow, CentreRow
from storage.seed import DEMO_ADVISERS
from tests.support.commands import cli

ROOT = Path(__file__).resolve().parent.parent
BELGRADE = ZoneInfo("Europe/Belgrade")
HEADER = "adviser,slot_minutes,centre,weekday,from,to,day_off"

# Marko gets new hours (replacing Tuesday 09-13 at Pirot and Friday 09-12 at Kruševac) and a
# winter day off; Vesna is new, with the default slot length and a day off on the day summer
# time begins (23 hours long).
GOOD = f"""{HEADER}
Marko,20,pirot,uto,10:00,12:00,
Marko,20,pirot,sat,09:00,10:00,
Marko,,krusevac,fri,08:00,09:00,
Marko,,,,,,2026-12-01
Vesna,,tutin,čet,12:00,13:00,
Vesna,,,,,,2027-03-28
"""
GOOD_HOURS = {
    "Marko": {("pirot", 1, "10:00", "12:00"), ("pirot", 5, "09:00", "10:00"),
              ("krusevac", 4, "08:00", "09:00")},
    "Vesna": {("tutin", 3, "12:00", "13:00")},
}  # fmt: skip
GOOD_DAYS_OFF = {
    # Local midnight to local midnight: 23:00 UTC the day before in winter (UTC+1) ...
    "Marko": {(datetime(2026, 11, 30, 23, tzinfo=UTC), datetime(2026, 12, 1, 23, tzinfo=UTC))},
    # ... and a 23-hour day when the clocks go forward (from UTC+1 to UTC+2).
    "Vesna": {(datetime(2027, 3, 27, 23, tzinfo=UTC), datetime(2027, 3, 28, 22, tzinfo=UTC))},
}
BAD = f"""{HEADER}
Marko,30,beograd,tue,09:00,10:00,
Marko,30,pirot,tuesday,09:00,10:00,
Marko,30,pirot,wed,13:00,09:00,
Marko,30,pirot,fri,09:00,11:00,
Marko,30,krusevac,fri,10:00,12:00,
Amra,45,sjenica,mon,10:00,12:00,2027-01-04
Amra,45,sjenica,wed,10:00,12:00,
Amra,60,sjenica,thu,10:00,12:00,
Jelena,,,,,,2027-01-05
"""
BAD_ERRORS = [
    "row 2: unknown centre 'beograd' (known: krusevac, novi-pazar, pirot, sjenica, tutin)",
    "row 3: weekday must be one of mon, tue, wed, thu, fri, sat, sun "
    "(or pon, uto, sre, čet, pet, sub, ned) (got 'tuesday')",
    "row 4: from 13:00 is not before to 09:00",
    "row 6: Marko's hours 10:00-12:00 on fri overlap 09:00-11:00 on row 5",
    "row 7: a day_off row must leave centre, weekday, from and to empty "
    "(got centre, weekday, from, to)",
    "row 9: slot_minutes 60 differs from 45 on row 8 (one length per adviser)",
]


def write(tmp_path: Path, text: str, name: str = "advisers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


Snapshot = tuple[list[tuple[str, int, int | None]], list[tuple[str, ...]], list[tuple[object, ...]]]


async def snapshot(app) -> Snapshot:
    """Every adviser (name, slot, user), their hours and their absences, by name."""
    async with app.engine.connect() as conn:
        advisers = await conn.execute(
            select(AdviserRow.name, AdviserRow.slot_minutes, AdviserRow.user_id)
        )
        hours = await conn.execute(
            select(AdviserRow.name, CentreRow.slug, AdviserHoursRow.weekday,
                   AdviserHoursRow.starts, AdviserHoursRow.ends)
            .join(AdviserRow, AdviserRow.id == AdviserHoursRow.adviser_id)
            .join(CentreRow, CentreRow.id == AdviserHoursRow.centre_id)
        )  # fmt: skip
        absences = await conn.execute(
            select(AdviserRow.name, AdviserAbsenceRow.starts_at, AdviserAbsenceRow.ends_at).join(
                AdviserRow, AdviserRow.id == AdviserAbsenceRow.adviser_id
            )
        )
        return (
            sorted(tuple(r) for r in advisers),
            sorted(tuple(r) for r in hours),
            sorted(tuple(r) for r in absences),
        )


def hours_of(snap: Snapshot, name: str) -> set[tuple[str, ...]]:
    return {h[1:] for h in snap[1] if h[0] == name}


def days_off_of(snap: Snapshot, name: str) -> set[tuple[object, ...]]:
    return {a[1:] for a in snap[2] if a[0] == name}


async def check_good_import(app, done: ImportedAdvisers, before: Snapshot) -> None:
    """What GOOD (as CSV or XLSX) must have stored, and nothing else."""
    assert done == ImportedAdvisers(advisers=2, hours=4, days_off=2)
    after = await snapshot(app)
    advisers = {name: (slot, user) for name, slot, user in after[0]}
    assert advisers["Marko"] == (20, None)
    assert advisers["Vesna"] == (30, None)  # new, with the default slot length
    assert len(after[0]) == len(before[0]) + 1
    for name in ("Marko", "Vesna"):
        assert hours_of(after, name) == GOOD_HOURS[name]
        assert days_off_of(after, name) == GOOD_DAYS_OFF[name]
    for name in ("Jelena", "Amra"):  # not in the file: untouched
        assert hours_of(after, name) == hours_of(before, name)
        assert days_off_of(after, name) == set()


# -- through the importer, on SQLite and PostgreSQL -------------------------------------------
async def test_a_good_csv_replaces_hours_and_adds_days_off_that_free_times_follow(app, tmp_path):
    before = await snapshot(app)
    assert hours_of(before, "Marko") == {("pirot", 1, "09:00", "13:00"),
                                         ("krusevac", 4, "09:00", "12:00")}  # fmt: skip
    done = await import_advisers(app, read_table(write(tmp_path, GOOD)))
    await check_good_import(app, done, before)

    # What a participant is offered at Pirot over two weeks from Monday 23 November 2026:
    # Marko's new Tuesday and Saturday hours in 20-minute slots, but not on his day off.
    marko = await adviser_id(app, "Marko")
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        assert pirot is not None
        hours, minutes = await uow.legal.hours(pirot.id)
        start = datetime(2026, 11, 23, tzinfo=BELGRADE)
        blocked, booked = await uow.legal.busy(
            sorted({h.adviser_id for h in hours}), start, start + timedelta(days=15)
        )
    assert minutes[marko] == 20
    assert {(h.weekday, h.start, h.end) for h in hours if h.adviser_id == marko} == {
        (1, time(10), time(12)), (5, time(9), time(10)),
    }  # fmt: skip
    slots = free_slots(
        hours=hours, slot_minutes=minutes, days_off=(), blocked=blocked, booked=booked,
        first_day=date(2026, 11, 23), days=14, now=app.clock.now(), notice=timedelta(hours=2),
        tz=BELGRADE,
    )  # fmt: skip
    offered = [
        s.starts_at.astimezone(BELGRADE).strftime("%a %d %H:%M")
        for s in slots
        if s.adviser_id == marko
    ]
    assert offered == [
        "Tue 24 10:00", "Tue 24 10:20", "Tue 24 10:40", "Tue 24 11:00", "Tue 24 11:20",
        "Tue 24 11:40", "Sat 28 09:00", "Sat 28 09:20", "Sat 28 09:40",
        # Tuesday 1 December is his day off.
        "Sat 05 09:00", "Sat 05 09:20", "Sat 05 09:40",
    ]  # fmt: skip


async def test_a_broken_csv_reports_every_bad_row_by_number_and_changes_nothing(app, tmp_path):
    before = await snapshot(app)
    with pytest.raises(ImportFailed) as failed:
        await import_advisers(app, read_table(write(tmp_path, BAD)))
    assert failed.value.errors == BAD_ERRORS
    assert await snapshot(app) == before


async def test_an_xlsx_file_imports_the_same_as_the_csv(app, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    # Cells as a spreadsheet holds them: numbers, times and dates, not text.
    sheet.append(["Marko", 20.0, "pirot", "uto", time(10), time(11, 59, 59, 999_000), None])
    sheet.append(["Marko", 20, "pirot", "sat", time(9), time(10), None])
    sheet.append(["Marko", None, "krusevac", "fri", time(8), time(9), None])
    sheet.append(["Marko", None, None, None, None, None, datetime(2026, 12, 1)])
    sheet.append([" Vesna ", None, "Tutin", "ČET", time(12), time(13), None])
    sheet.append(["Vesna", None, None, None, None, None, date(2027, 3, 28)])
    path = tmp_path / "advisers.xlsx"
    book.save(path)

    from_xlsx, from_csv = read_table(path), read_table(write(tmp_path, GOOD))
    assert parse_adviser_rows(from_xlsx.rows, header=from_xlsx.header) == parse_adviser_rows(
        from_csv.rows, header=from_csv.header
    )
    before = await snapshot(app)
    await check_good_import(app, await import_advisers(app, from_xlsx), before)


@pytest.mark.parametrize("name", ["advisers.csv", "advisers.xlsx"])
async def test_the_repository_templates_import_cleanly_and_twice_change_nothing(app, name):
    table = read_table(ROOT / "templates" / name)
    assert table.header == list(ADVISER_COLUMNS)
    before = await snapshot(app)
    done = await import_advisers(app, table)
    assert done == ImportedAdvisers(advisers=3, hours=8, days_off=1)
    after = await snapshot(app)
    # The templates hold the demo advisers' hours, so only the day off is new.
    assert after[:2] == before[:2]
    assert {name: {(c, d, s, e) for c, d, s, e in hours} for name, _, hours in DEMO_ADVISERS} == {
        name: hours_of(after, name) for name in ("Jelena", "Marko", "Amra")
    }
    assert after[2] == [("Jelena", *whole_day(date(2027, 5, 3), BELGRADE))]
    # Importing the same file again adds no second copy of the day off.
    assert await import_advisers(app, table) == done
    assert await snapshot(app) == after


async def adviser_id(app, name: str) -> int:
    async with app.engine.connect() as conn:
        found = await conn.execute(select(AdviserRow.id).where(AdviserRow.name == name))
        return int(found.scalar_one())


# -- the checks alone (no database) -----------------------------------------------------------
def rows_of(text: str) -> list[dict[str, str]]:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_missing_and_misspelt_columns_are_reported_from_the_header():
    rows = [{"adviser": "Jelena", "centre": "tutin", "weekday": "mon", "form": "09:00"}]
    assert parse_adviser_rows(rows) == (
        [],
        [
            "row 1: missing column(s): from, to",
            f"row 1: unknown column(s): form (columns are {', '.join(ADVISER_COLUMNS)})",
        ],
    )


def test_serbian_weekdays_one_plan_per_adviser_and_more_row_checks():
    rows = rows_of(f"""{HEADER}
Jelena,,tutin,pon,9:00,10:00,
Jelena,,tutin,Čet,09:00,10:00,
Jelena,,tutin,cet,10:00,11:00,
Jelena,,tutin,NED,10:00,11:00,
Jelena,,,,,,2027-01-05
Jelena,,,,,,2027-01-05
""")
    plans, errors = parse_adviser_rows(rows)
    assert errors == []
    assert plans == [
        AdviserPlan(
            name="Jelena", slot_minutes=30,
            hours=(HoursPlan(2, "tutin", 0, time(9), time(10)),
                   HoursPlan(3, "tutin", 3, time(9), time(10)),
                   HoursPlan(4, "tutin", 3, time(10), time(11)),  # touching is not overlapping
                   HoursPlan(5, "tutin", 6, time(10), time(11))),
            days_off=(date(2027, 1, 5),),  # given twice, one day off
        )
    ]  # fmt: skip

    rows = rows_of(f"""{HEADER}
Jelena,,tutin,mon,09:00,10:00,
jelena,,tutin,tue,09:00,10:00,
Jelena,9,,,,,05.01.2027
Jelena,,,,,,
,,tutin,mon,09:00,10:00,
Jelena,,tutin,,25:00,,
""")
    assert parse_adviser_rows(rows) == (
        [],
        [
            "row 3: adviser 'jelena' is written 'Jelena' on row 2; write the name the same way "
            "on every row",
            "row 4: slot_minutes must be a whole number from 10 to 120 (got '9')",
            "row 4: day_off must be a date as YYYY-MM-DD (got '05.01.2027')",
            "row 5: neither hours (centre, weekday, from, to) nor a day_off",
            "row 6: adviser is empty",
            "row 7: weekday must be one of mon, tue, wed, thu, fri, sat, sun "
            "(or pon, uto, sre, čet, pet, sub, ned) (got '')",
            "row 7: from must be a local time as HH:MM (got '25:00')",
            "row 7: to must be a local time as HH:MM (got '')",
        ],
    )


def test_a_day_off_is_local_midnight_to_midnight_in_utc():
    assert whole_day(date(2027, 7, 1), BELGRADE) == (
        datetime(2027, 6, 30, 22, tzinfo=UTC), datetime(2027, 7, 1, 22, tzinfo=UTC),
    )  # fmt: skip
    # The night the clocks go back: 25 hours.
    assert whole_day(date(2027, 10, 31), BELGRADE) == (
        datetime(2027, 10, 30, 22, tzinfo=UTC), datetime(2027, 10, 31, 23, tzinfo=UTC),
    )  # fmt: skip


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def sqlite_file(cli_db: Path) -> Path:
    """A demo database of this test's own (tests/conftest.py)."""
    return cli_db


def stored(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            sorted(conn.execute(query).fetchall())
            for query in (
                "SELECT name, slot_minutes FROM advisers",
                "SELECT a.name, h.centre_id, h.weekday, h.starts, h.ends FROM adviser_hours h "
                "JOIN advisers a ON a.id = h.adviser_id",
                "SELECT a.name, b.starts_at, b.ends_at FROM adviser_absences b "
                "JOIN advisers a ON a.id = b.adviser_id",
            )
        )


def test_cli_imports_a_good_file(sqlite_file: Path, tmp_path: Path):
    done = cli("import", "advisers", str(write(tmp_path, GOOD)), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 2 advisers, 4 weekly hours, 2 days off\n"
    advisers, hours, absences = stored(sqlite_file)
    assert ("Marko", 20) in advisers and ("Vesna", 30) in advisers
    assert sorted(h[2:] for h in hours if h[0] == "Marko") == [
        (1, "10:00", "12:00"), (4, "08:00", "09:00"), (5, "09:00", "10:00"),
    ]  # fmt: skip
    assert [a[0] for a in absences] == ["Marko", "Vesna"]


def test_cli_reports_a_bad_file_on_stderr_and_changes_nothing(sqlite_file: Path, tmp_path: Path):
    before = stored(sqlite_file)
    done = cli("import", "advisers", str(write(tmp_path, BAD)), db=sqlite_file)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [*BAD_ERRORS, "nothing imported: 6 problems"]
    assert stored(sqlite_file) == before


def test_cli_imports_the_template(sqlite_file: Path):
    done = cli("import", "advisers", str(ROOT / "templates" / "advisers.xlsx"), db=sqlite_file)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported 3 advisers, 8 weekly hours, 1 day off\n"


async def test_a_day_off_on_which_people_are_booked_is_refused_and_nothing_changes(app, tmp_path):
    from handlers.model import Topic

    marko = await adviser_id(app, "Marko")
    async with app.uow() as uow:
        person = await uow.users.register(
            platform="telegram", external_id="b1", chat_id="b1", locale="sr", centre_id=None,
            consent_version="1", now=app.clock.now(),
        )  # fmt: skip
        pirot = await uow.centres.by_slug("pirot")
        starts = datetime(2026, 12, 1, 9, tzinfo=BELGRADE)  # his day off in GOOD
        await uow.legal.book(
            adviser_id=marko, user_id=person.id, centre_id=pirot.id, topic=Topic.HOUSING,
            starts_at=starts, ends_at=starts + timedelta(minutes=30), now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    before = await snapshot(app)
    with pytest.raises(ImportFailed) as failed:
        await import_advisers(app, read_table(write(tmp_path, GOOD)))
    assert "Marko has appointments on 2026-12-01" in failed.value.errors[0]
    assert await snapshot(app) == before
