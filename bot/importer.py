"""Import a schedule from a CSV or XLSX file (`reintegrate-bot import workshops|advisers|shifts`).

For workshops, one row is one workshop, possibly repeating weekly. Reading, checking and
storing are separate steps: the readers turn a file into a `Table` of text cells, `parse_rows`
checks every row without I/O and collects every mistake, and `import_workshops` stores the
plans in one unit of work only when the whole file is clean, so a file is imported completely
or not at all. Advisers' hours and volunteer shifts are read and checked the same way. The
readers refuse a file past `ImportLimits` (bytes, rows, an XLSX's unpacked size) before they
read it whole, and the checks refuse text shown to people with invisible characters.
"""

from __future__ import annotations

import csv
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.spreadsheet import looks_like_formula
from handlers.locales import LOCALES
from handlers.model import Audience, Task, WorkshopKind

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.config import Settings

TITLE_LOCALES: tuple[str, ...] = ("sr", "en", "de", "bs", "rom")
TITLE_COLUMNS: tuple[str, ...] = tuple(f"title_{code}" for code in TITLE_LOCALES)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "centre", "kind", "audience", "language", "date", "time", "minutes", "capacity",
)  # fmt: skip
OPTIONAL_COLUMNS: tuple[str, ...] = ("repeat_weekly_until",)
COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS[:4], *TITLE_COLUMNS, *REQUIRED_COLUMNS[4:], *OPTIONAL_COLUMNS,
)  # fmt: skip

MINUTES = (15, 480)
CAPACITY = (1, 500)
# A longer weekly series is almost always a mistyped year (2037 for 2027).
LONGEST_SERIES = timedelta(days=366)
UNNAMED = ""  # where cells under no header end up, so a shifted row is noticed, not dropped

# Reading limits besides the IMPORT_MAX_* settings (ImportLimits). A workbook of a few sheets
# holds 10-30 files; a sheet packs 5-20 to 1 (100 to 1 is also Apache POI's default limit).
XLSX_MEMBERS = 1000
XLSX_RATIO = 100
RATIO_FROM = 100_000  # a smaller member cannot hurt, whatever it packs to
XLSX_COLUMNS = 64
SHEET_ROWS = 1_048_576  # a spreadsheet's last row

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_WHOLE = re.compile(r"[+-]?[0-9]{1,6}")

_Choice = TypeVar("_Choice", WorkshopKind, Audience, Task)


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


