"""Telegram's webhook in-process over real HTTP: malformed bodies are 400, odd updates harmless."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.bootstrap import telegram
from bot.logs import KeyValueFormatter
from storage.db import session_factory
from storage.models import ProcessedUpdateRow
from tests.fakes.telegram_api import FakeTelegram
from tests.support import serving

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ANA = 7001
SECRET = "s3cret-token_OK"
# Written into every malformed body: none of it may show up in the logs.
SENTINEL = "Ana-wrote-this-4711"


class Webhook:
    """Our HTTP server with the Telegram route, and Telegram's side of it."""

    def __init__(self, app: Any, tg: FakeTelegram, url: str) -> None:
        self.app = app
        self.tg = tg
        self.url = url
        self.http = aiohttp.ClientSession()

    async def post(
        self,
        body: Any,
        *,
        secret: str = SECRET,
        content_type: str = "application/json",
    ) -> int:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": content_type}
        async with self.http.post(self.url, data=raw, headers=headers) as r:
            await r.read()
            return r.status

    async def processed(self) -> int:
        async with session_factory(self.app.engine)() as s:
            return int(
                (await s.execute(select(func.count()).select_from(ProcessedUpdateRow))).scalar_one()
            )


@pytest.fixture
async def webhook(app):
    async with FakeTelegram() as tg:
        app.settings.telegram_bot_token = "123456:TEST"
        app.settings.telegram_api_base = tg.url
        app.settings.telegram_webhook_url = "https://bot.example.org/telegram/webhook"
        app.settings.telegram_webhook_secret = SECRET
        async with serving(app, telegram(app)) as url:
            hook = Webhook(app, tg, f"{url}/telegram/webhook")
            try:
                yield hook
            finally:
                await hook.http.close()


def message(**fields: Any) -> dict[str, Any]:
    return {
        "message_id": 1, "date": 1_700_000_000, "chat": {"id": ANA, "type": "private"},
        "from": {"id": ANA, "is_bot": False, "first_name": "Ana", "language_code": "en"},
        **fields,
    }  # fmt: skip


def replies(depth: int) -> dict[str, Any]:
    inner = message(text=SENTINEL)
    for _ in range(depth):
        inner = message(text=SENTINEL, reply_to_message=inner)
    return inner


MALFORMED: list[tuple[str, bytes | dict[str, Any] | list[Any], str]] = [
    ("not JSON", f"{{not json {SENTINEL}".encode(), "application/json"),
    ("plain text", f"hello {SENTINEL}".encode(), "text/plain"),
    ("a list", [], "application/json"),
    ("a string", json.dumps(SENTINEL).encode(), "application/json"),
    ("null", b"null", "application/json"),
    ("message a string", {"update_id": 1, "message": SENTINEL}, "application/json"),
    ("no update_id", {"message": message(text=SENTINEL)}, "application/json"),
    ("update_id text", {"update_id": SENTINEL, "message": message(text="hi")}, "application/json"),
    ("text a number", {"update_id": 2, "message": message(text=4711)}, "application/json"),
    ("text a list", {"update_id": 3, "message": message(text=[SENTINEL])}, "application/json"),
    ("chat missing", {"update_id": 4, "message": {"message_id": 1, "date": 0, "text": SENTINEL}},
     "application/json"),
    ("NaN", f'{{"update_id": NaN, "x": "{SENTINEL}"}}'.encode(), "application/json"),
    ("1e999", {"update_id": 5, "message": message(location={"latitude": 1e999, "longitude": 1})},
     "application/json"),
    ("not UTF-8", b'{"update_id": 6, "x": "\xff\xfe' + SENTINEL.encode() + b'"}',
     "application/json"),
    ("deep list", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("deep in a field", b'{"update_id": 7, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
     "application/json"),
    ("deep replies", {"update_id": 8, "message": replies(300)}, "application/json"),
]  # fmt: skip


async def test_malformed_bodies_are_400_with_one_warning_and_nothing_handled(webhook, caplog):
    caplog.set_level(logging.INFO)
    for name, body, content_type in MALFORMED:
        caplog.clear()
        assert await webhook.post(body, content_type=content_type) == 400, name
        loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(loud) == 1, (name, [r.getMessage() for r in loud])
        assert loud[0].levelno == logging.WARNING and loud[0].exc_info is None, name
        logged = "\n".join(KeyValueFormatter().format(r) for r in caplog.records)
        assert SENTINEL not in logged and "Traceback" not in logged, (name, logged)
    # The secret is still checked first; past aiohttp's client_max_size it is 413.
    caplog.clear()
    start = webhook.tg.text_update(ANA, "/start")
    assert await webhook.post(b"[]", secret="wrong") == 401
    assert await webhook.post(start, secret="wrong") == 401
    huge = {"update_id": 9, "message": message(text="x" * (2 * 1024 * 1024))}
    assert await webhook.post(huge) == 413
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not webhook.tg.of("sendMessage"), "nothing was answered"
    assert await webhook.processed() == 0, "nothing was recorded as handled"
    # Telegram is not asked to retry them, and the next update is answered as ever.
    assert await webhook.post(start) == 200
    assert len(webhook.tg.of("sendMessage")) == 1
    assert await webhook.processed() == 1


async def test_odd_but_valid_updates_are_answered_or_ignored_never_a_failure(webhook, caplog):
    caplog.set_level(logging.INFO)
    odd = [
        {"update_id": 20},  # nothing we asked for
        {"update_id": 21, "message": message(sticker=None)},  # neither text nor caption
        {"update_id": 22, "message": message(text="hi", chat={"id": -5, "type": "group"})},
        {"update_id": 23, "message": message(location={"latitude": "nan", "longitude": "inf"})},
        {"update_id": 24, "message": message(text="hi", **{"from": None})},
        {"update_id": 25, "callback_query": {
            "id": "q1", "chat_instance": "c", "from": message()["from"]}},  # no data, no message
        {"update_id": 26, "message": message(photo=[])},
    ]  # fmt: skip
    for body in odd:
        assert await webhook.post(body) == 200, body
    assert not [r for r in caplog.records if r.exc_info is not None], "no traceback"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # The text-less message, the empty photo list and the "nan" location (the core judges
    # every place, tests/flows/test_checkin_limits.py) are told to use the buttons; the button
    # without data is a stale button; the rest are ignored.
    assert len(webhook.tg.of("sendMessage")) + len(webhook.tg.of("editMessageText")) == 4
