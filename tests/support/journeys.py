"""People walked through the chat to where a test starts: onboarded, staff, volunteers, menus.

Each helper drives the core as a person would (tests/support/people.py's Person) or stores
the few things a journey needs (a workshop, a shift) directly; the flow tests share them.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import DeliveryWorker, Platform
from bot.scheduler import release_broadcasts
from handlers.model import Audience, Role, Task, WorkshopKind
from tests.support.outbox import user_id
from tests.support.people import START

BELGRADE = ZoneInfo("Europe/Belgrade")
PIROT = (43.1531, 22.5861)  # where the Pirot centre is (latitude, longitude)

# -- everyone --------------------------------------------------------------------------------


async def joined(person, name="ana"):
    """Someone who went through onboarding in English and lives near Pirot."""
    p = person(name)
    await p.send("/start")
    await p.press_through("English", "I agree", "I live here", "Pirot")
    return p


STATUS = {"returnee": "I came back from abroad", "local": "I live here"}


async def resident(app, person, name, *, locale="en", status="returnee", centre="Pirot", **kw):
    """Someone who went through onboarding (in English), then chose `locale`."""
    p = person(name, **kw)
    await p.send("/start")
    await p.press_through("English", "I agree", STATUS[status], centre)
    if locale != "en":
        async with app.uow() as uow:
            await uow.users.update(await user_id(app, p), locale=locale)
            await uow.commit()
    return p


_walkers = itertools.count()
STEPS = ["new", "language", "notice", "status", "centre", "menu", "settings", "delete"]


async def walk_to(person, step):
    """A fresh person brought to an onboarding or settings step."""
    p = person(f"walker-{step}-{next(_walkers)}")
    path = {
        "new": [],
        "language": ["/start"],
        "notice": ["/start", "English"],
        "status": ["/start", "English", "I agree"],
        "centre": ["/start", "English", "I agree", "I live here"],
        "menu": ["/start", "English", "I agree", "I live here", "Pirot"],
        "settings": ["/start", "English", "I agree", "I live here", "Pirot", "Settings"],
        "delete": [
            "/start",
            "English",
            "I agree",
            "I live here",
            "Pirot",
            "Settings",
            "Delete my data",
        ],
    }[step]
    for item in path:
        await (p.send(item) if item.startswith("/") else p.press(item))
    return p


# Text nobody should have to handle, typed at any step: "a kind answer, no exception".
WEIRD = [
    "",
    " ",
    "\n\n",
    "🙂🙂🙂",
    "👨‍👩‍👧‍👦",
    "مرحبا، أحتاج إلى مساعدة",  # right-to-left
    "שלום",
    "\u202eevil",
    "\x00\x01",
    "Ćao, šta ima? Đurđevdan",
    "'; DROP TABLE users; --",
    "{centre} {0} %s",
    "/",
    "/start centre-",
    "/start centre-../../etc",
    "x" * 10_000,
    "🙂" * 5_000,
]

# -- workshops and legal advice --------------------------------------------------------------


async def programme(app, *, capacity=5, audience=Audience.ADULTS, weeks=1, title="Computer basics"):
    """A workshop at Pirot tomorrow at 16:00 local (repeated weekly `weeks` times)."""
    first = datetime(2026, 11, 24, 16, 0, tzinfo=BELGRADE)
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        ids = await uow.workshops.create(
            centre_id=pirot.id, titles={"en": title, "sr": f"{title} (sr)"},
            kind=WorkshopKind.VOCATIONAL if audience is Audience.ADULTS else WorkshopKind.SCHOOL,
            audience=audience, language="sr",
            starts=[first + timedelta(weeks=w) for w in range(weeks)],
            minutes=90, capacity=capacity, now=START,
        )  # fmt: skip
        await uow.commit()
    return ids


async def browse(p, title="Computer basics"):
    """Main menu → Workshops → All kinds → This week → the workshop called `title`."""
    await p.send("/menu")
    await p.press("Workshops")
    await p.press("All kinds")
    await p.press("This week")
    await p.press(next(label for label in p.labels if title in label))


async def to_times(p, day="Tue 24.11."):
    """Main menu → Legal advice → Documents and ID → `day`: the free times of that day."""
    await p.send("/menu")
    await p.press("Legal advice")
    await p.press("Documents and ID")
    await p.press(day)


async def coordinator(app, person, name="coco", *, centres=("pirot",), all_centres=False):
    """A coordinator bound to these centres (by slug), or programme-wide; at the main menu."""
    p = await joined(person, name)
    uid = await user_id(app, p)  # its own connection: before the unit of work holds one
    async with app.uow() as uow:
        ids = [(await uow.centres.by_slug(slug)).id for slug in centres]
        await uow.users.grant(
            uid, Role.COORDINATOR, app.clock.now(), centres=ids, all_centres=all_centres
        )
        await uow.commit()
    await p.send("/menu")
    return p


async def open_session(co, title="Computer basics"):
    """Main menu → Coordinate workshops → Pirot → the session of the workshop `title`."""
    await co.send("/menu")
    await co.press("Coordinate workshops")
    await co.press("Pirot")
    await co.press(next(label for label in co.labels if title in label))


# -- announcements ---------------------------------------------------------------------------
HELLO = "The centre is open on Saturday from 10:00. Come and bring your friends!"


async def staff(app, person, name, *, role=Role.COORDINATOR, centre="Pirot"):
    """Someone at `centre` given `role`; a coordinator is bound to that centre too."""
    p = await resident(app, person, name, status="local", centre=centre)
    uid = await user_id(app, p)
    async with app.uow() as uow:
        bound = [(await uow.centres.by_slug(centre.lower())).id] if role is Role.COORDINATOR else []
        await uow.users.grant(uid, role, app.clock.now(), centres=bound)
        await uow.commit()
    await p.send("/menu")
    return p


async def write(co, text=HELLO):
    """Main menu → Announcements → New, the text; the draft's id."""
    await co.send("/menu")
    await co.press("Announcements")
    await co.press("New announcement")
    assert co.keys == ["bc.ask_text"]
    await co.send(text)
    assert co.keys == ["bc.draft"]
    return int(re.search(r"#(\d+)", co.last.text).group(1))


