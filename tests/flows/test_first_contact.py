"""First contact: language, data notice, returnee or local, centre, menu; nothing before consent."""

from __future__ import annotations

from sqlalchemy import select

from handlers.flows.start import CONSENT_VERSION, PICK_LANGUAGE
from handlers.model import ResidentStatus
from storage.db import session_factory
from storage.models import CentreRow, UserRow
from tests.support import personal_rows

MENU = [
    "Workshops",
    "Legal advice",
    "Ask a question",
    "Volunteer",
    "Centres",
    "Settings",
    "My bookings",
]


def bare(labels):
    return [label.split(" ", 1)[1] for label in labels]


async def test_new_person_walks_to_the_main_menu(app, person, clock):
    ana = person("ana")
    await ana.send("/start")
    assert ana.keys == ["start.language"]
    assert ana.labels == ["English", "Srpski", "Српски", "Bosanski", "Deutsch", "Romani"]

    await ana.press("English")
    assert ana.keys == ["start.notice"]
    assert "delete" in ana.last.text and "Who sees it" in ana.last.text
    assert bare(ana.labels) == ["I agree", "Not now"]
    assert await personal_rows(app.engine) == {}, "nothing is stored before consent"

    await ana.press("I agree")
    assert ana.keys == ["start.status"]
    await ana.press("I came back from abroad")
    assert ana.keys == ["start.centre"]
    assert ana.labels == ["Kruševac", "Novi Pazar", "Pirot", "Sjenica", "Tutin"]
    await ana.press("Novi Pazar")
    assert ana.keys == ["start.done"]
    assert bare(ana.labels) == MENU

    async with app.uow() as uow:
        found = await uow.users.by_identity("telegram", "ana")
        assert found is not None
        user = await uow.users.profile(found.id)
    assert (user.locale, user.status, user.reminders_on) == ("en", ResidentStatus.RETURNEE, True)
    assert [(c.kind, c.version, c.given_at) for c in user.consents] == [
        ("data", CONSENT_VERSION, clock.now())
    ]
    async with session_factory(app.engine)() as s:
        centre = (
            await s.execute(select(CentreRow).where(CentreRow.id == user.centre_id))
        ).scalar_one()
    assert centre.slug == "novi-pazar"


async def test_not_now_stores_nothing_but_shows_the_centres(app, person):
    ben = person("ben")
    await ben.send("/start")
    await ben.press("Deutsch")
    await ben.press(app.translator.gettext("de", "Not now"))
    assert ben.keys == ["start.later"]
    await ben.press(app.translator.gettext("de", "Centres"))
    assert ben.keys == ["centres.list"]
    await ben.press("Pirot")
    assert ben.keys == ["centres.pin", "centres.detail"]
    pin, detail = ben.replies
    assert pin.location is not None and round(pin.location.latitude, 2) == 43.15
    assert "Srpskih vladara 21" in detail.text and "+381 10 000 104" in detail.text
    assert app.translator.weekday_name("de", 0) in detail.text  # Montag
    assert "09:00–17:00" in detail.text
    assert await personal_rows(app.engine) == {}


async def test_agreeing_after_not_now(app, person):
    cem = person("cem")
    await cem.send("/start")
    await cem.press_through("English", "Not now", "I agree")
    assert cem.keys == ["start.status"]
    async with app.uow() as uow:
        assert await uow.users.by_identity("telegram", "cem") is not None


async def test_poster_link_preselects_the_centre(app, person):
    dan = person("dan")
    await dan.send("/start centre-tutin")
    await dan.press_through("English", "I agree", "I live here")
    assert dan.keys == ["start.centre_preset"]
    assert "Tutin" in dan.last.text
    assert bare(dan.labels) == MENU
    async with app.uow() as uow:
        user = await uow.users.by_identity("telegram", "dan")
        assert user is not None and user.status is ResidentStatus.LOCAL
        centre = await uow.centres.get(user.centre_id)
    assert centre is not None and centre.slug == "tutin"


async def test_unknown_poster_link_asks_for_the_centre(person):
    eva = person("eva")
    await eva.send("/start centre-atlantis")
    await eva.press_through("English", "I agree", "I live here")
    assert eva.keys == ["start.centre"]


async def test_phone_language_comes_first_and_speaks(app, person):
    fox = person("fox", lang="de-AT")
    await fox.send("/start")
    assert fox.labels[0] == "Deutsch"
    assert fox.last.text == app.translator.gettext("de", PICK_LANGUAGE.msgid) != PICK_LANGUAGE.msgid


async def test_the_unbuilt_menu_entry_answers_politely(person):
    gia = person("gia")
    await gia.send("/start")
    await gia.press_through("English", "I agree", "I live here", "Pirot")
    for entry in ["Ask a question"]:
        await gia.press(entry)
        assert gia.keys == ["menu.soon"]
        assert bare(gia.labels) == MENU


async def test_known_person_is_welcomed_back(person):
    hal = person("hal")
    await hal.send("/start")
    await hal.press_through("English", "I agree", "I live here", "Pirot")
    await hal.send("/start")
    assert hal.keys == ["start.welcome_back"]


async def test_restart_mid_onboarding_resumes_the_step(person):
    ida = person("ida")
    await ida.send("/start")
    await ida.press_through("English", "I agree")
    await ida.send("/start")
    assert ida.keys == ["start.status"]
    await ida.press("I prefer not to say")
    assert ida.keys == ["start.centre"]


async def test_the_same_person_on_two_platforms_is_asked_separately(app, person):
    tg, vb = person("42"), person("42", platform="viber")
    await tg.send("/start")
    await tg.press_through("English", "I agree")
    await vb.send("/start")
    assert vb.keys == ["start.language"]


async def test_two_quick_taps_on_agree_register_one_person(app, person):
    import asyncio

    jo = person("jo")
    await jo.send("/start")
    await jo.press("English")
    payload = jo.find("I agree").payload
    first, second = await asyncio.gather(jo.press_payload(payload), jo.press_payload(payload))
    assert [first[0].key, second[0].key] == ["start.status", "start.status"]
    async with session_factory(app.engine)() as s:
        users = (await s.execute(select(UserRow))).scalars().all()
    assert len(users) == 1


async def test_poster_centre_survives_not_now(app, person):
    kim = person("kim")
    await kim.send("/start centre-sjenica")
    await kim.press_through("English", "Not now", "I agree", "I live here")
    assert kim.keys == ["start.centre_preset"] and "Sjenica" in kim.last.text


async def test_thirty_people_onboarding_at_once_all_arrive(app, person):
    import asyncio

    async def walk(n: int) -> list[str]:
        p = person(f"crowd{n}")
        await p.send("/start")
        await p.press_through("English", "I agree", "I live here", "Pirot")
        return p.keys

    finished = await asyncio.gather(*(walk(n) for n in range(30)))
    assert finished == [["start.done"]] * 30
    async with session_factory(app.engine)() as s:
        rows = (await s.execute(select(UserRow.status, UserRow.centre_id))).all()
    pirot = await _centre_id(app, "pirot")
    assert sorted(rows) == [(ResidentStatus.LOCAL.value, pirot)] * 30


async def _centre_id(app, slug):
    async with session_factory(app.engine)() as s:
        return (await s.execute(select(CentreRow.id).where(CentreRow.slug == slug))).scalar_one()
