"""Issue 17, hole 3: volunteer coordination and announcements reach only the centres staff are
bound to, checked on every route, never widened by one's own Settings centre."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from handlers.flows import announce, coordinate_volunteers
from handlers.flows.start import CONSENT_VERSION
from handlers.model import (
    Audience,
    BroadcastStatus,
    ConversationState,
    Role,
    Target,
    Task,
    WorkshopKind,
)
from storage.broadcasts import audience
from storage.db import session_factory
from storage.models import OutboxRow, SessionRow
from storage.uow import SqlUnitOfWork
from tests.support import START, table_rows
from tests.support.journeys import deliver, joined, resident, staff, write
from tests.support.outbox import Recorder, user_id

EXPIRED = ["common.expired"]
DRAFT = {
    "task": "translation", "day": "2026-11-25", "start": "10:00", "end": "13:00",
    "places": 3, "note": "",
}  # fmt: skip

# Every coordinator route of the two flows: (state to be in, what to do). `{c}` is the centre,
# `{r1}`/`{r2}` requests, `{s}` a shift ahead, `{g}` a sign-up to a shift that has begun,
# `{d}` an announcement, `{w}` a workshop — all of the centre under test.
CV_ROUTES = {
    "h": (None, "press", "cv:h:{c}"),
    "rq": (None, "press", "cv:rq:{c}"),
    "r": (None, "press", "cv:r:{r1}"),
    "ok": (None, "press", "cv:ok:{r1}"),
    "no": (None, "press", "cv:no:{r2}"),
    "l": (None, "press", "cv:l:{c}:0"),
    "s": (None, "press", "cv:s:{s}"),
    "x": (None, "press", "cv:x:{s}"),
    "xx": (None, "press", "cv:xx:{s}"),
    "n": (None, "press", "cv:n:{c}"),
    "nt": (None, "press", "cv:nt:{c}:translation"),
    "cv.day": (("cv.day", {"task": "translation"}), "send", "25.11.2026"),
    "cv.time": (("cv.time", {"task": "translation", "day": "2026-11-25"}), "send", "10:00-13:00"),
    "cv.places": (("cv.places", {**DRAFT}), "send", "3"),
    "cv.note": (("cv.note", {**DRAFT}), "send", "Bring a pen"),
    "nk": (("cv.note", {**DRAFT}), "press", "cv:nk"),
    "cv.preview": (("cv.preview", {**DRAFT}), "send", "hello"),
    "np": (("cv.preview", {**DRAFT}), "press", "cv:np"),
    "t": (None, "press", "cv:t:{c}"),
    "ns": (None, "press", "cv:ns:{g}"),
    "code": (None, "press", "cv:code:{c}"),
    "sc": (None, "press", "cv:sc:{c}"),
    "cv.code": (("cv.code", {}), "send", "ABCD12"),
}
BC_ROUTES = {
    "d": (None, "press", "bc:d:{d}"),
    "lg": (None, "press", "bc:lg:{d}"),
    "tl": (None, "press", "bc:tl:{d}:de"),
    "bc.tr": (("bc.tr", {"lang": "de"}), "send", "Hallo"),
    "df": (None, "press", "bc:df:{d}"),
    "dl": (None, "press", "bc:dl:{d}:en"),
    "a": (None, "press", "bc:a:{d}"),
    "t": (None, "press", "bc:t:{d}:v:1"),
    "aw": (None, "press", "bc:aw:{d}"),
    "aj": (None, "press", "bc:aj:{d}"),
    "at": (None, "press", "bc:at:{d}"),
    "ph": (None, "press", "bc:ph:{d}"),
    "bc.photo": (("bc.photo", {}), "photo", ""),
    "pin": (None, "press", "bc:pin:{d}:{c}"),
    "p": (None, "press", "bc:p:{d}"),
    "w": (None, "press", "bc:w:{d}"),
    "bc.when": (("bc.when", {}), "send", "24.11.2026 18:00"),
    "r": (None, "press", "bc:r:{d}"),
    "s": (None, "press", "bc:s:{d}"),
    "go": (None, "press", "bc:go:{d}"),
    "ss": (None, "press", "bc:ss:{d}"),
}
# Routes naming no centre: they show only bound centres (checked in their own tests below).
CV_PICKERS = {"home", "c"}
BC_PICKERS = {"home", "l", "new", "bc.text"}
# A draft of the sender's own centre with a payload naming the other centre.
FORGED = ("bc:t:{d}:c:{c}", "bc:t:{d}:j:{c}", "bc:t:{d}:w:{w}", "bc:pin:{d}:{c}")


def test_every_route_of_the_two_flows_is_in_the_table():
    """A new route without an entry here fails: it must be checked against bindings too."""
    cv, bc = coordinate_volunteers.flow, announce.flow
    assert set(CV_ROUTES) | CV_PICKERS == set(cv.buttons) | set(cv.states)
    assert set(BC_ROUTES) | BC_PICKERS == set(bc.buttons) | set(bc.states)


# -- helpers -------------------------------------------------------------------------------------
async def ids(app):
    async with app.uow() as uow:
        return {c.slug: c.id for c in await uow.centres.all()}


async def coordinator(app, person, name, *, bound=("pirot",), everywhere=False, role=None):
    """Someone who joined at Pirot, made coordinator bound to `bound` (or an admin)."""
    p = await joined(person, name)
    uid = await user_id(app, p)
    centres = await ids(app)
    async with app.uow() as uow:
        if role is Role.ADMIN:
            await uow.users.grant(uid, Role.ADMIN, app.clock.now())
        else:
            await uow.users.grant(
                uid, Role.COORDINATOR, app.clock.now(), centres=[centres[s] for s in bound],
                all_centres=everywhere,
            )  # fmt: skip
        await uow.commit()
    return p


async def move(app, p, slug):
    """The person changes their own centre (Settings → centre) to `slug`."""
    uid = await user_id(app, p)
    centre = (await ids(app))[slug]
    async with app.uow() as uow:
        await uow.users.update(uid, centre_id=centre)
        await uow.commit()


async def at_centre(app, slug, tag):
    """Fresh things at a centre: two requests, a shift ahead, a begun shift with a sign-up, a
    workshop ahead and a resident; their ids."""
    c = (await ids(app))[slug]
    async with app.uow() as uow:

        async def register(name):
            user = await uow.users.register(
                platform="telegram", external_id=f"{tag}-{name}", chat_id=f"{tag}-{name}",
                locale="en", centre_id=c, consent_version=CONSENT_VERSION,
                now=START - timedelta(days=9),
            )  # fmt: skip
            return user.id

        async def request(name):
            return await uow.volunteers.apply(
                user_id=await register(name), centre_id=c, first_name=name.title(),
                tasks=[Task.EVENTS], phone=None, now=START - timedelta(days=8),
            )  # fmt: skip

        r1, r2, vol = await request("ana"), await request("ben"), await request("vid")
        await uow.volunteers.decide(vol.id, approved=True, by=vol.user_id, now=START)
        await uow.users.grant(vol.user_id, Role.VOLUNTEER, START)
        ahead = await uow.shifts.create(
            centre_id=c, task=Task.EVENTS, starts_at=START + timedelta(days=1),
            ends_at=START + timedelta(days=1, hours=2), places=3, note="",
            now=START - timedelta(days=7),
        )  # fmt: skip
        begun = await uow.shifts.create(
            centre_id=c, task=Task.EVENTS, starts_at=START - timedelta(hours=1),
            ends_at=START + timedelta(hours=2), places=3, note="", now=START - timedelta(days=7),
        )  # fmt: skip
        await uow.shifts.sign_up(ahead, vol.user_id, START - timedelta(days=7))
        signup = await uow.shifts.sign_up(begun, vol.user_id, START - timedelta(days=7))
        (session,) = await uow.workshops.create(
            centre_id=c, titles={"en": f"Class {tag}"}, kind=WorkshopKind.SCHOOL,
            audience=Audience.ADULTS, language="sr", starts=[START + timedelta(days=3)],
            minutes=60, capacity=5, now=START,
        )  # fmt: skip
        workshop = (await uow.workshops.session(session)).workshop_id
        await register("resident")
        await uow.commit()
    assert signup is not None
    return {"c": c, "r1": r1.id, "r2": r2.id, "s": ahead, "g": signup.id, "w": workshop}


async def a_draft(app, by, centre, text="News"):
    """An announcement draft by `by`, for the people of `centre` (as if written while bound)."""
    async with app.uow() as uow:
        made = await uow.broadcasts.create(
            created_by=by, texts={"en": text}, default_locale="en", now=app.clock.now()
        )
        await uow.broadcasts.edit(made.id, target=Target(centres=(centre,)))
        await uow.commit()
    return made.id


async def queued(app):
    async with session_factory(app.engine)() as s:
        return await s.scalar(select(func.count()).select_from(OutboxRow))


async def enter(app, p, route, values):
    """Put `p` in the route's conversation state, if it has one (kept on the server: as if
    they had begun the step while they were bound to that centre)."""
    if route[0] is None:
        return
    name, data = route[0]
    data = {**data, "centre": values["c"], "id": values.get("d")}
    async with app.uow() as uow:
        await uow.states.save(await user_id(app, p), ConversationState(name, data), START)
        await uow.commit()


async def act(p, route, values):
    """Press or type what the route takes."""
    _, kind, what = route
    if kind == "press":
        await p.press_payload(what.format(**values))
    elif kind == "photo":
        await p.send_photo()
    else:
        await p.send(what)


async def refused(app, engine, p, routes, values_of):
    """Each route: refused as stale, no row changed, nothing queued (the refusal only ends
    the person's own unfinished step, as every stale answer does)."""
    for key, route in routes.items():
        values = await values_of(key)
        await enter(app, p, route, values)
        before, outbox = await stored(engine), await queued(app)
        await act(p, route, values)
        assert p.keys == EXPIRED, key
        assert await stored(engine) == before, f"{key}: nothing changed"
        assert await queued(app) == outbox, f"{key}: nothing queued"
        async with app.uow() as uow:
            assert (await uow.states.get(await user_id(app, p))).name == "", key


async def stored(engine):
    """Every row, but conversation states (a stale answer ends one's own step)."""
    rows = await table_rows(engine)
    del rows["conversation_states"]
    return rows


async def allowed(app, p, routes, values_of):
    """Each route: answered, not refused."""
    for key, route in routes.items():
        values = await values_of(key)
        await enter(app, p, route, values)
        await act(p, route, values)
        assert p.keys != EXPIRED, key


# -- volunteer coordination ----------------------------------------------------------------------
@pytest.mark.parametrize("settings", ["pirot", "tutin"])
async def test_a_coordinator_of_one_centre_is_refused_every_route_at_another(
    app, person, engine, settings
):
    tutin = await at_centre(app, "tutin", "t")
    coco = await coordinator(app, person, "coco")  # bound to Pirot only
    await move(app, coco, settings)  # their own Settings centre never widens it
    await refused(app, engine, coco, CV_ROUTES, lambda key: _same(tutin))


@pytest.mark.parametrize("who", ["bound", "everywhere", "admin"])
async def test_who_may_coordinate_a_centre_gets_every_route(app, person, who):
    if who == "bound":  # the Pirot coordinator, at Pirot
        slug, co = "pirot", await coordinator(app, person, "coco")
    elif who == "everywhere":
        slug, co = "tutin", await coordinator(app, person, "wide", bound=(), everywhere=True)
    else:
        slug, co = "tutin", await coordinator(app, person, "boss", role=Role.ADMIN)
    values = await at_centre(app, slug, who)
    await allowed(app, co, CV_ROUTES, lambda key: _same(values))
    async with app.uow() as uow:  # what the routes did, at that centre
        assert (await uow.volunteers.get(values["r1"])).status.value == "approved"
        assert (await uow.volunteers.get(values["r2"])).status.value == "refused"
        assert (await uow.shifts.get(values["s"])).status != "scheduled"
        assert (await uow.shifts.signup(values["g"])).no_show


async def _same(values):
    return values


async def test_pickers_list_only_bound_centres_whatever_the_settings_centre(app, person):
    coco = await coordinator(app, person, "coco")
    await move(app, coco, "tutin")
    await coco.press_payload("cv:home")
    assert coco.keys == ["cv.home"] and "Volunteers at Pirot" in coco.last.text
    await coco.press_payload("cv:c")
    assert coco.keys == ["cv.ask_centre"] and "Tutin" not in coco.labels
    assert [label for label in coco.labels if "Pirot" in label] == ["Pirot"]
    both = await coordinator(app, person, "both", bound=("pirot", "tutin"))
    await both.press_payload("cv:c")
    assert {"Pirot", "Tutin"} <= set(both.labels) and "Sjenica" not in both.labels
    await both.press("Tutin")
    assert "Volunteers at Tutin" in both.last.text


async def test_a_coordinator_bound_to_no_centre_is_told_an_admin_must_assign_one(app, person):
    nobody = await coordinator(app, person, "nobody", bound=())
    await nobody.press_payload("cv:home")
    assert nobody.keys == ["cv.not_bound"] and "ask an admin" in nobody.last.text
    await nobody.press_payload("cv:c")
    assert nobody.keys == ["cv.ask_centre"] and nobody.labels == ["🏠 Menu"]


async def test_unbound_in_the_middle_of_a_new_shift_the_next_step_is_refused(app, person, engine):
    both = await coordinator(app, person, "both", bound=("pirot", "tutin"))
    tutin = (await ids(app))["tutin"]
    await both.press_payload(f"cv:n:{tutin}")
    await both.press("translation")
    await both.send("25.11.2026")
    await both.send("10:00-13:00")
    await both.send("3")
    await both.press("No note")
    assert both.keys == ["cv.preview"]
    async with app.uow() as uow:
        await uow.users.revoke(await user_id(app, both), Role.COORDINATOR, centres=[tutin])
        await uow.commit()
    before = await stored(engine)
    await both.press("Publish")
    assert both.keys == EXPIRED and await stored(engine) == before, "no shift published"


# -- announcements -------------------------------------------------------------------------------
def _draft_values(app, owner_id, centre, extra):
    async def values(key):
        return {**extra, "c": centre, "d": await a_draft(app, owner_id, centre)}

    return values


@pytest.mark.parametrize("settings", ["pirot", "tutin"])
async def test_a_coordinator_of_one_centre_is_refused_every_announcement_route_at_another(
    app, person, engine, settings
):
    c = await ids(app)
    tutin = await at_centre(app, "tutin", "t")
    coco = await coordinator(app, person, "coco")
    await move(app, coco, settings)
    uid = await user_id(app, coco)
    # Their own announcement, written for Tutin (as if while they were bound there).
    await refused(app, engine, coco, BC_ROUTES, _draft_values(app, uid, c["tutin"], tutin))
    # Their own Pirot draft, with a payload naming Tutin (a centre, its legal appointments,
    # its workshop, its map pin).
    mine = await a_draft(app, uid, c["pirot"])
    forged = {f: (None, "press", f) for f in FORGED}

    async def at_pirot_naming_tutin(key):
        return {**tutin, "d": mine}

    await refused(app, engine, coco, forged, at_pirot_naming_tutin)


@pytest.mark.parametrize("who", ["bound", "everywhere", "admin"])
async def test_who_may_announce_to_a_centre_gets_every_announcement_route(app, person, who):
    c = await ids(app)
    if who == "bound":
        slug, co = "pirot", await coordinator(app, person, "coco")
    elif who == "everywhere":
        slug, co = "tutin", await coordinator(app, person, "wide", bound=(), everywhere=True)
    else:
        slug, co = "tutin", await coordinator(app, person, "boss", role=Role.ADMIN)
    values = await at_centre(app, slug, who)
    writer = await coordinator(app, person, "writer", bound=(slug,))  # an admin acts on others'
    owner = await user_id(app, co if who != "admin" else writer)
    await allowed(app, co, BC_ROUTES, _draft_values(app, owner, c[slug], values))
    forged = {f: (None, "press", f) for f in FORGED[:1]}  # naming their own centre is fine
    mine = await a_draft(app, owner, c[slug])

    async def own_centre(key):
        return {**values, "d": mine}

    await allowed(app, co, forged, own_centre)


async def test_a_settings_centre_never_widens_an_announcement(app, person):
    coco = await staff(app, person, "coco")  # bound to Pirot
    await resident(app, person, "ana")  # Pirot
    await resident(app, person, "tarik", centre="Tutin")
    await move(app, coco, "tutin")
    d = await write(coco)
    async with app.uow() as uow:
        c = {x.slug: x.id for x in await uow.centres.all()}
        assert (await uow.broadcasts.get(d)).target.centres == (c["pirot"],)
    await coco.press_payload(f"bc:t:{d}:e:0")  # "Everyone", from them: their bound centre
    assert "People of: Pirot" in coco.last.text and "Tutin" not in " ".join(coco.labels)
    await coco.press_payload(f"bc:at:{d}")
    assert "Tutin" not in " ".join(coco.labels)
    await coco.press_payload(f"bc:aj:{d}")
    assert "Tutin" not in " ".join(coco.labels)
    await coco.press_payload(f"bc:go:{d}")
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("ana") and rec.to("tarik") == []


async def test_a_coordinator_of_several_centres_picks_among_them_only(app, person):
    both = await staff(app, person, "both")
    await resident(app, person, "ana")
    await resident(app, person, "tarik", centre="Tutin")
    await resident(app, person, "sara", centre="Sjenica")
    c = await ids(app)
    async with app.uow() as uow:
        await uow.users.grant(
            await user_id(app, both), Role.COORDINATOR, app.clock.now(), centres=[c["tutin"]]
        )
        await uow.commit()
    d = await write(both)
    await both.press_payload(f"bc:a:{d}")
    labels = " ".join(both.labels)
    assert "Pirot" in labels and "Tutin" in labels and "Sjenica" not in labels
    assert "People in it right now: 3" in both.last.text  # Ana, Tarik and the writer
    await both.press_payload(f"bc:t:{d}:c:{c['pirot']}")  # Pirot off: Tutin only
    assert "People of: Tutin" in both.last.text
    await both.press_payload(f"bc:t:{d}:c:{c['sjenica']}")
    assert both.keys == EXPIRED
    await both.press_payload(f"bc:go:{d}")
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("tarik") and rec.to("ana") == [] and rec.to("sara") == []


async def test_a_coordinator_bound_to_no_centre_may_not_write_one(app, person):
    nobody = await coordinator(app, person, "nobody", bound=())
    await nobody.press_payload("bc:new")
    assert nobody.keys == ["bc.no_centre"] and "ask an admin" in nobody.last.text


async def test_a_scheduled_announcement_whose_sender_was_unbound_is_cancelled_when_due(
    app, person, clock
):
    both = await staff(app, person, "both")  # bound to Pirot, then to Tutin as well
    await resident(app, person, "tarik", centre="Tutin")
    c = await ids(app)
    uid = await user_id(app, both)
    async with app.uow() as uow:
        await uow.users.grant(uid, Role.COORDINATOR, clock.now(), centres=[c["tutin"]])
        await uow.commit()
    d = await write(both, "Tutin is closed tomorrow.")
    await both.press_payload(f"bc:t:{d}:c:{c['pirot']}")  # for Tutin only
    assert "People of: Tutin" in both.last.text and "Pirot" not in both.last.text
    await both.press_payload(f"bc:w:{d}")
    await both.send("24.11.2026 09:00")
    assert both.keys == ["bc.scheduled"]
    async with app.uow() as uow:  # unbound from Tutin (their Settings centre stays Pirot)
        await uow.users.revoke(uid, Role.COORDINATOR, centres=[c["tutin"]])
        await uow.commit()
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("tarik") == []
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(d)).status is BroadcastStatus.CANCELLED


