"""Advisers' weekly hours and days off from a file (`reintegrate-bot import advisers FILE`).

One row is a block of weekly hours at a centre, or (with only `adviser` and `day_off`) a
whole day off. Each adviser named in the file gets exactly the file's weekly hours.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.importer.checks import header_of, parse_date, parse_time, parse_whole, shown_text
from bot.importer.tables import UNNAMED, ImportFailed, Table, cell_text, check_header

if TYPE_CHECKING:
    from bot.bootstrap import App

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
    return check_header(header, ADVISER_REQUIRED, ADVISER_COLUMNS)


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
    header_errors = check_adviser_header(header_of(rows, header))
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
        shown_text("adviser", name, problems)

    slot = None
    if cells.get("slot_minutes"):
        slot = parse_whole(cells["slot_minutes"], "slot_minutes", SLOT_MINUTES, problems)

    hours: HoursPlan | None = None
    day_off: date | None = None
    filled = [c for c in HOURS_COLUMNS if cells.get(c)]
    if cells.get("day_off"):
        day_off = parse_date(cells["day_off"], "day_off", problems)
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

    starts = parse_time(cells.get("from", ""), "from", problems)
    ends = parse_time(cells.get("to", ""), "to", problems)
    if starts is not None and ends is not None and starts >= ends:
        problems.append(f"from {starts:%H:%M} is not before to {ends:%H:%M}")

    if len(problems) > before:
        return None
    assert weekday is not None and starts is not None and ends is not None
    return HoursPlan(row=number, centre=centre, weekday=weekday, starts=starts, ends=ends)


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
