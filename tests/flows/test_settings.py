"""Settings: language, centre, reminders, show my data, delete my data."""

from __future__ import annotations

import pytest

from handlers.model import Role
from tests.support import personal_rows, table_rows


@pytest.fixture
async def ana(person):
    ana = person("ana")
    await ana.send("/start")
    await ana.press_through(
        "English", "I agree", "I came back from abroad", "Novi Pazar", "Settings"
    )
    return ana


async def stored(app, who="ana"):
    async with app.uow() as uow:
        return await uow.users.by_identity("telegram", who)


async def test_change_language(app, ana):
    await ana.press_through("Language", "Deutsch")
    assert ana.keys == ["settings.language_saved"]
    assert ana.last.text == app.translator.gettext(
        "de", "Done. I will speak {language} with you."
    ).format(language="Deutsch")
    assert (await stored(app)).locale == "de"
    await ana.send("/menu")
    assert app.translator.gettext("de", "Settings") in " ".join(ana.labels)


async def test_change_centre(app, ana):
    await ana.press_through("My centre", "Sjenica")
    assert ana.keys == ["settings.centre_saved"] and "Sjenica" in ana.last.text
    async with app.uow() as uow:
        centre = await uow.centres.get((await stored(app)).centre_id)
    assert centre.slug == "sjenica"


async def test_reminders_off_and_on(app, ana):
    await ana.press("Reminders: on")
    assert ana.keys == ["settings.reminders_off"]
    assert "🔕 Reminders: off" in ana.labels
    assert (await stored(app)).reminders_on is False
    await ana.press("Reminders: off")
    assert ana.keys == ["settings.reminders_on"]
    assert (await stored(app)).reminders_on is True


async def test_show_my_data_lists_everything_readably(app, ana):
    async with app.uow() as uow:
        await uow.users.grant((await stored(app)).id, Role.VOLUNTEER, app.clock.now())
        await uow.commit()
    await ana.press("Show my data")
    assert ana.keys == ["settings.my_data"]
    text = ana.last.text
    for expected in ["English", "came back from abroad", "Novi Pazar", "Reminders: on",
                     "telegram ana", "participant, volunteer", "2026-11"]:  # fmt: skip
        assert expected in text, expected
    # 09:00 UTC is 10:00 in Belgrade, written the English way.
    assert "Monday, November 23, 2026, 10:00" in text


async def test_delete_my_data_removes_every_trace(app, ana, person):
    async with app.uow() as uow:
        await uow.users.grant((await stored(app)).id, Role.COORDINATOR, app.clock.now())
        await uow.commit()
    bob = person("bob")
    await bob.send("/start")
    await bob.press_through("English", "I agree", "I live here", "Tutin")

    await ana.press("Delete my data")
    assert ana.keys == ["settings.delete_confirm"]
    await ana.press("Yes, delete my data")
    assert ana.keys == ["settings.deleted"]

    assert await stored(app) is None
    for table, rows in (await table_rows(app.engine)).items():
        for row in rows:
            assert "ana" not in row, f"{table} still names the person: {row}"
    remaining = await personal_rows(app.engine)
    assert {len(rows) for rows in remaining.values()} == {1}, "only bob's rows are left"
    assert await stored(app, "bob") is not None

    await ana.send("/start")
    assert ana.keys == ["start.language"]


async def test_no_keeps_the_data(app, ana):
    await ana.press_through("Delete my data", "No, keep it")
    assert ana.keys == ["settings.menu"]
    assert await stored(app) is not None


async def test_an_old_yes_button_does_not_delete(app, ana):
    await ana.press("Delete my data")
    old_yes = ana.find("Yes, delete my data").payload
    await ana.press("No, keep it")
    await ana.press_payload(old_yes)
    assert ana.keys == ["common.expired"]
    await ana.press("Settings")
    await ana.press("Delete my data")
    await ana.press_payload(old_yes)  # from an earlier question, not this one
    assert ana.keys == ["common.expired"]
    assert await stored(app) is not None


async def test_typing_at_the_delete_question_is_never_a_yes(app, ana):
    await ana.press("Delete my data")
    await ana.send("yes")
    assert ana.keys == ["common.again"]
    assert [b.split(" ", 1)[1] for b in ana.labels] == ["Yes, delete my data", "No, keep it"]
    assert await stored(app) is not None
    await ana.press("Yes, delete my data")
    assert await stored(app) is None


async def test_buttons_of_a_deleted_person_ask_to_start(ana):
    await ana.press_through("Delete my data", "Yes, delete my data")
    await ana.press_payload("set:open")
    assert ana.keys == ["common.need_start"]