@dataclass(frozen=True, slots=True)
class WorkshopPlan:
    """One checked row: a workshop and the UTC start of each of its sessions."""

    row: int
    centre: str
    titles: dict[str, str]
    kind: WorkshopKind
    audience: Audience
    language: str
    starts: tuple[datetime, ...]
    minutes: int
    capacity: int


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored."""

    workshops: int
    sessions: int


# -- reading ----------------------------------------------------------------------------------
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


# -- checking ---------------------------------------------------------------------------------
def check_header(header: Sequence[str]) -> list[str]:
    """Problems with the header row: missing, unknown or repeated columns."""
    names = [h for h in header if h]
    errors = []
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        errors.append(f"row 1: missing column(s): {', '.join(missing)}")
    if not any(c in names for c in TITLE_COLUMNS):
        errors.append(f"row 1: missing a title column (one of {', '.join(TITLE_COLUMNS)})")
    # An unknown column is usually a misspelt one whose values would silently be ignored.
    unknown = [h for h in dict.fromkeys(names) if h not in COLUMNS]
    if unknown:
        errors.append(
            f"row 1: unknown column(s): {', '.join(unknown)} (columns are {', '.join(COLUMNS)})"
        )
    repeated = [h for h in dict.fromkeys(names) if names.count(h) > 1]
    if repeated:
        errors.append(f"row 1: column(s) given twice: {', '.join(repeated)}")
    return errors


def parse_rows(
    rows: Sequence[Mapping[str, object]],
    tz: tzinfo,
    *,
    header: Sequence[str] | None = None,
    centres: Collection[str] | None = None,
    now: datetime | None = None,
) -> tuple[list[WorkshopPlan], list[str]]:
    """Check every row (rows[i] is spreadsheet row i + 2); the plans and every error found.

    `header` defaults to the first row's keys; with `centres` (known slugs) an unknown centre
    is an error, and with `now` so is a session that would already have started.
    """
    errors = check_header(list(header) if header is not None else list(rows[0]) if rows else [])
    if errors:
        return [], errors  # row by row, a missing column would only repeat itself
    return _each_row(rows, lambda n, cells: _parse_row(n, cells, tz, centres, now), "workshops")


_Plan = TypeVar("_Plan")


def _each_row(
    rows: Sequence[Mapping[str, object]],
    parse: Callable[[int, dict[str, str]], tuple[_Plan | None, list[str]]],
    what: str,
) -> tuple[list[_Plan], list[str]]:
    """Every non-blank row parsed (rows[i] is spreadsheet row i + 2): plans and errors."""
    plans: list[_Plan] = []
    errors: list[str] = []
    for index, raw in enumerate(rows):
        number = index + 2
        cells = {str(k).strip().lower(): cell_text(v) for k, v in raw.items()}
        if not any(cells.values()):
            continue  # blank lines between blocks of a schedule are harmless
        plan, problems = parse(number, cells)
        errors.extend(f"row {number}: {p}" for p in problems)
        if plan is not None:
            plans.append(plan)
    if not plans and not errors:
        errors.append(f"no {what} found under the header")
    return plans, errors


def _row_start(cells: dict[str, str], centres: Collection[str] | None) -> tuple[str, list[str]]:
    """The checks every row begins with: no stray cell, a known centre; (centre, problems)."""
    problems: list[str] = []
    if cells.get(UNNAMED):
        problems.append(f"a value {cells[UNNAMED]!r} stands in a column with no header")
    centre = cells.get("centre", "").lower()
    if not centre:
        problems.append("centre is empty")
    elif centres is not None and centre not in centres:
        problems.append(f"unknown centre {centre!r} (known: {', '.join(sorted(centres))})")
    return centre, problems


# Text the bot shows people (titles, adviser names, shift notes) must look as written: no
# control characters, and no invisible marks that reorder or hide what follows (a title with
# U+202E shows reversed and can pass for another). Zero-width joiners stay: emoji need them.
_INVISIBLE = frozenset(
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _shown_text(name: str, value: str, problems: list[str], *, formula: bool = True) -> None:
    """Refuse characters that would show differently from what was typed, and formula text."""
    for char in value:
        if unicodedata.category(char) == "Cc" or char in _INVISIBLE:
            what = unicodedata.name(char, "control character")
            problems.append(
                f"{name} contains an invisible character (U+{ord(char):04X} {what}); remove it"
            )
            return
    if formula and looks_like_formula(value):
        problems.append(
            f"{name} starts with {value[0]!r}, which spreadsheets take for a formula; begin "
            "with a letter or digit"
        )


def _parse_row(
    number: int,
    cells: dict[str, str],
    tz: tzinfo,
    centres: Collection[str] | None,
    now: datetime | None,
) -> tuple[WorkshopPlan | None, list[str]]:
    """One row's plan, or the reasons it has none (all of them, so one pass fixes the row)."""
    centre, problems = _row_start(cells, centres)

    kind = _choice(cells.get("kind", ""), WorkshopKind, "kind", problems)
    audience = _choice(cells.get("audience", ""), Audience, "audience", problems)

    language = _locale(cells.get("language", ""))
    if language is None:
        problems.append(
            f"language must be one of {', '.join(LOCALES)} (got {cells.get('language', '')!r})"
        )

    titles = {code: cells[f"title_{code}"] for code in TITLE_LOCALES if cells.get(f"title_{code}")}
    if not titles:
        problems.append(f"no title: fill in at least one of {', '.join(TITLE_COLUMNS)}")
    for code, title in titles.items():
        if len(title) > 80:
            problems.append(f"title_{code} is longer than 80 characters")
        _shown_text(f"title_{code}", title, problems)

    first = _date(cells.get("date", ""), "date", problems)
    at = _time(cells.get("time", ""), problems)
    minutes = _whole(cells.get("minutes", ""), "minutes", MINUTES, problems)
    capacity = _whole(cells.get("capacity", ""), "capacity", CAPACITY, problems)

    last = first
    if cells.get("repeat_weekly_until"):
        until = _date(cells["repeat_weekly_until"], "repeat_weekly_until", problems)
        if until is not None and first is not None:
            if until < first:
                problems.append(f"repeat_weekly_until {until} is before date {first}")
            elif until - first > LONGEST_SERIES:
                problems.append(
                    f"repeat_weekly_until {until} is more than a year after date {first}"
                )
            else:
                last = until

    starts: list[datetime] = []
    if first is not None and last is not None and at is not None:
        day = first
        while day <= last:
            start = _utc(day, at, tz)
            if start is None:
                problems.append(
                    f"{at:%H:%M} on {day} is skipped or repeated when the clocks change "
                    f"in {tz}; choose another time"
                )
                break
            starts.append(start)
            day += timedelta(days=7)
        if starts and now is not None and starts[0] < now:
            problems.append(f"date {first} {at:%H:%M} is in the past")

    if problems:
        return None, problems
    assert kind is not None and audience is not None and language is not None
    assert minutes is not None and capacity is not None
    plan = WorkshopPlan(
        row=number, centre=centre, titles=titles, kind=kind, audience=audience,
        language=language, starts=tuple(starts), minutes=minutes, capacity=capacity,
    )  # fmt: skip
    return plan, []


