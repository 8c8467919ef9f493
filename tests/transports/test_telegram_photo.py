"""Photos (for announcements) through the Telegram transport, against the fake Bot API."""

from __future__ import annotations

import logging

import pytest
from aiogram.types import Update

from bot.config import load_settings
from bot.delivery import Verdict
from bot.transports.telegram.app import make_bot, make_dispatcher
from bot.transports.telegram.inbound import to_incoming
from bot.transports.telegram.outbox import TelegramOutboxSender
from bot.transports.telegram.render import CAPTION_LIMIT, caption_fits
from bot.transports.telegram.sender import TelegramSender, Unreachable
from handlers.messages import Button, Kind, Outgoing
from tests.fakes.telegram_api import FakeTelegram
from tests.support import telegram_bridge

ANA = 5001
KEYS = ((Button("I'll come", "ann:yes:1"),),)
SHORT = Outgoing(
    "42", "Football <today> & pizza", "announce", KEYS, photo="AgACAgIAAxkBAAIBQ2Zfile"
)
LONG = Outgoing("42", "Festival programme. " * 60, "announce", KEYS, photo="AgACbig")


@pytest.fixture
async def tg():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg):
    bot = make_bot(load_settings(telegram_bot_token="1:T", telegram_api_base=tg.url))
    yield bot
    await bot.session.close()


@pytest.fixture
def unreachable():
    return []


@pytest.fixture
def sender(bot, unreachable):
    async def mark(chat_id: str) -> None:
        unreachable.append(chat_id)

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    waits: list[float] = []
    sender = TelegramSender(bot, mark, sleep=no_sleep)
    sender.waits = waits  # type: ignore[attr-defined]
    return sender


def buttons(call):
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def test_an_incoming_photo_is_its_largest_size(tg, bot):
    raw = tg.photo_update(ANA, ["small", "medium", "largest"], caption="Match on Sunday")
    incoming = to_incoming(Update.model_validate(raw, context={"bot": bot}))
    assert incoming is not None
    assert (incoming.kind, incoming.text, incoming.command) == (Kind.PHOTO, "largest", "")
    assert (incoming.user_id, incoming.chat_id) == (str(ANA), str(ANA))
    assert incoming.lang_hint == "en" and incoming.update_id == str(raw["update_id"])


def test_sizes_are_compared_not_trusted_to_be_in_order(tg, bot):
    raw = tg.photo_update(ANA, ["a", "b", "c"])
    raw["message"]["photo"].reverse()  # largest first
    incoming = to_incoming(Update.model_validate(raw, context={"bot": bot}))
    assert incoming is not None and incoming.text == "c"


def test_a_photo_in_a_group_is_ignored(tg, bot):
    raw = tg.photo_update(ANA, ["a"])
    raw["message"]["chat"] = {"id": -100, "type": "group", "title": "Volunteers"}
    assert to_incoming(Update.model_validate(raw, context={"bot": bot})) is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_photo_goes_through_the_bridge_and_its_caption_is_not_logged(app, tg, caplog):
    app.settings.telegram_bot_token = "123456:TEST"
    app.settings.telegram_api_base = tg.url
    bot = make_bot(app.settings)
    dp = make_dispatcher(telegram_bridge(app, bot))
    caplog.set_level(logging.DEBUG)
    raw = tg.photo_update(ANA, ["s", "L"], caption="my phone is 061 SECRET")
    try:
        await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    finally:
        await bot.session.close()
    assert tg.of("sendMessage"), "the person gets an answer"
    handled = [r for r in caplog.records if r.getMessage() == "update handled"]
    assert [getattr(r, "kind", None) for r in handled] == ["photo"]
    assert not [r for r in caplog.records if "SECRET" in repr(vars(r))]


async def test_a_short_text_is_the_photos_caption_with_the_buttons(tg, sender):
    message_id = await sender.send("42", SHORT)
    assert [c.method for c in tg.calls] == ["sendPhoto"]
    photo = tg.calls[0]
    assert photo.params["photo"] == SHORT.photo
    assert photo.params["caption"] == "Football &lt;today&gt; &amp; pizza"
    assert photo.params["parse_mode"] == "HTML"
    assert buttons(photo) == [("I'll come", "ann:yes:1")]
    assert str(photo.params["chat_id"]) == "42"
    assert message_id is not None


async def test_a_long_text_follows_the_photo_with_the_buttons(tg, sender):
    assert not caption_fits(LONG.text)
    await sender.send("42", LONG)
    assert [c.method for c in tg.calls] == ["sendPhoto", "sendMessage"]
    photo, text = tg.calls
    assert photo.params["photo"] == "AgACbig"
    assert not photo.params.get("caption") and not photo.params.get("reply_markup")
    assert text.params["text"] == LONG.text and text.params["parse_mode"] == "HTML"
    assert buttons(text) == [("I'll come", "ann:yes:1")]


def test_the_caption_limit_counts_the_text_people_see():
    assert caption_fits("&" * CAPTION_LIMIT), "escaping does not count: Telegram parses first"
    assert not caption_fits("x" * (CAPTION_LIMIT + 1))
    assert not caption_fits("😀" * (CAPTION_LIMIT // 2 + 1)), "astral emoji count twice"


async def test_a_photo_never_replaces_the_pressed_menu(tg, sender):
    await sender.deliver(
        "42", [Outgoing("42", "Sent:", "x", KEYS, replace=True, photo="P")], edit=9
    )
    assert [c.method for c in tg.calls] == ["sendPhoto"]


async def test_photo_errors_are_retried_like_text(tg, sender, unreachable):
    tg.fail_next("sendPhoto", 429, "Too Many Requests: retry after 7", retry_after=7)
    tg.fail_next("sendPhoto", 502, "Bad Gateway")
    await sender.send("42", SHORT)
    assert sender.waits == [7, 1.0]
    assert len(tg.of("sendPhoto")) == 3, "the same photo, sent again after each failure"

    tg.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Unreachable):
        await sender.send("42", SHORT)
    assert unreachable == ["42"]


async def test_each_answer_to_a_photo_becomes_the_same_verdict_as_for_text(tg, bot):
    outbox = TelegramOutboxSender(bot)
    ok = await outbox.send("42", SHORT)
    assert ok.verdict is Verdict.SENT and ok.message_id

    tg.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    assert (await outbox.send("42", SHORT)).verdict is Verdict.GONE
    tg.fail_next("sendPhoto", 429, "Too Many Requests: retry after 9", retry_after=9)
    limited = await outbox.send("42", SHORT)
    assert (limited.verdict, limited.retry_after) == (Verdict.RATE_LIMITED, 9)
    tg.fail_next("sendPhoto", 502, "Bad Gateway")
    assert (await outbox.send("42", SHORT)).verdict is Verdict.RETRY
    tg.fail_next("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
    failed = await outbox.send("42", SHORT)
    assert failed.verdict is Verdict.FAILED and "wrong file identifier" in (failed.error or "")

    # The photo went, its long text did not: the person is gone all the same.
    tg.fail_next("sendMessage", 403, "Forbidden: user is deactivated")
    assert (await outbox.send("42", LONG)).verdict is Verdict.GONE
