"""Free appointment slots: weekly hours minus days off, blocked times and bookings.

Pure functions on plain values, so every case (the summer-time changes included) is a row in
a table-driven test. Hours are wall-clock times in the programme's timezone: an adviser who
works 09:00–13:00 does so in summer and in winter, whatever that is in UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One adviser's regular hours at one centre on one weekday (0 = Monday)."""

    adviser_id: int
    centre_id: int
    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable time with one adviser, as a UTC instant."""

    adviser_id: int
    starts_at: datetime
    ends_at: datetime


def wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """A local time on a day as an aware datetime; None when the clocks skip it.

    In the hour the clocks go back, the earlier of the two moments is meant.
    """
    local = datetime.combine(day, at, tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # does not exist: the clocks jumped over it
    return local


def free_slots(
    *,
    hours: Iterable[WeeklyHours],
    slot_minutes: dict[int, int],
    days_off: Collection[tuple[int, date]],
    blocked: Sequence[tuple[int, datetime, datetime]],
    booked: Sequence[tuple[int, datetime, datetime]],
    first_day: date,
    days: int,
    now: datetime,
    notice: timedelta,
    tz: ZoneInfo,
) -> list[Slot]:
    """Every free slot from `first_day` for `days` days, by time, then adviser.

    `slot_minutes` is per adviser; `days_off` holds (adviser, day) pairs; `blocked` and
    `booked` hold (adviser, from, to) intervals: a booking made when the slot length was
    different still keeps any overlapping slot off. Nothing earlier than `now + notice`.
    """
    earliest = now + notice
    found: list[Slot] = []
    by_weekday: dict[int, list[WeeklyHours]] = {}
    for h in hours:
        by_weekday.setdefault(h.weekday, []).append(h)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for adviser, frm, to in (*blocked, *booked):
        busy.setdefault(adviser, []).append((frm, to))
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for h in by_weekday.get(day.weekday(), []):
            if (h.adviser_id, day) in days_off:
                continue
            length = timedelta(minutes=slot_minutes.get(h.adviser_id, 30))
            # Step in wall-clock time, so 09:00, 09:30 … stay on the half hour all year.
            step = datetime.combine(day, h.start)
            last = datetime.combine(day, h.end) - length
            while step <= last:
                start = wall_clock(day, step.time(), tz)
                step += length
                if start is None:
                    continue
                ends = start + length
                if start < earliest:
                    continue
                if any(start < to and frm < ends for frm, to in busy.get(h.adviser_id, ())):
                    continue
                found.append(Slot(h.adviser_id, start.astimezone(UTC), ends.astimezone(UTC)))
    found.sort(key=lambda s: (s.starts_at, s.adviser_id))
    return found


def by_time(slots: Iterable[Slot]) -> dict[datetime, list[Slot]]:
    """Slots grouped by start time: a person picks a time, any free adviser will do."""
    grouped: dict[datetime, list[Slot]] = {}
    for slot in slots:
        grouped.setdefault(slot.starts_at, []).append(slot)
    return grouped
