"""Volunteer shift rules: check-in window and place, hours, the day-before question, alerts.

Pure rules and texts; the use cases both the volunteers' flow and the scheduler call are in
`handlers.usecases.shifts`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.model import Centre, Policy, Shift, Task
from handlers.notices import name, when, word
from handlers.texts import N_, T

CHECK_IN_EARLY = timedelta(minutes=30)  # the earliest check-in before a shift starts
OVERTIME = timedelta(
    minutes=30
)  # counted beyond a shift's length, and how long check-out stays open

CODE_TRIES = 5  # wrong check-in codes a volunteer may type in one local day
CHECKIN_SCOPE = "checkin"  # the try-limit scope; its subject is the volunteer's user id

TASK_NAMES = {
    Task.SCHOOL: N_("children's school support"),
    Task.TRANSLATION: N_("translation"),
    Task.EVENTS: N_("events"),
    Task.DRIVING: N_("driving"),
    Task.OTHER: N_("other help"),
}

STILL_COMING = T(
    "vol.still_coming",
    "Are you still coming? Your volunteer shift: {task}, {when}, at {centre}.",
)
ALERT_NO = T(
    "vol.alert_no",
    "{volunteer} cannot come to the shift {task}, {when}, at {centre}. Their place is free again.",
)
ALERT_SILENT = T(
    "vol.alert_silent",
    "{volunteer} has not confirmed the shift {task}, {when}, at {centre}. "
    "You may want to call them or find someone else.",
)
ALERT_LATE_CANCEL = T(
    "vol.alert_late_cancel",
    "{volunteer} cancelled the shift {task}, {when}, at {centre} at short notice. Reason: {reason}",
)
ALERT_CODE_LOCKED = T(
    "vol.alert_code_locked",
    "{volunteer} typed a wrong check-in code {tries} times for the shift {task}, {when}, at "
    "{centre}, so check-in by code is locked for them for today. They can still check in by "
    "sharing their location, or ask you at the centre.",
)
SHIFT_CALLED_OFF = T(
    "vol.shift_called_off",
    "The volunteer shift {task}, {when}, at {centre} has been called off. "
    "Thank you for signing up. Have a look at the other shifts.",
)


def window(shift: Shift) -> tuple[datetime, datetime]:
    """When check-in is accepted: from 30 minutes before the start until the end."""
    return shift.starts_at - CHECK_IN_EARLY, shift.ends_at


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for a 200 m radius)."""
    earth = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * earth * math.asin(math.sqrt(a))


def on_earth(latitude: object, longitude: object) -> bool:
    """A real point: two finite numbers with |latitude| <= 90 and |longitude| <= 180.

    NaN compares False with everything, so without this a NaN location would pass any
    distance check (`nan > 200` is False).
    """
    if isinstance(latitude, bool) or not isinstance(latitude, int | float):
        return False
    if isinstance(longitude, bool) or not isinstance(longitude, int | float):
        return False
    try:
        lat, lon = float(latitude), float(longitude)
    except OverflowError:  # an integer too large for a float is off the map too
        return False
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight where the centres are, on the local day `now` falls on (try limits reset then)."""
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


def radius_m(centre: Centre, policy: Policy) -> int:
    """How close a shared location must be: the centre's own radius, else the default."""
    return centre.checkin_radius_m or policy.checkin_radius_m


def worked(check_in: datetime, check_out: datetime, starts: datetime, ends: datetime) -> timedelta:
    """Time counted for one shift: check-in to check-out, at most its length plus 30 minutes."""
    spent = check_out - check_in
    return max(timedelta(0), min(spent, ends - starts + OVERTIME))


def total(rows: Iterable[tuple[datetime, datetime, datetime, datetime]]) -> timedelta:
    """Hours over many shifts (check-in, check-out, start, end)."""
    return sum((worked(*row) for row in rows), timedelta(0))


def hours_text(value: timedelta) -> str:
    """`3:30` for three and a half hours (hours and minutes, no seconds)."""
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def shift_params(shift: Shift, centre: Centre) -> dict[str, Any]:
    """A shift's task, start and centre, as notice parameters written out when sent."""
    return {"task": word(TASK_NAMES[shift.task]), "when": when(shift.starts_at),
            "centre": name(centre.name)}  # fmt: skip
