"""Workshops from a file (`reintegrate-bot import workshops FILE`): one row, one workshop.

A workshop may repeat weekly (`repeat_weekly_until`). `parse_rows` checks every row without
I/O and collects every mistake, and `import_workshops` stores the plans in one unit of work
only when the whole file is clean, so a file is imported completely or not at all.
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
    parse_locale,
    parse_time,
    parse_whole,
    row_start,
    series_end,
    shown_text,
    utc_of,
)
from bot.importer.tables import ImportFailed, Table, check_header
from handlers.locales import LOCALES
from handlers.model import Audience, WorkshopKind

if TYPE_CHECKING:
    from bot.bootstrap import App

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


def check_workshop_header(header: Sequence[str]) -> list[str]:
    """Problems with the header row of a workshops file."""
    return check_header(header, REQUIRED_COLUMNS, COLUMNS, one_of=("title", TITLE_COLUMNS))


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
    errors = check_workshop_header(header_of(rows, header))
    if errors:
        return [], errors  # row by row, a missing column would only repeat itself
    return each_row(rows, lambda n, cells: _parse_row(n, cells, tz, centres, now), "workshops")


def _parse_row(
    number: int,
    cells: dict[str, str],
    tz: tzinfo,
    centres: Collection[str] | None,
    now: datetime | None,
) -> tuple[WorkshopPlan | None, list[str]]:
    """One row's plan, or the reasons it has none (all of them, so one pass fixes the row)."""
    centre, problems = row_start(cells, centres)

    kind = parse_choice(cells.get("kind", ""), WorkshopKind, "kind", problems)
    audience = parse_choice(cells.get("audience", ""), Audience, "audience", problems)

    language = parse_locale(cells.get("language", ""))
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
        shown_text(f"title_{code}", title, problems)

    first = parse_date(cells.get("date", ""), "date", problems)
    at = parse_time(cells.get("time", ""), "time", problems)
    minutes = parse_whole(cells.get("minutes", ""), "minutes", MINUTES, problems)
    capacity = parse_whole(cells.get("capacity", ""), "capacity", CAPACITY, problems)

    last = series_end(cells, first, "date", problems)

    starts: list[datetime] = []
    if first is not None and last is not None and at is not None:
        day = first
        while day <= last:
            start = utc_of(day, at, tz)
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