async def test_an_announcement_for_everyone_is_cancelled_once_its_sender_is_narrowed(
    app, person, clock
):
    wide = await coordinator(app, person, "wide", bound=(), everywhere=True)
    await resident(app, person, "ana")
    d = await write(wide)
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(d)).target == Target()  # everyone
    await wide.press_payload(f"bc:w:{d}")
    await wide.send("24.11.2026 09:00")
    assert wide.keys == ["bc.scheduled"]
    uid, pirot = await user_id(app, wide), (await ids(app))["pirot"]
    async with app.uow() as uow:  # now a coordinator of Pirot only
        await uow.users.revoke(uid, Role.COORDINATOR, all_centres=True)
        await uow.users.grant(uid, Role.COORDINATOR, clock.now(), centres=[pirot])
        await uow.commit()
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("ana") == []
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(d)).status is BroadcastStatus.CANCELLED


# -- storage: "volunteers" and "workshop" audiences are bounded by centre ------------------------
async def test_volunteer_and_workshop_audiences_keep_to_the_centres_named(engine):
    now = START
    u = SqlUnitOfWork(session_factory(engine))
    async with u:
        c = {x.slug: x.id for x in await u.centres.all()}

        async def someone(name, settings):
            user = await u.users.register(
                platform="telegram", external_id=name, chat_id=name, locale="en",
                centre_id=c[settings], consent_version="v1", now=now,
            )  # fmt: skip
            return user.id

        async def volunteer_at(name, slug):
            uid = await someone(name, "pirot")  # every one of them says Pirot in Settings
            found = await u.volunteers.apply(
                user_id=uid, centre_id=c[slug], first_name=name, tasks=[Task.EVENTS],
                phone=None, now=now,
            )  # fmt: skip
            await u.volunteers.decide(found.id, approved=True, by=uid, now=now)
            await u.users.grant(uid, Role.VOLUNTEER, now)
            return uid

        at_pirot, at_tutin = await volunteer_at("vp", "pirot"), await volunteer_at("vt", "tutin")
        first, second = (now + timedelta(days=60), now + timedelta(days=61))
        here, there = await u.workshops.create(
            centre_id=c["pirot"], titles={"en": "Class"}, kind=WorkshopKind.SCHOOL,
            audience=Audience.ADULTS, language="sr", starts=[first, second], minutes=60,
            capacity=5, now=now,
        )  # fmt: skip
        workshop = (await u.workshops.session(here)).workshop_id
        booked_here, booked_there = await someone("bh", "pirot"), await someone("bt", "pirot")
        await u.workshops.book(here, booked_here, now)
        await u.workshops.book(there, booked_there, now)
        await u.commit()
    async with session_factory(engine)() as s, s.begin():  # its second session is at Tutin
        await s.execute(
            update(SessionRow).where(SessionRow.id == there).values(centre_id=c["tutin"])
        )

    async def who(target):
        async with session_factory(engine)() as s:
            return set((await s.execute(audience(target, now))).scalars())

    assert await who(Target(centres=(c["pirot"],), volunteers=True)) == {at_pirot}
    assert await who(Target(volunteers=True)) >= {at_pirot, at_tutin}
    # Both say Pirot in Settings; only the one booked at Pirot's session is Pirot's to tell.
    assert await who(Target(centres=(c["pirot"],), workshop_id=workshop)) == {booked_here}
    assert await who(Target(workshop_id=workshop)) == {booked_here, booked_there}
