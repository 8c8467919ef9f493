"""Calendar files (.ics) for a booked session: Europe/Belgrade times, the address, an alarm."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from handlers.messages import Document


def session_ics(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    timezone: str,
    now: datetime,
    alarm_before: timedelta = timedelta(hours=2),
) -> Document:
    """One event as a calendar file phones open with their calendar app."""
    return sessions_ics(
        [(uid, starts_at, ends_at)], title=title, location=location, timezone=timezone, now=now,
        alarm_before=alarm_before,
    )  # fmt: skip


def sessions_ics(
    events: list[tuple[str, datetime, datetime]],
    *,
    title: str,
    location: str,
    timezone: str,
    now: datetime,
    alarm_before: timedelta = timedelta(hours=2),
) -> Document:
    """Several sessions of one workshop (uid, start, end) in one calendar file."""
    tz = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", "-//RE!NTEGRATE//bot//EN")
    cal.add("version", "2.0")
    for uid, starts_at, ends_at in events:
        cal.add_component(_event(uid, title, starts_at, ends_at, location, tz, now, alarm_before))
    cal.add_missing_timezones()
    return Document("workshop.ics", cal.to_ical(), "text/calendar")


def _event(
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    tz: ZoneInfo,
    now: datetime,
    alarm_before: timedelta,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    # Local times with their zone (and a VTIMEZONE below), so the phone shows 16:00 in
    # Belgrade whatever the season.
    event.add("dtstart", starts_at.astimezone(tz))
    event.add("dtend", ends_at.astimezone(tz))
    event.add("summary", title)
    event.add("location", location)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -alarm_before)
    event.add_component(alarm)
    return event