def _choice(value: str, enum: type[_Choice], name: str, problems: list[str]) -> _Choice | None:
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        problems.append(f"{name} must be one of {allowed} (got {value!r})")
        return None


def _locale(value: str) -> str | None:
    # Codes are matched without regard to case or '-' vs '_', as people type sr-cyrl too.
    wanted = value.strip().replace("-", "_").lower()
    return next((code for code in LOCALES if code.lower() == wanted), None)


def _date(value: str, name: str, problems: list[str]) -> date | None:
    # Only YYYY-MM-DD: 03.04.2027 and 04/03/2027 mean different days in different countries.
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{name} must be a date as YYYY-MM-DD (got {value!r})")
    return None


def _time(value: str, problems: list[str]) -> time | None:
    match = _TIME.fullmatch(value)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    problems.append(f"time must be a local time as HH:MM (got {value!r})")
    return None


def _whole(value: str, name: str, bounds: tuple[int, int], problems: list[str]) -> int | None:
    low, high = bounds
    if _WHOLE.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    problems.append(f"{name} must be a whole number from {low} to {high} (got {value!r})")
    return None


def _utc(day: date, at: time, tz: tzinfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None if the clocks skip or repeat it."""
    # Each session gets its own local datetime, so a series keeps its local hour when summer
    # time begins or ends; adding 7-day timedeltas to a UTC instant would shift it by an hour.
    local = datetime.combine(day, at, tzinfo=tz)
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        return None
    return local.astimezone(UTC)


# -- storing ----------------------------------------------------------------------------------
async def import_workshops(app: App, table: Table) -> Imported:
    """Check a table against the known centres and store it in one transaction, or raise."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(app.settings.timezone)
    now = app.clock.now()
    async with app.uow() as uow:
        slugs = {c.slug: c.id for c in await uow.centres.all()}
        plans, errors = parse_rows(table.rows, tz, header=table.header, centres=slugs, now=now)
        if errors:
            raise ImportFailed(errors)
        sessions = 0
        for plan in plans:
            ids = await uow.workshops.create(
                centre_id=slugs[plan.centre], titles=plan.titles, kind=plan.kind,
                audience=plan.audience, language=plan.language, starts=plan.starts,
                minutes=plan.minutes, capacity=plan.capacity, now=now,
            )  # fmt: skip
            sessions += len(ids)
        await uow.commit()
    return Imported(workshops=len(plans), sessions=sessions)


# -- advisers' weekly hours and days off (`reintegrate-bot import advisers FILE`) -------------
# One row is a block of weekly hours at a centre, or (with only `adviser` and `day_off`) a
# whole day off. Each adviser named in the file gets exactly the file's weekly hours.
ADVISER_REQUIRED: tuple[str, ...] = ("adviser", "centre", "weekday", "from", "to")
ADVISER_COLUMNS: tuple[str, ...] = (
    "adviser", "slot_minutes", "centre", "weekday", "from", "to", "day_off",
)  # fmt: skip
HOURS_COLUMNS: tuple[str, ...] = ("centre", "weekday", "from", "to")
SLOT_MINUTES = (10, 120)
DEFAULT_SLOT_MINUTES = 30
ADVISER_NAME_LENGTH = 60  # AdviserRow.name
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_SR: tuple[str, ...] = ("pon", "uto", "sre", "čet", "pet", "sub", "ned")
_WEEKDAY = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(WEEKDAYS_SR)},
    "cet": 3,  # čet typed without the háček
}


