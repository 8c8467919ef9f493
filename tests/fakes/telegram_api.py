"""A fake Telegram Bot API server on 127.0.0.1: queues updates, records calls, fails on demand."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 777000


@dataclass
class Call:
    """One Bot API method call as the server received it."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """Run with `async with FakeTelegram() as tg:`; point TELEGRAM_API_BASE at `tg.url`."""

    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, deque[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    # Like Telegram: above `rate_limit` sendMessage calls in a second, answer 429.
    rate_limit: int | None = None
    # Like Telegram: above `chat_rate_limit` messages in a second to one chat, answer 429.
    chat_rate_limit: int | None = None
    rejected: int = 0
    accepted: int = 0
    delivered: list[Call] = field(default_factory=list)  # sendMessage calls answered ok
    send_delay: float = 0.0  # seconds each sendMessage takes to answer
    _recent: deque[float] = field(default_factory=deque)
    _chat_recent: dict[str, deque[float]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _new: asyncio.Event = field(default_factory=asyncio.Event)
    _called: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> FakeTelegram:
        http = web.Application(client_max_size=50 * 1024 * 1024)
        http.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(http, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    # -- what a test does --------------------------------------------------------------------
    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """The next call of `method` answers with this error (429 with retry_after, 403, 500)."""
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, deque()).append((status, body))

    def user(self, user_id: int, lang: str | None = "en") -> dict[str, Any]:
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if lang:
            data["language_code"] = lang
        return data

    def text_update(self, user_id: int, text: str, lang: str | None = "en") -> dict[str, Any]:
        """An update with a private text message (queued for getUpdates)."""
        update = {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": self.user(user_id, lang),
                "text": text,
                **(
                    {
                        "entities": [
                            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                        ]
                    }
                    if text.startswith("/")
                    else {}
                ),
            },
        }
        return self.queue(update)

    def photo_update(
        self, user_id: int, file_ids: list[str], caption: str | None = None, lang: str | None = "en"
    ) -> dict[str, Any]:
        """An update with a private photo, one size per file id, smallest first (as Telegram)."""
        sizes = [
            {"file_id": fid, "file_unique_id": f"u-{fid}", "width": 90 * 2**i,
             "height": 60 * 2**i, "file_size": 1000 * 4**i}
            for i, fid in enumerate(file_ids)
        ]  # fmt: skip
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self.user(user_id, lang),
            "photo": sizes,
        }
        if caption is not None:
            message["caption"] = caption
        return self.queue({"update_id": next(self._update_ids), "message": message})

    def button_update(
        self, user_id: int, data: str, message_id: int = 1, lang: str | None = "en"
    ) -> dict[str, Any]:
        """An update with a pressed inline button on message `message_id`."""
        update = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self.user(user_id, lang),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                    "text": "…",
                },
            },
        }
        return self.queue(update)

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        self.updates.append(update)
        self._new.set()
        return update

    def calls_with_markup(self) -> list[Call]:
        """Messages sent or edited with buttons, in order."""
        return [c for c in self.calls if c.params.get("reply_markup")]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Any, seconds: float = 120.0) -> list[Call]:
        """Wait (on calls arriving, not on a timer) until predicate(calls) is true.

        Returns as soon as it is: the long deadline only bounds a failure (a process started
        on a loaded machine may take many seconds before its first call).
        """
        try:
            async with asyncio.timeout(seconds):
                while not predicate(self.calls):
                    self._called.clear()
                    await self._called.wait()
        except TimeoutError:
            recent = [(c.method, c.params) for c in self.calls][-15:]
            raise AssertionError(f"timed out; last calls: {recent}") from None
        return self.calls

    # -- the server --------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params))
        self._called.set()
        queued = self.failures.get(method)
        if queued:
            status, body = queued.popleft()
            return web.json_response(body, status=status)
        if method.lower() == "getupdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method.lower() == "sendmessage":
            if self.chat_rate_limit is not None:
                now = time.monotonic()
                recent = self._chat_recent.setdefault(str(params.get("chat_id")), deque())
                while recent and now - recent[0] >= 1.0:
                    recent.popleft()
                if len(recent) >= self.chat_rate_limit:
                    self.rejected += 1
                    body = {"ok": False, "error_code": 429,
                            "description": "Too Many Requests: retry after 1",
                            "parameters": {"retry_after": 1}}  # fmt: skip
                    return web.json_response(body, status=429)
                recent.append(now)
            if self.rate_limit is not None:
                now = time.monotonic()
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.rate_limit:
                    self.rejected += 1
                    body = {"ok": False, "error_code": 429, "description": "Too Many Requests",
                            "parameters": {"retry_after": 1}}  # fmt: skip
                    return web.json_response(body, status=429)
                self._recent.append(now)
            self.accepted += 1
            self.delivered.append(self.calls[-1])
            if self.send_delay:
                await asyncio.sleep(self.send_delay)
        return web.json_response({"ok": True, "result": self._result(method.lower(), params)})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if hasattr(value, "file"):
                params[key] = {"filename": value.filename, "content": value.file.read()}
            else:
                try:
                    params[key] = json.loads(value)
                except (TypeError, ValueError):
                    params[key] = value
        return params

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._new.wait(), min(float(params.get("timeout") or 0), 1.0)
                )
        return self.updates[:limit]

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
            **extra,
        }

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getme":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Reintegrate",
                "username": "reintegrate_test_bot",
            }
        if method == "setwebhook":
            self.webhook = params
            return True
        if method in ("sendmessage", "editmessagetext"):
            return self._message(params, text=str(params.get("text", "")))
        if method == "sendvenue":
            loc = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
            venue = {
                "location": loc,
                "title": params.get("title", ""),
                "address": params.get("address", ""),
            }
            return self._message(params, location=loc, venue=venue)
        if method == "sendlocation":
            return self._message(
                params,
                location={
                    "latitude": float(params["latitude"]),
                    "longitude": float(params["longitude"]),
                },
            )
        if method == "sendphoto":
            photo = {"file_id": str(params.get("photo", "")), "file_unique_id": "p1",
                     "width": 1280, "height": 960}  # fmt: skip
            extra = {"caption": str(params["caption"])} if params.get("caption") else {}
            return self._message(params, photo=[photo], **extra)
        if method == "senddocument":
            return self._message(params, document={"file_id": "f1", "file_unique_id": "u1"})
        return True
