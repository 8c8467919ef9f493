"""The Telegram transport in-process: real aiogram Bot and Dispatcher over HTTP to a fake API."""

from __future__ import annotations

import logging

import pytest

from bot.transports.telegram.app import (
    COMMAND_LANGUAGES,
    make_bot,
    make_dispatcher,
    set_commands,
)
from tests.support import telegram_bridge
from tests.support.messengers import buttons, feed, press

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ANA = 5001


async def test_onboarding_renders_and_edits(wired, tg):
    bot, dp, _ = wired
    await feed(bot, dp, tg.text_update(ANA, "/start", lang="de"))
    picker = tg.of("sendMessage")[-1]
    assert str(picker.params["chat_id"]) == str(ANA)
    assert picker.params["parse_mode"] == "HTML"
    assert buttons(picker)[0][0] == "Deutsch", "the phone's language comes first"

    await feed(bot, dp, tg.button_update(ANA, press(picker, "English"), message_id=41))
    assert len(tg.of("answerCallbackQuery")) == 1
    edit = tg.of("editMessageText")[-1]
    assert edit.params["message_id"] == 41 and "Do you agree?" in edit.params["text"]
    for label in ["I agree", "I came back from abroad", "Novi Pazar"]:
        await feed(bot, dp, tg.button_update(ANA, press(tg.calls_with_markup()[-1], label)))
    assert "All set!" in tg.calls_with_markup()[-1].params["text"]
    assert len(tg.of("answerCallbackQuery")) == 4
    for call in tg.calls_with_markup():
        for _, data in buttons(call):
            assert len(data.encode()) <= 64


async def test_centre_pin_is_a_venue(wired, tg):
    bot, dp, _ = wired
    await feed(bot, dp, tg.button_update(ANA, "cen:show:pirot:en"))
    venue = tg.of("sendVenue")[-1]
    assert venue.params["title"] == "Pirot" and "Srpskih vladara" in venue.params["address"]
    assert "Opening hours" in tg.of("sendMessage")[-1].params["text"]


async def test_rate_limit_is_waited_out_and_retried(wired, tg):
    bot, dp, waits = wired
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await feed(bot, dp, tg.text_update(ANA, "/start"))
    assert waits == [7]
    assert len(tg.of("sendMessage")) == 2, "the same message, sent again after the wait"


async def test_server_errors_retry_with_backoff(wired, tg):
    bot, dp, waits = wired
    for _ in range(2):
        tg.fail_next("sendMessage", 502, "Bad Gateway")
    await feed(bot, dp, tg.text_update(ANA, "/start"))
    assert waits == [0.5, 1.0]
    assert len(tg.of("sendMessage")) == 3


async def test_blocked_user_is_marked_unreachable_until_they_write_again(app, wired, tg):
    bot, dp, _ = wired
    await feed(bot, dp, tg.text_update(ANA, "/start"))
    await feed(bot, dp, tg.button_update(ANA, "start:agree:en"))
    async with app.uow() as uow:  # a notice waiting for her
        from handlers.flows.menu import MENU
        from handlers.notices import Notice

        ana = await uow.users.by_identity("telegram", str(ANA))
        now = app.clock.now()
        await uow.outbox.enqueue(ana.id, Notice.of(MENU), not_before=now, now=now)
        await uow.commit()
    tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await feed(bot, dp, tg.text_update(ANA, "/help"))
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"dropped": 1}, "her queued notice is dropped"

    async def identity():
        async with app.uow() as uow:
            user = await uow.users.by_identity("telegram", str(ANA))
            return (await uow.users.profile(user.id)).identities[0]

    async with app.uow() as uow:  # look without the read that clears the flag
        from sqlalchemy import text

        flag = (await uow.users._s.execute(text("SELECT unreachable_at FROM identities"))).scalar()
    assert flag is not None
    await feed(bot, dp, tg.text_update(ANA, "/menu"))
    assert (await identity()).unreachable is False


async def test_one_failing_update_stops_nothing_else(wired, tg, caplog):
    bot, dp, _ = wired
    caplog.set_level(logging.INFO)
    for _ in range(5):
        tg.fail_next("sendMessage", 500, "Internal Server Error")
    broken = tg.text_update(ANA, "/start")
    await feed(bot, dp, broken)
    failed = [r for r in caplog.records if r.getMessage() == "telegram update failed"]
    assert [r.update_id for r in failed] == [broken["update_id"]]
    await feed(bot, dp, tg.text_update(ANA + 1, "/start"))
    assert tg.of("sendMessage")[-1].params["chat_id"] in (ANA + 1, str(ANA + 1))


async def test_the_same_update_twice_is_answered_once(wired, tg):
    bot, dp, _ = wired
    update = tg.text_update(ANA, "/start")
    await feed(bot, dp, update)
    await feed(bot, dp, update)
    assert len(tg.of("sendMessage")) == 1


async def test_group_messages_and_edits_are_ignored(wired, tg):
    bot, dp, _ = wired
    raw = tg.text_update(ANA, "/start")
    raw["message"]["chat"] = {"id": -100, "type": "group", "title": "Volunteers"}
    await feed(bot, dp, raw)
    assert tg.of("sendMessage") == []


async def test_command_menus_in_every_telegram_language(app, wired, tg):
    bot, _, _ = wired
    await set_commands(bot, app.translator, app.settings.default_locale)
    calls = tg.of("setMyCommands")
    assert [c.params.get("language_code") for c in calls] == [None, *COMMAND_LANGUAGES]
    german = next(c for c in calls if c.params.get("language_code") == "de")
    assert [c["command"] for c in german.params["commands"]] == [
        "start",
        "menu",
        "language",
        "cancel",
        "help",
    ]
    assert german.params["commands"][2]["description"] == app.translator.gettext(
        "de", "Change the language"
    )


async def test_polling_does_not_record_update_ids(app, tg):
    from sqlalchemy import text

    app.settings.telegram_bot_token = "123456:TEST"
    app.settings.telegram_api_base = tg.url
    bot = make_bot(app.settings)
    # getUpdates' offset dedupes already
    dp = make_dispatcher(telegram_bridge(app, bot, dedupe=False))
    try:
        await feed(bot, dp, tg.text_update(ANA, "/start"))
    finally:
        await bot.session.close()
    assert len(tg.of("sendMessage")) == 1
    async with app.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM processed_updates"))).scalar() == 0
