"""Volunteer shifts from a file (`reintegrate-bot import shifts FILE`).

One row is one shift at a centre, or a weekly series of them with `repeat_weekly_until`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.importer.checks import (
    each_row,
    header_of,
    parse_choice,
    parse_date,
    parse_time,
    parse_whole,
    row_start,
    series_end,
    shown_text,
    utc_of,
)
from bot.importer.tables import ImportFailed, Table, check_header
from handlers.model import Task

if TYPE_CHECKING:
    from bot.bootstrap import App

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
    return check_header(header, SHIFT_REQUIRED, SHIFT_COLUMNS)


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
    errors = check_shift_header(header_of(rows, header))
    if errors:
        return [], errors
    return each_row(rows, lambda n, cells: _parse_shift_row(n, cells, tz, centres, now), "shifts")


def _parse_shift_row(
    number: int,
    cells: dict[str, str],
    tz: tzinfo,
    centres: Collection[str] | None,
    now: datetime | None,
) -> tuple[ShiftPlan | None, list[str]]:
    centre, problems = row_start(cells, centres)

    first = parse_date(cells.get("day", ""), "day", problems)
    starts = parse_time(cells.get("start", ""), "start", problems)
    ends = parse_time(cells.get("end", ""), "end", problems)
    if starts is not None and ends is not None and starts >= ends:
        problems.append(f"end {ends:%H:%M} is not after start {starts:%H:%M}")
        starts = ends = None  # the dates below would only repeat it
    task = parse_choice(cells.get("task", ""), Task, "task", problems)
    places = parse_whole(cells.get("places", ""), "places", PLACES, problems)
    note = " ".join(cells.get("note", "").split())
    if len(note) > NOTE_LENGTH:
        problems.append(f"note is longer than {NOTE_LENGTH} characters ({len(note)})")
    # A note may well start with a phone number (+381 …); an export escapes it (safe_cell).
    shown_text("note", note, problems, formula=False)

    last = series_end(cells, first, "day", problems)

    times: list[tuple[datetime, datetime]] = []
    if first is not None and last is not None and starts is not None and ends is not None:
        day = first
        while day <= last:
            start, end = utc_of(day, starts, tz), utc_of(day, ends, tz)
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
