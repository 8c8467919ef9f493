"""Days and times as coordinators type them (`24.11.2026`, `16:00`), in the programme's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from handlers.context import Context


def zone(ctx: Context) -> ZoneInfo:
    """The programme's timezone."""
    return ZoneInfo(ctx.policy.timezone)


def today(ctx: Context) -> date:
    """Today's date where the centres are."""
    return ctx.clock.now().astimezone(zone(ctx)).date()


def local(ctx: Context, day: date, clock: time) -> datetime:
    """A wall-clock time on a day, where the centres are."""
    return datetime.combine(day, clock, zone(ctx))


def real_time(ctx: Context, day: date, clock: time) -> bool:
    """False for a time the clocks skip or pass twice when summer time starts or ends."""
    tz = zone(ctx)
    first = datetime.combine(day, clock, tz)
    second = datetime.combine(day, clock, tz).replace(fold=1)
    there_and_back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return first.utcoffset() == second.utcoffset() and there_and_back == first.replace(tzinfo=None)


def typed_day(ctx: Context, text: str) -> date | None:
    """`24.11.2026`, `24.11.` (this year or next) or `2026-11-24`; None if it is not a day."""
    now = today(ctx)
    found = _parse_day(now, text)
    # Only the next two years: a typo in the year should not plan something in 2062.
    return found if found is not None and found.year <= now.year + 2 else None


def _parse_day(now: date, text: str) -> date | None:
    try:
        if "-" in text:
            return date.fromisoformat(text)
        parts = [p for p in text.split(".") if p]
        if len(parts) == 2:
            day = date(now.year, int(parts[1]), int(parts[0]))
            return day if day >= now else date(now.year + 1, day.month, day.day)
        if len(parts) == 3:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, OverflowError):
        return None
    return None


def typed_time(text: str) -> time | None:
    """`16:00`, `16.00` or `9:30`; None if it is not a time.

    A time with a UTC offset (`16:00+01:00`, `16:00Z`) is refused: times are wall-clock times
    where the centres are, and an aware time cannot be compared with a plain one.
    """
    try:
        found = time.fromisoformat(text.replace(".", ":").zfill(5))
    except ValueError:
        return None
    return found if found.tzinfo is None else None
