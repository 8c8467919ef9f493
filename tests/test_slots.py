"""Free slots as a pure function: table-driven, including both summer-time changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.rules.slots import WeeklyHours, free_slots, wall_clock

TZ = ZoneInfo("Europe/Belgrade")
NOVI_PAZAR, TUTIN = 1, 2


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def slots(hours, *, first_day, days=1, now=None, days_off=(), blocked=(), booked=(), minutes=30):
    found = free_slots(
        hours=hours, slot_minutes={7: minutes}, days_off=set(days_off), blocked=list(blocked),
        booked=list(booked), first_day=first_day, days=days,
        now=now or utc(2020, 1, 1), notice=timedelta(hours=2), tz=TZ,
    )  # fmt: skip
    return [s.starts_at for s in found]


MON_9_11 = [WeeklyHours(7, NOVI_PAZAR, 0, time(9), time(11))]


@pytest.mark.parametrize(
    ("case", "first_day", "kwargs", "expected"),
    [
        (
            "winter Monday: 09:00 local is 08:00 UTC",
            date(2026, 11, 23),
            {},
            [
                utc(2026, 11, 23, 8),
                utc(2026, 11, 23, 8, 30),
                utc(2026, 11, 23, 9),
                utc(2026, 11, 23, 9, 30),
            ],
        ),
        (
            "summer Monday: 09:00 local is 07:00 UTC",
            date(2026, 6, 1),
            {},
            [
                utc(2026, 6, 1, 7),
                utc(2026, 6, 1, 7, 30),
                utc(2026, 6, 1, 8),
                utc(2026, 6, 1, 8, 30),
            ],
        ),
        (
            "the Monday after clocks go forward (29 March 2026)",
            date(2026, 3, 30),
            {},
            [
                utc(2026, 3, 30, 7),
                utc(2026, 3, 30, 7, 30),
                utc(2026, 3, 30, 8),
                utc(2026, 3, 30, 8, 30),
            ],
        ),
        (
            "the Monday after clocks go back (25 October 2026)",
            date(2026, 10, 26),
            {},
            [
                utc(2026, 10, 26, 8),
                utc(2026, 10, 26, 8, 30),
                utc(2026, 10, 26, 9),
                utc(2026, 10, 26, 9, 30),
            ],
        ),
        ("a day off", date(2026, 11, 23), {"days_off": [(7, date(2026, 11, 23))]}, []),
        (
            "a booked slot and a blocked hour are not free",
            date(2026, 11, 23),
            {
                "booked": [
                    (
                        7,
                        datetime(2026, 11, 23, 9, tzinfo=TZ),
                        datetime(2026, 11, 23, 9, 30, tzinfo=TZ),
                    )
                ],
                "blocked": [
                    (
                        7,
                        datetime(2026, 11, 23, 10, tzinfo=TZ),
                        datetime(2026, 11, 23, 10, 15, tzinfo=TZ),
                    )
                ],
            },
            [utc(2026, 11, 23, 8, 30), utc(2026, 11, 23, 9, 30)],
        ),
        (
            "nothing inside the 2-hour notice",
            date(2026, 11, 23),
            {"now": utc(2026, 11, 23, 6, 45)},
            [utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 30)],
        ),
        ("another weekday has no hours", date(2026, 11, 24), {}, []),
        (
            "hours never spill past the end",
            date(2026, 11, 23),
            {"minutes": 45},
            [utc(2026, 11, 23, 8), utc(2026, 11, 23, 8, 45)],
        ),
    ],
)
def test_free_slots(case, first_day, kwargs, expected):
    assert slots(MON_9_11, first_day=first_day, **kwargs) == expected, case


def test_hours_through_the_night_the_clocks_change():
    # An (unusual) Sunday 01:00–04:00: in March 02:00–03:00 does not exist; in October it is
    # passed twice, and the earlier one is meant, so no slot is offered twice.
    night = [WeeklyHours(7, TUTIN, 6, time(1), time(4))]
    march = slots(night, first_day=date(2026, 3, 29), minutes=60)
    assert [t.astimezone(TZ).strftime("%H:%M") for t in march] == ["01:00", "03:00"]
    october = slots(night, first_day=date(2026, 10, 25), minutes=60)
    assert [t.astimezone(TZ).strftime("%H:%M") for t in october] == ["01:00", "02:00", "03:00"]
    assert len(set(october)) == 3


def test_wall_clock_skips_the_missing_hour():
    assert wall_clock(date(2026, 3, 29), time(2, 30), TZ) is None
    assert wall_clock(date(2026, 10, 25), time(2, 30), TZ).utcoffset() == timedelta(hours=2)


def test_a_booking_made_with_another_slot_length_still_blocks_what_it_overlaps():
    # Someone holds 09:30-10:00; the adviser's slots became 60 minutes since.
    held = [(7, datetime(2026, 11, 23, 9, 30, tzinfo=TZ), datetime(2026, 11, 23, 10, tzinfo=TZ))]
    free = slots(MON_9_11, first_day=date(2026, 11, 23), minutes=60, booked=held)
    assert free == [utc(2026, 11, 23, 9)], "09:00-10:00 overlaps the booking; 10:00-11:00 is free"
