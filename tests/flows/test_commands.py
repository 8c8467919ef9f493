"""Commands from any step, typed text where buttons are expected, stale and forged buttons."""

from __future__ import annotations

import logging

import pytest

from handlers.flows.start import STATUS
from handlers.messages import MAX_PAYLOAD_BYTES, Button
from tests.support.journeys import STEPS, walk_to


@pytest.mark.parametrize("step", STEPS)
async def test_commands_work_from_every_step(person, step):
    p = await walk_to(person, step)
    registered = step not in ("new", "language", "notice")
    # Unfinished first questions come back instead of the menu: the menu relies on them.
    onboarding = {"status": ["start.status"], "centre": ["start.centre"]}.get(step)
    await p.send("/help")
    assert p.keys == ["common.help"]
    await p.send("/menu")
    assert p.keys == (onboarding or (["menu.main"] if registered else ["start.language"]))
    p = await walk_to(person, step)
    await p.send("/language")
    assert p.keys == (["settings.language"] if registered else ["start.language"])
    p = await walk_to(person, step)
    await p.send("/cancel")
    assert p.keys == (onboarding or (["common.cancelled"] if registered else ["start.language"]))
    await p.send("/nonsense")
    assert p.keys == ["common.unknown_command"]


async def test_cancel_leaves_the_delete_question(app, person):
    p = await walk_to(person, "delete")
    yes = p.find("Yes, delete my data").payload
    await p.send("/cancel")
    await p.press_payload(yes)
    assert p.keys == ["common.expired"]
    async with app.uow() as uow:
        assert await uow.users.by_identity("telegram", p.user_id) is not None


async def test_text_at_a_question_repeats_it_with_the_same_buttons(person):
    p = await walk_to(person, "status")
    buttons = p.labels
    await p.send("I am from Kraljevo")
    assert p.keys == ["common.again"]
    assert p.labels == buttons
    assert "Did you come back from abroad" in p.last.text


async def test_text_in_the_menu_gets_the_menu(person):
    p = await walk_to(person, "menu")
    await p.send("hello?")
    assert p.keys == ["common.not_understood"]
    assert len(p.labels) == 7


async def test_text_from_a_stranger_offers_the_languages(person):
    p = person("stranger")
    await p.send("Dobar dan")
    assert p.keys == ["start.language"]


@pytest.mark.parametrize(
    "payload",
    [
        "zz:top",
        "set",
        "set:centre:atlantis",
        "set:lang:xx",
        "ob:status:alien",
        "cen:show:x:y:z",
        "::",
    ],
)
async def test_unknown_or_malformed_buttons_expire_politely(person, payload):
    p = await walk_to(person, "menu")
    await p.press_payload(payload)
    assert p.keys == ["common.expired"]
    assert len(p.labels) == 7


async def test_members_buttons_pressed_by_a_stranger(person):
    p = person("stranger")
    for payload in ["set:open", "set:del:yes:abcd", "ob:centre:pirot", "menu:main", "cen:list"]:
        await p.press_payload(payload)
        assert p.keys == ["common.need_start"], payload


async def test_old_onboarding_buttons_after_onboarding_still_work(app, person):
    p = await walk_to(person, "status")
    old_status = p.find("I came back from abroad").payload
    await p.press_through("I live here", "Pirot")
    await p.press_payload(old_status)  # the person changes their answer from the old message
    async with app.uow() as uow:
        user = await uow.users.by_identity("telegram", p.user_id)
    assert user.status.value == "returnee"
    assert p.replies, "an answer always comes"


def test_payloads_longer_than_telegram_allows_are_refused_where_built():
    Button("ok", "x" * MAX_PAYLOAD_BYTES)
    with pytest.raises(ValueError):
        Button("too long", "x" * (MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(ValueError):
        Button("multi-byte", "č" * 33)


async def test_logs_name_no_text_and_no_names(person, caplog):
    caplog.set_level(logging.INFO)
    p = person("Ana Petrović")
    await p.send("/start")
    await p.press_through("English", "I agree")
    await p.send("My secret is 42")
    logged = caplog.text
    assert "update handled" in logged
    assert "secret" not in logged and "Petrović" not in logged


async def test_a_redelivered_update_is_handled_once(app, person):
    from handlers.messages import Incoming

    first = Incoming.message("telegram", "dup", "/start", update_id="1001")
    assert (await app.conversation.handle(first))[0].key == "start.language"
    assert await app.conversation.handle(first) == []
    stale = Incoming.button("telegram", "dup", "zz:top", update_id="1002")
    assert (await app.conversation.handle(stale))[0].key == "common.need_start"
    assert await app.conversation.handle(stale) == [], "a stale button's id is remembered too"
    other_platform = Incoming.message("viber", "dup", "/start", update_id="1001")
    assert await app.conversation.handle(other_platform) != []


async def test_language_change_in_the_middle_of_onboarding_returns_to_it(app, person):
    p = await walk_to(person, "status")
    await p.send("/language")
    await p.press("Deutsch")
    assert p.keys == ["start.status"]
    assert p.last.text == app.translator.gettext("de", STATUS.msgid) != STATUS.msgid
    async with app.uow() as uow:
        assert (await uow.users.by_identity("telegram", p.user_id)).locale == "de"


async def test_text_in_settings_repeats_the_settings(person):
    p = await walk_to(person, "settings")
    labels = p.labels
    await p.send("change my phone number")
    assert p.keys == ["common.again"]
    assert p.labels == labels


async def test_a_forged_centre_in_a_payload_expires(person):
    p = person("forger")
    await p.press_payload("start:lang:en:" + "x" * 45)
    assert p.keys == ["common.need_start"]
    await p.press_payload("start:agree:en:atlantis")
    assert p.keys == ["common.need_start"]


async def test_a_failure_says_sorry_in_the_persons_language(app, person, monkeypatch, caplog):
    from handlers.flows.replies import ERROR
    from handlers.router import Route

    p = await walk_to(person, "menu")
    await p.send("/language")
    await p.press("Deutsch")

    async def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setitem(app.conversation._router.buttons, ("cen", "list"), Route("x", broken, True))
    await p.press_payload("cen:list")
    assert p.keys == ["common.error"]
    assert p.last.text == app.translator.gettext("de", ERROR.msgid) != ERROR.msgid


async def test_slow_down_is_said_in_the_persons_own_language(app, person):
    from handlers.flows.common import SLOW_DOWN
    from handlers.messages import Incoming

    def flood(p, hint):
        return Incoming.message("telegram", p.user_id, "hello", lang_hint=hint, update_id="u-1")

    stranger = person("flooding-stranger")
    out = await app.conversation.slow_down(flood(stranger, "de"))
    assert out.key == SLOW_DOWN.key and "schneller, als ich antworten kann" in out.text
    chose = person("flooding-member")
    await chose.send("/start")
    await chose.press_through("Deutsch", "Einverstanden")
    out = await app.conversation.slow_down(flood(chose, "sr"))  # the phone says otherwise
    assert "schneller, als ich antworten kann" in out.text, "the language they chose wins"
    async with app.uow() as uow:  # the dropped update is not recorded as handled
        assert await uow.updates.claim("telegram", "u-1", app.clock.now())
