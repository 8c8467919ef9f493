"""A fake Viber REST Bot API on 127.0.0.1: records calls, answers Viber's statuses on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "viber-test-token"
STATUS_MESSAGES = {
    0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
    5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
    8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
    11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
    14: "incompatibleWithVersion", 15: "publicAccountNotAuthorized",
    16: "inchatReplyMessageNotAllowed", 17: "publicAccountIsNotInline", 18: "noPublicChat",
    19: "cannotSendBroadcast", 20: "broadcastNotAllowed", 21: "unsupportedCountry",
    22: "paymentUnsupported", 23: "freeMessagesExceeded", 24: "noBalance",
}  # fmt: skip


@dataclass
class Call:
    """One API call as the server received it."""

    method: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""


@dataclass
class FakeViber:
    """Run with `async with FakeViber() as vb:`; point VIBER_API_BASE at `vb.url`.

    Script answers with `fail_next` (a status or an HTTP error for the next calls),
    `fail_for` (a status for every message to one receiver) and `hang_next` (no answer
    until the server stops: a timeout for the client).
    """

    token: str = TOKEN
    name: str = "Reintegrate"
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    tokens: list[int] = field(default_factory=list)  # message_tokens handed out, in order
    url: str = ""
    # Like Viber: above `chat_rate_limit` messages in a second to one person, status 12.
    chat_rate_limit: int | None = None
    rejected: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)  # send_message bodies taken
    _next: deque[tuple[str, int]] = field(default_factory=deque)  # ("status"|"http"|"hang", n)
    _receivers: dict[str, int] = field(default_factory=dict)
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(5_000_000_001))
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _recent: dict[str, deque[float]] = field(default_factory=dict)
    _called: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> FakeViber:
        http = web.Application()
        http.router.add_post("/pa/{method}", self._handle)
        self._runner = web.AppRunner(http, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/pa"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()  # let hanging requests go
        await self._runner.cleanup()

    # -- what a test does --------------------------------------------------------------------
    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` calls answer with Viber `status` (HTTP 200, as Viber does)."""
        self._next.extend([("status", status)] * times)

    def http_error_next(self, code: int = 500, times: int = 1) -> None:
        """The next `times` calls answer with HTTP `code` and no Viber JSON."""
        self._next.extend([("http", code)] * times)

    def hang_next(self, times: int = 1) -> None:
        """The next `times` calls get no answer until the server stops."""
        self._next.extend([("hang", 0)] * times)

    def fail_for(self, receiver: str, status: int | None) -> None:
        """Every send_message to `receiver` answers `status` (None: back to normal)."""
        if status is None:
            self._receivers.pop(receiver, None)
        else:
            self._receivers[receiver] = status

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the send_message calls, in order."""
        return [c.body for c in self.of("send_message")]

    async def wait_for(self, predicate: Any, seconds: float = 120.0) -> None:
        """Wait (on calls arriving, not on a timer) until predicate(self) is true.

        Returns as soon as it is: the long deadline only bounds a failure.
        """
        try:
            async with asyncio.timeout(seconds):
                while not predicate(self):
                    self._called.clear()
                    await self._called.wait()
        except TimeoutError:
            recent = [(c.method, c.body) for c in self.calls][-10:]
            raise AssertionError(f"timed out; last calls: {recent}") from None

    # -- the server --------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._status(3)
        self.calls.append(Call(method, dict(request.headers), body, raw))
        self._called.set()
        if request.headers.get("X-Viber-Auth-Token") != self.token:
            return self._status(2)
        if self._next:
            kind, value = self._next.popleft()
            if kind == "http":
                return web.Response(status=value, text="upstream trouble")
            if kind == "hang":
                await self._stop.wait()
                return web.Response(status=504)
            return self._status(value)
        if method == "send_message":
            receiver = str(body.get("receiver", ""))
            if receiver in self._receivers:
                return self._status(self._receivers[receiver])
            if not receiver or "type" not in body or not (body.get("sender") or {}).get("name"):
                return self._status(4)
            if self.chat_rate_limit is not None:
                now = time.monotonic()
                recent = self._recent.setdefault(receiver, deque())
                while recent and now - recent[0] >= 1.0:
                    recent.popleft()
                if len(recent) >= self.chat_rate_limit:
                    self.rejected += 1
                    return self._status(12)
                recent.append(now)
            self.tokens.append(next(self._tokens))
            self.delivered.append(body)
            return self._ok(message_token=self.tokens[-1], chat_hostname="SN-CHAT-01_")
        if method == "set_webhook":
            if not str(body.get("url", "")).startswith("https://"):
                return self._status(1)
            self.webhook = body
            return self._ok(event_types=body.get("event_types", []))
        if method == "get_account_info":
            return self._ok(
                id="pa:5000000000000000001", name=self.name, uri="reintegrate",
                category="Organisations", subcategory="Non-Profit", location={},
                country="RS", webhook=self.webhook.get("url", ""),
                event_types=self.webhook.get("event_types", []), subscribers_count=3,
                members=[],
            )  # fmt: skip
        return self._status(3)

    def _status(self, status: int) -> web.Response:
        message = STATUS_MESSAGES.get(status, "General error")
        return web.json_response({"status": status, "status_message": message})

    def _ok(self, **extra: Any) -> web.Response:
        return web.json_response({"status": 0, "status_message": "ok", **extra})
