"""The messengers in-process: updates handed to the Telegram dispatcher, and our Viber webhook
driven over HTTP as Viber would (tests/transports/conftest.py makes the fixtures)."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
from typing import Any

import aiohttp
from aiogram.types import Update

from bot.transports.viber.app import ViberTransport
from tests.fakes.viber_api import TOKEN, FakeViber

VIBER_ANA = "AnaViberId0000000000001=="  # whom onboard_viber onboards unless told otherwise
VIBER_WEBHOOK = "https://bot.example.org/viber/webhook"


async def feed(bot, dp, raw):
    """Hand one raw Telegram update to the dispatcher, as polling or the webhook would."""
    await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))


def buttons(call):
    """(label, callback data) of every inline button of a sent message."""
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def press(call, label):
    """The callback data of the button `label` (the emoji may be left out) of a message."""
    for text, data in buttons(call):
        if text == label or text.endswith(" " + label):
            return data
    raise AssertionError(f"no {label!r} in {buttons(call)}")


class Viber:
    """Our HTTP server with the Viber routes, and what a test does to it as Viber would."""

    def __init__(self, app: Any, fake: FakeViber, transport: ViberTransport, base: str) -> None:
        self.app = app
        self.fake = fake
        self.transport = transport
        self.base = base
        self.http = aiohttp.ClientSession()
        self.tokens = itertools.count(7_000_000_001)

    async def post(self, body: Any, *, sign: bool | str = True) -> aiohttp.ClientResponse:
        """Post a callback as Viber would: signed (or forged with `sign`, or unsigned)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if sign is True:
            headers["X-Viber-Content-Signature"] = hmac.new(
                TOKEN.encode(), raw, hashlib.sha256
            ).hexdigest()
        elif sign:
            headers["X-Viber-Content-Signature"] = sign
        async with self.http.post(f"{self.base}/viber/webhook", data=raw, headers=headers) as r:
            await r.read()
            return r

    def stamp(self) -> int:
        """The test clock's now in milliseconds, as Viber stamps callbacks."""
        return int(self.app.clock.now().timestamp() * 1000)

    async def started(self, user: str, context: str | None = None) -> dict[str, Any]:
        """`user` opens the chat (from a link with `context`): the welcome message we answered."""
        body = {
            "event": "conversation_started", "timestamp": self.stamp(),
            "message_token": next(self.tokens), "type": "open", "subscribed": False,
            "user": {"id": user, "name": "Ana", "language": "en", "country": "RS",
                     "api_version": 10},
        }  # fmt: skip
        if context is not None:
            body["context"] = context
        raw = json.dumps(body).encode()
        sig = hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
        async with self.http.post(
            f"{self.base}/viber/webhook", data=raw, headers={"X-Viber-Content-Signature": sig}
        ) as r:
            assert r.status == 200
            return dict(await r.json())

    def message(
        self, user: str, text: str | None = None, *, token: int | None = None, **message: Any
    ) -> dict[str, Any]:
        """A message callback from `user`: text, or the `message` fields given."""
        return {
            "event": "message", "timestamp": self.stamp(), "chat_hostname": "SN-CHAT-01_",
            "message_token": token if token is not None else next(self.tokens),
            "sender": {"id": user, "name": "Ana", "language": "en", "country": "RS",
                       "api_version": 10},
            "message": message or {"type": "text", "text": text},
            "silent": False,
        }  # fmt: skip

    async def say(self, user: str, text: str) -> list[dict[str, Any]]:
        """Send text as `user`; the messages the bot sent back to them."""
        before = len(self.fake.sent())
        r = await self.post(self.message(user, text))
        assert r.status == 200
        return [m for m in self.fake.sent()[before:] if m["receiver"] == user]

    async def press(self, user: str, label: str) -> list[dict[str, Any]]:
        """Press the button with this label on the last keyboard Viber showed `user`."""
        return await self.say(user, self.payload(user, label))

    def payload(self, user: str, label: str, keyboard: dict[str, Any] | None = None) -> str:
        """The ActionBody of the button `label` on `keyboard` (or on `user`'s last keyboard)."""
        if keyboard is None:
            keyboard = next(
                m["keyboard"] for m in reversed(self.fake.sent())
                if m["receiver"] == user and "keyboard" in m
            )  # fmt: skip
        labels = []
        for b in keyboard["Buttons"]:
            text = html.unescape(b["Text"])
            labels.append(text)
            if text == label or text.split(" ", 1)[-1] == label:
                return str(b["ActionBody"])
        raise AssertionError(f"no {label!r} in {labels}")

    def texts(self, user: str) -> list[str]:
        """The texts sent to `user`, in order."""
        return [m.get("text", "") for m in self.fake.sent() if m["receiver"] == user]


async def onboard_viber(vb: Viber, user: str = VIBER_ANA) -> None:
    """Onboard `user` over our Viber webhook: started from Pirot's link, English, a local."""
    welcome = await vb.started(user, "centre-pirot")
    assert "choose your language" in welcome["text"]
    await vb.say(user, vb.payload(user, "English", welcome["keyboard"]))
    await vb.press(user, "I agree")
    sent = await vb.press(user, "I live here")
    assert any("Your centre is Pirot" in m.get("text", "") for m in sent)
