"""Test helpers: a fake clock, and people who talk to the core by pressing labelled buttons."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.conversation import Conversation
from handlers.messages import Button, Incoming, Kind, Location, Outgoing

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Belgrade


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class Person:
    """Someone chatting with the bot: sends text, presses buttons by their visible label."""

    def __init__(
        self,
        conversation: Conversation,
        user_id: str,
        *,
        platform: str = "telegram",
        lang: str | None = None,
    ) -> None:
        self.conversation = conversation
        self.user_id = user_id
        self.platform = platform
        self.lang = lang
        self.replies: list[Outgoing] = []
        self.history: list[list[Outgoing]] = []

    async def send(self, text: str) -> list[Outgoing]:
        """Type a message or a /command."""
        return await self._handle(
            Incoming.message(self.platform, self.user_id, text, lang_hint=self.lang)
        )

    async def press_payload(self, payload: str) -> list[Outgoing]:
        """Press a button by its raw payload (old messages, forged payloads)."""
        return await self._handle(
            Incoming.button(self.platform, self.user_id, payload, lang_hint=self.lang)
        )

    async def share_location(self, latitude: float, longitude: float) -> list[Outgoing]:
        """Send the phone's location (📎 → Location)."""
        here = Location(latitude, longitude)
        incoming = Incoming(
            self.platform, self.user_id, self.user_id, Kind.LOCATION, lang_hint=self.lang,
            location=here,
        )  # fmt: skip
        return await self._handle(incoming)

    async def send_photo(self, reference: str = "AgACAgIAAxkBAAIB") -> list[Outgoing]:
        """Send a photo (its platform file reference travels in the text)."""
        incoming = Incoming(
            self.platform, self.user_id, self.user_id, Kind.PHOTO, reference, lang_hint=self.lang
        )
        return await self._handle(incoming)

    async def press(self, label: str) -> list[Outgoing]:
        """Press the button with this label (the emoji may be left out) in the last answer."""
        return await self.press_payload(self.find(label).payload)

    async def press_through(self, *labels: str) -> list[Outgoing]:
        """Press several buttons one after another."""
        for label in labels:
            await self.press(label)
        return self.replies

    def find(self, label: str) -> Button:
        """The button with this label in the last answer."""
        buttons = [b for out in self.replies for b in out.buttons]
        for b in buttons:
            if b.label == label or b.label.split(" ", 1)[-1] == label:
                return b
        raise AssertionError(f"no button {label!r}; there are {[b.label for b in buttons]}")

    async def _handle(self, incoming: Incoming) -> list[Outgoing]:
        self.replies = await self.conversation.handle(incoming)
        self.history.append(self.replies)
        return self.replies

    @property
    def last(self) -> Outgoing:
        """The last message of the last answer."""
        return self.replies[-1]

    @property
    def keys(self) -> list[str]:
        """Message keys of the last answer."""
        return [o.key for o in self.replies]

    @property
    def labels(self) -> list[str]:
        """Button labels of the last answer."""
        return [b.label for o in self.replies for b in o.buttons]


async def table_rows(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (except Alembic's own), for "nothing stored" checks."""

    def names(conn: object) -> list[str]:
        return [n for n in inspect(conn).get_table_names() if n != "alembic_version"]

    async with engine.connect() as conn:
        tables = await conn.run_sync(names)
        return {
            t: [tuple(r) for r in (await conn.execute(text(f'SELECT * FROM "{t}"'))).all()]
            for t in tables
        }


async def personal_rows(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    """Rows of every table except public information (centres, the programme, advisers' hours)."""
    rows = await table_rows(engine)
    public = {
        "centres", "workshops", "sessions", "advisers", "adviser_hours", "shifts", "checkin_codes",
    }  # fmt: skip
    return {t: r for t, r in rows.items() if r and t not in public}


__all__ = ["FakeClock", "Person", "personal_rows", "select", "table_rows"]


@contextlib.asynccontextmanager
async def serving(app: Any, transport: Any) -> AsyncIterator[str]:
    """The bot's HTTP server with `transport`'s routes on a free port of 127.0.0.1: its URL.

    The transport is closed afterwards.
    """
    from aiohttp import web

    from bot.bootstrap import http_app

    http = http_app(app)
    transport.routes(http)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        await transport.close()


def telegram_bridge(app: Any, bot: Any, *, dedupe: bool = True, wait: bool = True) -> Any:
    """The Telegram bridge on `app` as bot/bootstrap.py wires it, on the test's own `bot`."""
    from bot.bootstrap import account_gone
    from bot.transports.telegram.app import Bridge

    return Bridge(
        app.conversation, bot, app.settings, app.metrics, account_gone(app),
        dedupe=dedupe, wait=wait,
    )  # fmt: skip