def deliverer(app, rec, **kw):
    """The delivery worker sending Telegram and Viber to the recorder, no limits."""
    platforms = {p: Platform(rec, limiter=None) for p in ("telegram", "viber")}
    return DeliveryWorker(app.uow, app.clock, app.translator, platforms, **kw)


async def deliver(app, rec):
    """Start the announcements that are due, send everything, then send the senders' reports."""
    await release_broadcasts(app)
    await deliverer(app, rec).drain()
    await release_broadcasts(app)
    await deliverer(app, rec).drain()


# -- volunteers ------------------------------------------------------------------------------


def local(day: int, clock: str) -> datetime:
    """A moment in Belgrade in November 2026 (START is Monday the 23rd, 10:00)."""
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 11, day, hour, minute, tzinfo=BELGRADE)


async def shift(app, *, day=25, start="10:00", end="13:00", places=3, task=Task.TRANSLATION,
                centre="pirot", note=""):  # fmt: skip
    """A shift at `centre` (a slug) on `day` of November 2026, local times; its id."""
    async with app.uow() as uow:
        where = await uow.centres.by_slug(centre)
        sid = await uow.shifts.create(
            centre_id=where.id, task=task, starts_at=local(day, start), ends_at=local(day, end),
            places=places, note=note, now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    return sid


async def volunteer(app, person, name="vesna", first="Vesna"):
    """An approved volunteer at Pirot (the request decided straight in the database)."""
    p = await joined(person, name)
    uid = await user_id(app, p)
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        request = await uow.volunteers.apply(
            user_id=uid, centre_id=pirot.id, first_name=first, tasks=[Task.TRANSLATION],
            phone=None, now=app.clock.now(),
        )  # fmt: skip
        await uow.volunteers.decide(request.id, approved=True, by=uid, now=app.clock.now())
        await uow.users.grant(uid, Role.VOLUNTEER, app.clock.now())
        await uow.commit()
    await p.send("/menu")
    return p


async def pirot_coordinator(app, person, name="coco"):
    """A coordinator bound to Pirot, left where onboarding ended (no fresh main menu)."""
    p = await joined(person, name)
    uid = await user_id(app, p)
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        await uow.users.grant(uid, Role.COORDINATOR, app.clock.now(), centres=[pirot.id])
        await uow.commit()
    return p


async def volunteering(p):
    """Main menu → Volunteer."""
    await p.send("/menu")
    await p.press("Volunteer")


async def volunteers_page(app, person, name="coco", **bound):
    """A coordinator (see `coordinator`) on the page Coordinate volunteers."""
    co = await coordinator(app, person, name, **bound)
    await co.press_payload("cv:home")
    assert co.keys == ["cv.home"]
    return co