@dataclass(frozen=True, slots=True)
class HoursPlan:
    """One checked row of weekly hours: local wall-clock time, weekday 0 = Monday."""

    row: int
    centre: str
    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True, slots=True)
class AdviserPlan:
    """Everything the file says about one adviser."""

    name: str
    slot_minutes: int
    hours: tuple[HoursPlan, ...]
    days_off: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class ImportedAdvisers:
    """What an advisers import stored."""

    advisers: int
    hours: int
    days_off: int


@dataclass(frozen=True, slots=True)
class _AdviserLine:
    """One checked row before the rows of an adviser are put together."""

    row: int
    name: str
    slot_minutes: int | None
    hours: HoursPlan | None
    day_off: date | None


def check_adviser_header(header: Sequence[str]) -> list[str]:
    """Problems with the header row of an advisers file."""
    return _columns(header, ADVISER_REQUIRED, ADVISER_COLUMNS)


def _columns(header: Sequence[str], required: Sequence[str], known: Sequence[str]) -> list[str]:
    """Problems with a header row: missing, unknown (usually misspelt) or repeated columns."""
    names = [h for h in header if h]
    errors = []
    missing = [c for c in required if c not in names]
    if missing:
        errors.append(f"row 1: missing column(s): {', '.join(missing)}")
    unknown = [h for h in dict.fromkeys(names) if h not in known]
    if unknown:
        errors.append(
            f"row 1: unknown column(s): {', '.join(unknown)} (columns are {', '.join(known)})"
        )
    repeated = [h for h in dict.fromkeys(names) if names.count(h) > 1]
    if repeated:
        errors.append(f"row 1: column(s) given twice: {', '.join(repeated)}")
    return errors


def parse_adviser_rows(
    rows: Sequence[Mapping[str, object]],
    *,
    header: Sequence[str] | None = None,
    centres: Collection[str] | None = None,
) -> tuple[list[AdviserPlan], list[str]]:
    """Check every row (rows[i] is spreadsheet row i + 2); one plan per adviser, every error.

    With `centres` (known slugs) an unknown centre is an error. Besides each row on its own,
    an adviser's rows must agree on `slot_minutes` and their hours must not overlap.
    """
    header_errors = check_adviser_header(
        list(header) if header is not None else list(rows[0]) if rows else []
    )
    if header_errors:
        return [], header_errors
    problems: list[tuple[int, str]] = []
    lines: list[_AdviserLine] = []
    for index, raw in enumerate(rows):
        number = index + 2
        cells = {str(k).strip().lower(): cell_text(v) for k, v in raw.items()}
        if not any(cells.values()):
            continue
        line, found = _parse_adviser_row(number, cells, centres)
        problems.extend((number, p) for p in found)
        if line is not None:
            lines.append(line)
    problems.extend(_across_rows(lines))
    # Stable: a row's own problems first, in the order found, then those against earlier rows.
    errors = [f"row {n}: {p}" for n, p in sorted(problems, key=lambda item: item[0])]
    if not lines and not errors:
        errors.append("no advisers found under the header")
    if errors:
        return [], errors
    return _adviser_plans(lines), []


