"""Checking a table's rows without I/O: the cell checks every kind of file shares.

A value check (`parse_*`, `shown_text`) appends what is wrong to `problems` and returns None
rather than raising, so one pass over a row reports all of its mistakes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from bot.importer.tables import UNNAMED, cell_text
from bot.spreadsheet import looks_like_formula
from handlers.locales import LOCALES
from handlers.model import Audience, Task, WorkshopKind

# A longer weekly series is almost always a mistyped year (2037 for 2027).
LONGEST_SERIES = timedelta(days=366)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_WHOLE = re.compile(r"[+-]?[0-9]{1,6}")

_Choice = TypeVar("_Choice", WorkshopKind, Audience, Task)
_Plan = TypeVar("_Plan")


def header_of(rows: Sequence[Mapping[str, object]], header: Sequence[str] | None) -> list[str]:
    """The header given, else the first row's keys (rows checked without a file)."""
    return list(header) if header is not None else list(rows[0]) if rows else []


def each_row(
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


def row_start(cells: dict[str, str], centres: Collection[str] | None) -> tuple[str, list[str]]:
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


def shown_text(name: str, value: str, problems: list[str], *, formula: bool = True) -> None:
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


def parse_choice(value: str, enum: type[_Choice], name: str, problems: list[str]) -> _Choice | None:
    """The enum member `value` names (any case), or None and a problem."""
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        problems.append(f"{name} must be one of {allowed} (got {value!r})")
        return None


def parse_locale(value: str) -> str | None:
    """The locale code `value` names, or None."""
    # Codes are matched without regard to case or '-' vs '_', as people type sr-cyrl too.
    wanted = value.strip().replace("-", "_").lower()
    return next((code for code in LOCALES if code.lower() == wanted), None)


def parse_date(value: str, name: str, problems: list[str]) -> date | None:
    """A date written YYYY-MM-DD, or None and a problem."""
    # Only YYYY-MM-DD: 03.04.2027 and 04/03/2027 mean different days in different countries.
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{name} must be a date as YYYY-MM-DD (got {value!r})")
    return None


def parse_time(value: str, name: str, problems: list[str]) -> time | None:
    """A local time written HH:MM, or None and a problem."""
    match = _TIME.fullmatch(value)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    problems.append(f"{name} must be a local time as HH:MM (got {value!r})")
    return None


def parse_whole(value: str, name: str, bounds: tuple[int, int], problems: list[str]) -> int | None:
    """A whole number within `bounds`, or None and a problem."""
    low, high = bounds
    if _WHOLE.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    problems.append(f"{name} must be a whole number from {low} to {high} (got {value!r})")
    return None


def utc_of(day: date, at: time, tz: tzinfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None if the clocks skip or repeat it."""
    # Each session gets its own local datetime, so a series keeps its local hour when summer
    # time begins or ends; adding 7-day timedeltas to a UTC instant would shift it by an hour.
    local = datetime.combine(day, at, tzinfo=tz)
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        return None
    return local.astimezone(UTC)


def series_end(
    cells: Mapping[str, str], first: date | None, column: str, problems: list[str]
) -> date | None:
    """The last date of a weekly series (`repeat_weekly_until`), `first` if there is none.

    `column` names the first date's column in the problems.
    """
    last = first
    if cells.get("repeat_weekly_until"):
        until = parse_date(cells["repeat_weekly_until"], "repeat_weekly_until", problems)
        if until is not None and first is not None:
            if until < first:
                problems.append(f"repeat_weekly_until {until} is before {column} {first}")
            elif until - first > LONGEST_SERIES:
                problems.append(
                    f"repeat_weekly_until {until} is more than a year after {column} {first}"
                )
            else:
                last = until
    return last
