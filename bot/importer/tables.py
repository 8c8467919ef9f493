"""Reading a CSV or XLSX file into a `Table` of text cells, within limits, and its header check.

The readers refuse a file past `ImportLimits` (bytes, rows, an XLSX's unpacked size) before
they read it whole. Every kind of file (workshops, advisers, shifts) is read by `read_table`
and its header checked by `check_header`.
"""

from __future__ import annotations

import csv
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

UNNAMED = ""  # where cells under no header end up, so a shifted row is noticed, not dropped

# Reading limits besides the IMPORT_MAX_* settings (ImportLimits). A workbook of a few sheets
# holds 10-30 files; a sheet packs 5-20 to 1 (100 to 1 is also Apache POI's default limit).
XLSX_MEMBERS = 1000
XLSX_RATIO = 100
RATIO_FROM = 100_000  # a smaller member cannot hurt, whatever it packs to
XLSX_COLUMNS = 64
SHEET_ROWS = 1_048_576  # a spreadsheet's last row


class ImportFailed(Exception):
    """The file cannot be imported; `errors` says why, one line each."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """How big a file `read_table` reads; the defaults are the settings' defaults."""

    max_bytes: int = 5_000_000
    max_rows: int = 10_000
    max_uncompressed_bytes: int = 50_000_000

    @classmethod
    def of(cls, settings: Settings) -> ImportLimits:
        """The limits set by IMPORT_MAX_BYTES, IMPORT_MAX_ROWS and IMPORT_MAX_UNCOMPRESSED_BYTES."""
        return cls(
            max_bytes=settings.import_max_bytes,
            max_rows=settings.import_max_rows,
            max_uncompressed_bytes=settings.import_max_uncompressed_bytes,
        )


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header (as written, lower-cased) and its rows; rows[i] is row i + 2."""

    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell as the text the checks expect: dates as YYYY-MM-DD, times as HH:MM, 90.0 as 90."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Spreadsheets return date cells as midnight datetimes; a time part would be a mistake.
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _time_text(value)
    if isinstance(value, bool):  # before int: True is an int too
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _time_text(value: time) -> str:
    # Spreadsheets keep a time as a fraction of a day, so 16:00 can come back as 15:59:59.999.
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    minutes = round(seconds / 60)
    if abs(seconds - minutes * 60) < 1 and minutes < 24 * 60:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return value.isoformat()


def _line_row(line: Sequence[object], header: Sequence[str]) -> dict[str, str] | None:
    """One line under the header as a row; None when every cell is empty."""
    row = {name: "" for name in header if name}
    filled = False
    for i, cell in enumerate(line):
        text = cell_text(cell)
        if not text:
            continue
        filled = True
        name = header[i] if i < len(header) else UNNAMED
        row[name or UNNAMED] = text
    return row if filled else None


def _table(lines: Iterable[Sequence[object]], path: Path, max_rows: int) -> Table:
    """Header from the first line, one dict per following line; stray cells kept under ''.

    Reads no further than the row limit: a longer file is refused at the first row too many.
    """
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return Table(header=[])
    header = [cell_text(c).lower() for c in first]
    while header and not header[-1]:
        header.pop()  # a sheet is read XLSX_COLUMNS wide; cells past the header are stray anyway
    # Every blank row is this one dict (rows are read, never changed), and blank rows are kept
    # only when a filled row follows: a sheet formatted down to row 1,048,576 costs nothing.
    blank = {name: "" for name in header if name}
    rows: list[dict[str, str]] = []
    pending = filled = 0
    empty: object = None  # openpyxl yields one shared tuple for rows the sheet leaves out
    for number, line in enumerate(lines, start=2):
        if number > SHEET_ROWS:
            raise ImportFailed([f"{path}: rows past row {SHEET_ROWS:,}, a spreadsheet's last"])
        row = None if line is empty else _line_row(line, header)
        if row is None:
            empty = line
            pending += 1
            continue
        filled += 1
        if filled > max_rows:
            raise ImportFailed(
                [f"{path}: more than {max_rows:,} {'row' if max_rows == 1 else 'rows'} under "
                 "the header (IMPORT_MAX_ROWS); "
                 "split the file and import the parts one by one"]
            )  # fmt: skip
        rows.extend([blank] * pending)
        pending = 0
        rows.append(row)
    return Table(header=header, rows=rows)


def read_csv(path: Path, limits: ImportLimits | None = None) -> Table:
    """A UTF-8 CSV file (with or without a BOM), comma- or semicolon-separated."""
    limits = limits or ImportLimits()
    try:
        # Streamed: a file over the row limit is refused without reading the rest.
        with path.open(encoding="utf-8-sig", newline="") as file:
            first = file.readline()
            # Excel with Serbian or German settings separates with ';'; the header shows which.
            delimiter = ";" if first.count(";") > first.count(",") else ","
            lines = csv.reader(chain([first], file), delimiter=delimiter)
            return _table(lines, path, limits.max_rows)
    except UnicodeDecodeError:
        raise ImportFailed([f"{path}: not UTF-8 text; save it as 'CSV UTF-8'"]) from None
    except OSError as exc:
        raise ImportFailed([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except csv.Error as exc:
        raise ImportFailed([f"{path}: not a readable CSV file ({exc})"]) from None


def check_xlsx_archive(path: Path, limits: ImportLimits | None = None) -> None:
    """Refuse a workbook that would unpack too big (a zip bomb), before openpyxl opens it.

    zipfile never unpacks a member past the size its directory gives (it stops with a CRC
    error), so the sizes added up here bound what openpyxl can unpack from the file.
    """
    limits = limits or ImportLimits()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFailed([f"{path}: not a readable XLSX workbook (not a zip file)"]) from None
    except OSError as exc:
        raise ImportFailed([f"cannot read {path}: {exc.strerror or exc}"]) from None
    if len(members) > XLSX_MEMBERS:
        raise ImportFailed(
            [f"{path}: not read: {len(members):,} files inside, more than a workbook has "
             f"({XLSX_MEMBERS:,})"]
        )  # fmt: skip
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_uncompressed_bytes:
        raise ImportFailed(
            [f"{path}: not read: it unpacks to {unpacked:,} bytes, more than "
             f"IMPORT_MAX_UNCOMPRESSED_BYTES ({limits.max_uncompressed_bytes:,})"]
        )  # fmt: skip
    for m in members:
        if m.file_size > RATIO_FROM and m.file_size > XLSX_RATIO * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            raise ImportFailed(
                [f"{path}: not read: {m.filename!r} inside is packed {ratio:,} to 1, far more "
                 f"than a spreadsheet packs (at most {XLSX_RATIO} to 1 is read)"]
            )  # fmt: skip


def read_xlsx(path: Path, limits: ImportLimits | None = None) -> Table:
    """The first sheet of an XLSX workbook; cells may be text, numbers, dates or times."""
    limits = limits or ImportLimits()
    check_xlsx_archive(path, limits)
    from openpyxl import load_workbook  # only here: CSV imports and other verbs start faster

    try:
        # data_only: a formula's last computed value, as the person saw it in the sheet.
        book = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise ImportFailed([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise ImportFailed([f"{path}: not a readable XLSX workbook ({exc})"]) from None
    try:
        if not book.worksheets:
            return Table(header=[])
        sheet = book.worksheets[0]
        # iter_rows starts at A1, so positions are the sheet's own row numbers. A sheet's
        # <dimension> may claim 16,384 columns, and openpyxl pads every row to it: the rows
        # are read XLSX_COLUMNS wide instead (a template has 11).
        rows = sheet.iter_rows(max_col=XLSX_COLUMNS, values_only=True)
        return _table(rows, path, limits.max_rows)
    except ImportFailed:
        raise
    except Exception as exc:  # a damaged sheet shows only while its rows are read
        raise ImportFailed([f"{path}: not a readable XLSX workbook ({exc})"]) from None
    finally:
        book.close()


READERS: dict[str, Callable[[Path, ImportLimits], Table]] = {".csv": read_csv, ".xlsx": read_xlsx}


def read_table(path: Path, limits: ImportLimits | None = None) -> Table:
    """Read a .csv or .xlsx file by its extension, within `limits` (the defaults if None)."""
    limits = limits or ImportLimits()
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ImportFailed(
            [f"{path}: unsupported file type {path.suffix or '(none)'!r}; use .csv or .xlsx"]
        )
    try:
        info = path.stat()
    except OSError as exc:
        raise ImportFailed([f"cannot read {path}: {exc.strerror or exc}"]) from None
    if not stat.S_ISREG(info.st_mode):  # a pipe or device has no size to check
        raise ImportFailed([f"{path}: not a file"])
    if info.st_size > limits.max_bytes:
        raise ImportFailed(
            [f"{path}: not read: {info.st_size:,} bytes, more than IMPORT_MAX_BYTES "
             f"({limits.max_bytes:,}); split the file and import the parts one by one"]
        )  # fmt: skip
    return reader(path, limits)


def check_header(
    header: Sequence[str],
    required: Sequence[str],
    known: Sequence[str],
    *,
    one_of: tuple[str, Sequence[str]] | None = None,
) -> list[str]:
    """Problems with a header row: missing, unknown (usually misspelt) or repeated columns.

    `one_of` names a group of columns of which at least one must be there, such as
    ("title", the title columns).
    """
    names = [h for h in header if h]
    errors = []
    missing = [c for c in required if c not in names]
    if missing:
        errors.append(f"row 1: missing column(s): {', '.join(missing)}")
    if one_of is not None and not any(c in names for c in one_of[1]):
        what, group = one_of
        errors.append(f"row 1: missing a {what} column (one of {', '.join(group)})")
    # An unknown column is usually a misspelt one whose values would silently be ignored.
    unknown = [h for h in dict.fromkeys(names) if h not in known]
    if unknown:
        errors.append(
            f"row 1: unknown column(s): {', '.join(unknown)} (columns are {', '.join(known)})"
        )
    repeated = [h for h in dict.fromkeys(names) if names.count(h) > 1]
    if repeated:
        errors.append(f"row 1: column(s) given twice: {', '.join(repeated)}")
    return errors