def _parse_adviser_row(
    number: int, cells: dict[str, str], centres: Collection[str] | None
) -> tuple[_AdviserLine | None, list[str]]:
    problems: list[str] = []
    if cells.get(UNNAMED):
        problems.append(f"a value {cells[UNNAMED]!r} stands in a column with no header")

    name = " ".join(cells.get("adviser", "").split())
    if not name:
        problems.append("adviser is empty")
    elif len(name) > ADVISER_NAME_LENGTH:
        problems.append(f"adviser is longer than {ADVISER_NAME_LENGTH} characters")
    else:
        _shown_text("adviser", name, problems)

    slot = None
    if cells.get("slot_minutes"):
        slot = _whole(cells["slot_minutes"], "slot_minutes", SLOT_MINUTES, problems)

    hours: HoursPlan | None = None
    day_off: date | None = None
    filled = [c for c in HOURS_COLUMNS if cells.get(c)]
    if cells.get("day_off"):
        day_off = _date(cells["day_off"], "day_off", problems)
        if filled:
            problems.append(
                f"a day_off row must leave {', '.join(HOURS_COLUMNS[:-1])} and "
                f"{HOURS_COLUMNS[-1]} empty (got {', '.join(filled)})"
            )
    elif not filled:
        problems.append("neither hours (centre, weekday, from, to) nor a day_off")
    else:
        hours = _hours(number, cells, centres, problems)

    if problems:
        return None, problems
    return _AdviserLine(number, name, slot, hours, day_off), []


def _hours(
    number: int, cells: dict[str, str], centres: Collection[str] | None, problems: list[str]
) -> HoursPlan | None:
    before = len(problems)
    centre = cells.get("centre", "").lower()
    if not centre:
        problems.append("centre is empty")
    elif centres is not None and centre not in centres:
        problems.append(f"unknown centre {centre!r} (known: {', '.join(sorted(centres))})")

    raw_day = cells.get("weekday", "")
    weekday = _WEEKDAY.get(raw_day.strip().lower())
    if weekday is None:
        problems.append(
            f"weekday must be one of {', '.join(WEEKDAYS)} "
            f"(or {', '.join(WEEKDAYS_SR)}) (got {raw_day!r})"
        )

    starts = _clock(cells.get("from", ""), "from", problems)
    ends = _clock(cells.get("to", ""), "to", problems)
    if starts is not None and ends is not None and starts >= ends:
        problems.append(f"from {starts:%H:%M} is not before to {ends:%H:%M}")

    if len(problems) > before:
        return None
    assert weekday is not None and starts is not None and ends is not None
    return HoursPlan(row=number, centre=centre, weekday=weekday, starts=starts, ends=ends)


def _clock(value: str, name: str, problems: list[str]) -> time | None:
    match = _TIME.fullmatch(value)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    problems.append(f"{name} must be a local time as HH:MM (got {value!r})")
    return None


def _across_rows(lines: Sequence[_AdviserLine]) -> list[tuple[int, str]]:
    """Problems between rows: one spelling and one slot length per adviser, no overlaps."""
    problems: list[tuple[int, str]] = []
    spelling: dict[str, _AdviserLine] = {}
    slot: dict[str, _AdviserLine] = {}
    seen: dict[tuple[str, int], list[HoursPlan]] = {}
    for line in lines:
        first = spelling.setdefault(line.name.casefold(), line)
        if first.name != line.name:
            # Two spellings would make two advisers, one of them new and the other unchanged.
            problems.append(
                (line.row, f"adviser {line.name!r} is written {first.name!r} on row "
                           f"{first.row}; write the name the same way on every row")
            )  # fmt: skip
            continue
        if line.slot_minutes is not None:
            other = slot.setdefault(line.name, line)
            if other.slot_minutes != line.slot_minutes:
                problems.append(
                    (line.row, f"slot_minutes {line.slot_minutes} differs from "
                               f"{other.slot_minutes} on row {other.row} (one length per "
                               "adviser)")
                )  # fmt: skip
        if line.hours is not None:
            h = line.hours
            earlier = seen.setdefault((line.name, h.weekday), [])
            for e in earlier:
                if h.starts < e.ends and e.starts < h.ends:
                    problems.append(
                        (line.row, f"{line.name}'s hours {h.starts:%H:%M}-{h.ends:%H:%M} on "
                                   f"{WEEKDAYS[h.weekday]} overlap {e.starts:%H:%M}-"
                                   f"{e.ends:%H:%M} on row {e.row}")
                    )  # fmt: skip
                    break
            earlier.append(h)
    return problems


