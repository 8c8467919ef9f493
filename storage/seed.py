"""Demo data: the programme's five community centres, a workshop programme, legal advisers,
volunteer shifts and approved volunteers. Seeding twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.flows.start import CONSENT_VERSION
from handlers.model import ResidentStatus, Role, Task, VolunteerStatus
from storage.db import session_factory
from storage.models import (
    AdviserHoursRow,
    AdviserRow,
    CentreRow,
    ConsentRow,
    IdentityRow,
    RoleRow,
    SessionRow,
    ShiftRow,
    ShiftSignupRow,
    UserRow,
    VolunteerRow,
    WorkshopRow,
)
from storage.repositories import DATA_CONSENT

WEEKDAYS_9_TO_5 = [[d, "09:00", "17:00"] for d in range(5)]

# Addresses and phone numbers are placeholders for trying the bot, not the centres' real ones.
DEMO_CENTRES: list[dict[str, Any]] = [
    {
        "slug": "novi-pazar",
        "name": "Novi Pazar",
        "address": "Stefana Nemanje 12, 36300 Novi Pazar",
        "latitude": 43.1367,
        "longitude": 20.5122,
        "phone": "+381 20 000 101",
        "opening_hours": [*WEEKDAYS_9_TO_5, [5, "10:00", "14:00"]],
    },
    {
        "slug": "tutin",
        "name": "Tutin",
        "address": "Džemaludina Latića 4, 36320 Tutin",
        "latitude": 42.9903,
        "longitude": 20.3369,
        "phone": "+381 20 000 102",
        "opening_hours": WEEKDAYS_9_TO_5,
    },
    {
        "slug": "sjenica",
        "name": "Sjenica",
        "address": "Kralja Petra I 7, 36310 Sjenica",
        "latitude": 43.2731,
        "longitude": 19.9997,
        "phone": "+381 20 000 103",
        "opening_hours": [[d, "08:00", "16:00"] for d in range(5)],
    },
    {
        "slug": "pirot",
        "name": "Pirot",
        "address": "Srpskih vladara 21, 18300 Pirot",
        "latitude": 43.1531,
        "longitude": 22.5861,
        "phone": "+381 10 000 104",
        "opening_hours": WEEKDAYS_9_TO_5,
    },
    {
        "slug": "krusevac",
        "name": "Kruševac",
        "address": "Vidovdanska 30, 37000 Kruševac",
        "latitude": 43.5800,
        "longitude": 21.3339,
        "phone": "+381 37 000 105",
        "opening_hours": [*WEEKDAYS_9_TO_5, [5, "09:00", "13:00"]],
    },
]


# (slugs or "*", kind, audience, weekday 0=Mon, local time, minutes, capacity, titles)
DEMO_WORKSHOPS: list[tuple[str, str, str, int, str, int, int, dict[str, str]]] = [
    ("*", "school", "children", 1, "16:00", 90, 12,
     {"sr": "Podrška u učenju", "en": "School support", "de": "Lernhilfe",
      "rom": "Ažutipe ande sikljovipe"}),
    ("*", "school", "youth", 3, "16:00", 90, 12,
     {"sr": "Pomoć za srednjoškolce", "en": "Homework help for teenagers",
      "de": "Hausaufgabenhilfe für Jugendliche"}),
    ("*", "psychosocial", "adults", 2, "10:00", 90, 10,
     {"sr": "Grupa podrške za roditelje", "en": "Parents' support group",
      "de": "Selbsthilfegruppe für Eltern"}),
    ("novi-pazar,tutin,sjenica", "creative", "children", 5, "11:00", 120, 15,
     {"sr": "Kreativna radionica", "en": "Creative workshop", "de": "Kreativwerkstatt"}),
    ("pirot,krusevac", "sport", "youth", 4, "17:00", 60, 20,
     {"sr": "Fudbal za mlade", "en": "Youth football", "de": "Fußball für Jugendliche"}),
    ("novi-pazar,pirot", "business", "adults", 0, "12:00", 120, 8,
     {"sr": "Kako pokrenuti mali biznis", "en": "Starting a small business",
      "de": "Ein kleines Geschäft gründen"}),
    ("krusevac,sjenica", "vocational", "adults", 0, "09:00", 180, 6,
     {"sr": "Osnove krojenja i šivenja", "en": "Tailoring basics", "de": "Grundkurs Nähen"}),
    ("*", "legal", "adults", 3, "11:00", 60, 20,
     {"sr": "Dokumenta i prijava prebivališta", "en": "Documents and registering your address",
      "de": "Dokumente und Anmeldung des Wohnsitzes"}),
]  # fmt: skip
DEMO_WEEKS = 3

# (name, slot minutes, [(centre slug, weekday 0=Mon, from, to)])
DEMO_ADVISERS: list[tuple[str, int, list[tuple[str, int, str, str]]]] = [
    ("Jelena", 30, [("novi-pazar", 0, "09:00", "13:00"), ("novi-pazar", 2, "09:00", "13:00"),
                    ("tutin", 3, "10:00", "14:00")]),
    ("Marko", 30, [("pirot", 1, "09:00", "13:00"), ("krusevac", 4, "09:00", "12:00")]),
    ("Amra", 45, [("sjenica", 1, "10:00", "14:00"), ("sjenica", 3, "10:00", "14:00"),
                  ("pirot", 3, "14:00", "17:00")]),
]  # fmt: skip

# Volunteer shifts at every centre for two weeks from tomorrow:
# (weekdays 0=Mon, local start, local end, task, places, note)
DEMO_SHIFTS: list[tuple[tuple[int, ...], str, str, Task, int, str]] = [
    ((0, 1, 2, 3, 4), "09:00", "12:00", Task.TRANSLATION, 2,
     "Going with families to the municipality and the health centre"),
    ((0, 1, 2, 3, 4), "14:00", "17:00", Task.SCHOOL, 3,
     "Homework help for primary-school children"),
    ((5,), "10:00", "14:00", Task.EVENTS, 4, "Neighbourhood day: games, tea and a book swap"),
]  # fmt: skip
DEMO_SHIFT_DAYS = 14
DEMO_PLATFORM = "console"  # `scripts/run --user vesna` chats as the first of them

# Approved volunteers: (console user id, first name, locale, centre slug, tasks,
# the tasks of the shifts they are signed up for in the second week, one each).
DEMO_VOLUNTEERS: list[tuple[str, str, str, str, tuple[Task, ...], tuple[Task, ...]]] = [
    ("vesna", "Vesna", "en", "pirot", (Task.SCHOOL, Task.TRANSLATION),
     (Task.SCHOOL, Task.TRANSLATION)),
    ("luka", "Luka", "sr", "krusevac", (Task.TRANSLATION, Task.DRIVING, Task.EVENTS),
     (Task.EVENTS,)),
    ("emina", "Emina", "bs", "novi-pazar", (Task.SCHOOL, Task.EVENTS), ()),
]  # fmt: skip
# Sign-ups a week out: the day-before question and its alerts come when the demo is tried,
# not the moment it is seeded.
DEMO_SIGNUPS_FROM = timedelta(days=7)


async def seed_demo(
    engine: AsyncEngine, *, now: datetime | None = None, volunteering: bool = False
) -> int:
    """Insert or refresh the demo centres, and a three-week programme once; rows changed.

    With `volunteering` (as `reintegrate-bot seed --demo` does), two weeks of volunteer shifts
    once and the demo volunteers too; the test fixtures leave them out, so the volunteer flows
    are tested on a database with no shifts or volunteers of its own.
    """
    moment = now or datetime.now(UTC)
    changed = await _seed_centres(engine)
    async with session_factory(engine)() as session, session.begin():
        if (await session.execute(select(WorkshopRow.id).limit(1))).first() is None:
            changed += await _seed_programme(session, moment)
        if (await session.execute(select(AdviserRow.id).limit(1))).first() is None:
            changed += await _seed_advisers(session)
        if volunteering:
            if (await session.execute(select(ShiftRow.id).limit(1))).first() is None:
                changed += await _seed_shifts(session, moment)
            changed += await _seed_volunteers(session, moment)
    return changed


async def _seed_shifts(session: AsyncSession, now: datetime) -> int:
    """Volunteer shifts at every centre for the next two weeks (dates relative to today)."""
    tz = ZoneInfo("Europe/Belgrade")
    centres = {r.slug: r.id for r in (await session.execute(select(CentreRow))).scalars()}
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    added = 0
    for offset in range(DEMO_SHIFT_DAYS):
        day = tomorrow + timedelta(days=offset)
        for weekdays, starts, ends, task, places, note in DEMO_SHIFTS:
            if day.weekday() not in weekdays:
                continue
            for centre_id in centres.values():
                session.add(
                    ShiftRow(
                        centre_id=centre_id, task=task.value, note=note, places=places,
                        starts_at=_utc(day, starts, tz), ends_at=_utc(day, ends, tz),
                        status="scheduled", created_at=now,
                    )
                )  # fmt: skip
                added += 1
    await session.flush()
    return added


async def _seed_volunteers(session: AsyncSession, now: datetime) -> int:
    """The demo volunteers who are not there yet: a console account, approved, signed up."""
    centres = {r.slug: r.id for r in (await session.execute(select(CentreRow))).scalars()}
    added = 0
    for external_id, first_name, locale, slug, tasks, signed in DEMO_VOLUNTEERS:
        known = await session.execute(
            select(IdentityRow.id).where(
                IdentityRow.platform == DEMO_PLATFORM, IdentityRow.external_id == external_id
            )
        )
        if known.first() is not None:
            continue  # seeded already, or that person has started the chat themselves
        user = UserRow(
            locale=locale, status=ResidentStatus.LOCAL.value, centre_id=centres[slug],
            reminders_on=True, created_at=now,
            identities=[IdentityRow(platform=DEMO_PLATFORM, external_id=external_id,
                                    chat_id=external_id, created_at=now)],
            consents=[ConsentRow(kind=DATA_CONSENT, version=CONSENT_VERSION, given_at=now)],
            roles=[RoleRow(role=Role.VOLUNTEER.value, granted_at=now)],
        )  # fmt: skip
        session.add(user)
        await session.flush()
        session.add(
            VolunteerRow(
                user_id=user.id, centre_id=centres[slug], first_name=first_name,
                tasks=[t.value for t in tasks], phone=None,
                status=VolunteerStatus.APPROVED.value, decided_by=None, created_at=now,
                decided_at=now,
            )
        )  # fmt: skip
        added += 1
        taken: list[ShiftRow] = []
        for task in signed:
            shift = await _free_shift(session, centres[slug], task, now + DEMO_SIGNUPS_FROM, taken)
            if shift is None:
                continue  # the shifts are someone else's: no demo shift to sign up for
            session.add(
                ShiftSignupRow(
                    shift_id=shift.id, user_id=user.id, status="signed", auto_checkout=False,
                    no_show=False, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            taken.append(shift)
            added += 1
    await session.flush()
    return added


async def _free_shift(
    session: AsyncSession, centre_id: int, task: Task, after: datetime, taken: list[ShiftRow]
) -> ShiftRow | None:
    """The first scheduled shift from `after` that overlaps none of `taken`."""
    rows = await session.execute(
        select(ShiftRow)
        .where(
            ShiftRow.centre_id == centre_id,
            ShiftRow.task == task.value,
            ShiftRow.status == "scheduled",
            ShiftRow.starts_at >= after,
        )
        .order_by(ShiftRow.starts_at, ShiftRow.id)
    )
    for shift in rows.scalars():
        if all(shift.ends_at <= t.starts_at or t.ends_at <= shift.starts_at for t in taken):
            return shift
    return None


def _utc(day: date, clock: str, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tz).astimezone(UTC)


async def _seed_advisers(session: AsyncSession) -> int:
    """Three legal advisers with weekly hours (not yet linked to chat accounts)."""
    centres = {r.slug: r.id for r in (await session.execute(select(CentreRow))).scalars()}
    added = 0
    for name, minutes, hours in DEMO_ADVISERS:
        adviser = AdviserRow(name=name, slot_minutes=minutes, user_id=None)
        session.add(adviser)
        await session.flush()
        for slug, weekday, starts, ends in hours:
            session.add(
                AdviserHoursRow(adviser_id=adviser.id, centre_id=centres[slug], weekday=weekday,
                                starts=starts, ends=ends)
            )  # fmt: skip
            added += 1
    return added


async def _seed_programme(session: AsyncSession, now: datetime) -> int:
    """Weekly workshops at the centres for the next three weeks (dates relative to today)."""
    tz = ZoneInfo("Europe/Belgrade")
    centres = {r.slug: r.id for r in (await session.execute(select(CentreRow))).scalars()}
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    added = 0
    for slugs, kind, audience, weekday, at, minutes, capacity, titles in DEMO_WORKSHOPS:
        for slug in centres if slugs == "*" else slugs.split(","):
            first = tomorrow + timedelta(days=(weekday - tomorrow.weekday()) % 7)
            clock = time.fromisoformat(at)
            workshop = WorkshopRow(
                centre_id=centres[slug], titles=titles, kind=kind, audience=audience,
                language="sr", created_at=now,
            )  # fmt: skip
            session.add(workshop)
            await session.flush()
            for week in range(DEMO_WEEKS):
                starts = datetime.combine(first + timedelta(weeks=week), clock, tz)
                session.add(
                    SessionRow(
                        workshop_id=workshop.id,
                        centre_id=centres[slug],
                        status="scheduled",
                        starts_at=starts.astimezone(UTC),
                        minutes=minutes,
                        capacity=capacity,
                    )
                )
                added += 1
    return added


async def _seed_centres(engine: AsyncEngine) -> int:
    changed = 0
    async with session_factory(engine)() as session, session.begin():
        existing = {r.slug: r for r in (await session.execute(select(CentreRow))).scalars()}
        for data in DEMO_CENTRES:
            row = existing.get(data["slug"])
            if row is None:
                session.add(CentreRow(**data))
                changed += 1
                continue
            for key, value in data.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
                    changed += 1
    return changed