def _adviser_plans(lines: Sequence[_AdviserLine]) -> list[AdviserPlan]:
    names = list(dict.fromkeys(line.name for line in lines))
    plans = []
    for name in names:
        own = [line for line in lines if line.name == name]
        slots = [line.slot_minutes for line in own if line.slot_minutes is not None]
        plans.append(
            AdviserPlan(
                name=name,
                slot_minutes=slots[0] if slots else DEFAULT_SLOT_MINUTES,
                hours=tuple(line.hours for line in own if line.hours is not None),
                # A day written twice is one day off.
                days_off=tuple(
                    dict.fromkeys(line.day_off for line in own if line.day_off is not None)
                ),
            )
        )
    return plans


def whole_day(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From local midnight to the next local midnight, in UTC (23 or 25 hours on change days)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


async def import_advisers(app: App, table: Table) -> ImportedAdvisers:
    """Check a table and, in one transaction, give each adviser in it the file's hours."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(app.settings.timezone)
    wanted = {cell_text(r.get("centre")).lower() for r in table.rows} - {""}
    async with app.uow() as uow:
        ids: dict[str, int] = {}
        for slug in sorted(wanted):
            centre = await uow.centres.by_slug(slug)
            if centre is not None:
                ids[slug] = centre.id
        # Only a file with an unknown centre needs the whole list, for its error message.
        known: Collection[str] = ids
        if len(ids) < len(wanted):
            known = [c.slug for c in await uow.centres.all()]
        plans, errors = parse_adviser_rows(table.rows, header=table.header, centres=known)
        if errors:
            raise ImportFailed(errors)
        # A day off on which people are already booked must be set in the chat, which tells
        # them and offers other times; the file would leave them waiting for no one.
        advisers = {a.name: a.id for a in await uow.legal.advisers()}
        clashes = []
        for plan in plans:
            for day in plan.days_off:
                if plan.name not in advisers:
                    continue
                start, end = whole_day(day, tz)
                booked = await uow.legal.agenda(advisers[plan.name], start, end)
                if any(a.status == "booked" for a in booked):
                    clashes.append(
                        f"{plan.name} has appointments on {day:%Y-%m-%d}: set that day off in "
                        "the chat (Coordinate workshops → Legal advisers), which tells the people"
                    )
        if clashes:
            raise ImportFailed(clashes)
        for plan in plans:
            await uow.legal.replace_hours(
                plan.name,
                plan.slot_minutes,
                [(ids[h.centre], h.weekday, f"{h.starts:%H:%M}", f"{h.ends:%H:%M}")
                 for h in plan.hours],
                [whole_day(day, tz) for day in plan.days_off],
            )  # fmt: skip
        await uow.commit()
    return ImportedAdvisers(
        advisers=len(plans),
        hours=sum(len(p.hours) for p in plans),
        days_off=sum(len(p.days_off) for p in plans),
    )


# -- volunteer shifts (`reintegrate-bot import shifts FILE`) ----------------------------------
# One row is one shift at a centre, or a weekly series of them with `repeat_weekly_until`.
SHIFT_REQUIRED: tuple[str, ...] = ("centre", "day", "start", "end", "task", "places")
SHIFT_COLUMNS: tuple[str, ...] = (*SHIFT_REQUIRED, "note", "repeat_weekly_until")
PLACES = (1, 50)
NOTE_LENGTH = 120  # ShiftRow.note


@dataclass(frozen=True, slots=True)
class ShiftPlan:
    """One checked row: a shift and the UTC start and end of each of its weekly dates."""

    row: int
    centre: str
    task: Task
    times: tuple[tuple[datetime, datetime], ...]
    places: int
    note: str


def check_shift_header(header: Sequence[str]) -> list[str]:
    """Problems with the header row of a shifts file."""
    return _columns(header, SHIFT_REQUIRED, SHIFT_COLUMNS)


def parse_shift_rows(
    rows: Sequence[Mapping[str, object]],
    tz: tzinfo,
    *,
    header: Sequence[str] | None = None,
    centres: Collection[str] | None = None,
    now: datetime | None = None,
) -> tuple[list[ShiftPlan], list[str]]:
    """Check every row (rows[i] is spreadsheet row i + 2); the plans and every error found.

    With `centres` (known slugs) an unknown centre is an error, and with `now` so is a shift
    that would already have started.
    """
    errors = check_shift_header(
        list(header) if header is not None else list(rows[0]) if rows else []
    )
    if errors:
        return [], errors
    return _each_row(rows, lambda n, cells: _parse_shift_row(n, cells, tz, centres, now), "shifts")


def _parse_shift_row(
    number: int,
    cells: dict[str, str],
    tz: tzinfo,
    centres: Collection[str] | None,
    now: datetime | None,
) -> tuple[ShiftPlan | None, list[str]]:
    centre, problems = _row_start(cells, centres)

    first = _date(cells.get("day", ""), "day", problems)
    starts = _clock(cells.get("start", ""), "start", problems)
    ends = _clock(cells.get("end", ""), "end", problems)
    if starts is not None and ends is not None and starts >= ends:
        problems.append(f"end {ends:%H:%M} is not after start {starts:%H:%M}")
        starts = ends = None  # the dates below would only repeat it
    task = _choice(cells.get("task", ""), Task, "task", problems)
    places = _whole(cells.get("places", ""), "places", PLACES, problems)
    note = " ".join(cells.get("note", "").split())
    if len(note) > NOTE_LENGTH:
        problems.append(f"note is longer than {NOTE_LENGTH} characters ({len(note)})")
    # A note may well start with a phone number (+381 …); an export escapes it (safe_cell).
    _shown_text("note", note, problems, formula=False)

    last = first
    if cells.get("repeat_weekly_until"):
        until = _date(cells["repeat_weekly_until"], "repeat_weekly_until", problems)
        if until is not None and first is not None:
            if until < first:
                problems.append(f"repeat_weekly_until {until} is before day {first}")
            elif until - first > LONGEST_SERIES:
                problems.append(
                    f"repeat_weekly_until {until} is more than a year after day {first}"
                )
            else:
                last = until

    times: list[tuple[datetime, datetime]] = []
    if first is not None and last is not None and starts is not None and ends is not None:
        day = first
        while day <= last:
            start, end = _utc(day, starts, tz), _utc(day, ends, tz)
            if start is None or end is None:
                at = starts if start is None else ends
                problems.append(
                    f"{at:%H:%M} on {day} is skipped or repeated when the clocks change "
                    f"in {tz}; choose another time"
                )
                break
            times.append((start, end))
            day += timedelta(days=7)
        if times and now is not None and times[0][0] < now:
            problems.append(f"day {first} {starts:%H:%M} is in the past")

    if problems:
        return None, problems
    assert task is not None and places is not None
    plan = ShiftPlan(
        row=number, centre=centre, task=task, times=tuple(times), places=places, note=note
    )
    return plan, []


@dataclass(frozen=True, slots=True)
class ImportedShifts:
    """What a shifts import stored: the file's rows and the dated shifts made from them."""

    rows: int
    shifts: int


async def import_shifts(app: App, table: Table) -> ImportedShifts:
    """Check a table against the known centres and store its shifts in one transaction."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(app.settings.timezone)
    now = app.clock.now()
    async with app.uow() as uow:
        slugs = {c.slug: c.id for c in await uow.centres.all()}
        plans, errors = parse_shift_rows(
            table.rows, tz, header=table.header, centres=slugs, now=now
        )
        if errors:
            raise ImportFailed(errors)
        shifts = 0
        for plan in plans:
            for starts_at, ends_at in plan.times:
                await uow.shifts.create(
                    centre_id=slugs[plan.centre], task=plan.task, starts_at=starts_at,
                    ends_at=ends_at, places=plan.places, note=plan.note, now=now,
                )  # fmt: skip
                shifts += 1
        await uow.commit()
    return ImportedShifts(rows=len(plans), shifts=shifts)
