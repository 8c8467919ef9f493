"""A thin async client for Viber's REST Bot API (`POST <VIBER_API_BASE>/<method>`).

Why no SDK: the Python Viber SDK (`viberbot`) has had no release since about 2020, is
synchronous (it calls `requests`, which would block the event loop every other transport and
the delivery worker share) and lacks current API features. What we need is three JSON calls
with one header, so a small client on aiohttp (already here through aiogram) is simpler than
wrapping a thread pool around an unmaintained library.

Every answer carries `status` (0 = ok) and `status_message`, with HTTP 200 even for errors:
a non-zero status raises `ViberError`; a network error, a timeout or an HTTP 5xx raises
`ViberUnavailable` (worth trying again later).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

log = logging.getLogger("reintegrate.viber")

SENDER_NAME_LIMIT = 28  # Viber's limit for sender.name, which send_message requires
TOO_MANY_REQUESTS = 12  # Viber's status for "slow down" (its 429)


class ViberError(Exception):
    """Viber answered with a non-zero `status` (see bot.transports.viber.outbox.STATUSES)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"viber status {status}: {message}")
        self.status = status
        self.message = message


class ViberUnavailable(Exception):
    """Viber could not be reached or failed on its side (network, timeout, HTTP 5xx)."""


def encode(body: dict[str, Any]) -> bytes:
    """The request body as sent: UTF-8 as is, since `\\uXXXX` escapes would make a Serbian
    or Cyrillic text up to three times larger against Viber's 30 KB request limit."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class ViberClient:
    """`send_message`, `set_webhook`, `get_account_info`; one aiohttp session, reused."""

    def __init__(
        self,
        base_url: str,
        token: str,
        session: aiohttp.ClientSession | None = None,
        *,
        sender_name: str | None = None,
        timeout: float = 10.0,
        count: Callable[[str, str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._session = session
        self._own_session = session is None
        # send_message needs a sender name; by default the bot's own, asked once.
        self._sender_name = sender_name[:SENDER_NAME_LIMIT] if sender_name else None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # count(platform, outcome) hears how each send_message went (sent/failed/rate_limited).
        self._count = count or (lambda _platform, _outcome: None)

    async def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST one API method; the parsed answer if its status is 0."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {
            "X-Viber-Auth-Token": self._token,
            "Content-Type": "application/json; charset=utf-8",
        }
        try:
            async with self._session.post(
                f"{self.base_url}/{method}", data=encode(body), headers=headers,
                timeout=self._timeout,
            ) as response:  # fmt: skip
                if response.status >= 500:
                    raise ViberUnavailable(f"{method}: HTTP {response.status}")
                raw = await response.read()
                http_status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ViberUnavailable(f"{method}: {type(exc).__name__}") from exc
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            if http_status == 429:  # a proxy (or Viber) without a JSON body: slow down all the same
                raise ViberError(TOO_MANY_REQUESTS, "HTTP 429")
            if http_status >= 400:  # not Viber speaking (a proxy, a wrong address)
                raise ViberError(-1, f"HTTP {http_status}")
            raise ViberUnavailable(f"{method}: HTTP {http_status} without a JSON answer")
        status = answer.get("status")
        if status != 0:
            code = status if isinstance(status, int) else -1
            raise ViberError(code, str(answer.get("status_message") or f"HTTP {http_status}"))
        return answer

    async def send_message(self, receiver: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one message (as made by render.render) to a subscriber.

        The body is the message plus `receiver` and, unless the message names one, a `sender`
        with the bot's name. `min_api_version` travels only if the message carries it (render
        sets it when a feature needs more than level 1). Returns the answer incl.
        `message_token`.
        """
        body: dict[str, Any] = {"receiver": receiver, **message}
        if "sender" not in body:
            body["sender"] = {"name": await self.sender_name()}
        try:
            answer = await self.call("send_message", body)
        except ViberError as exc:
            self._count("viber", "rate_limited" if exc.status == TOO_MANY_REQUESTS else "failed")
            raise
        except ViberUnavailable:
            self._count("viber", "failed")
            raise
        self._count("viber", "sent")
        return answer

    async def set_webhook(self, url: str, event_types: list[str]) -> dict[str, Any]:
        """Register our callback address; Viber checks it by calling it at once."""
        return await self.call("set_webhook", {"url": url, "event_types": list(event_types)})

    async def get_account_info(self) -> dict[str, Any]:
        """The bot's account: name, uri, webhook, subscribers_count, …"""
        return await self.call("get_account_info", {})

    async def sender_name(self) -> str:
        """The name shown with our messages: given, or the account's own name (asked once)."""
        if self._sender_name is None:
            info = await self.get_account_info()
            self._sender_name = str(info.get("name") or "Bot")[:SENDER_NAME_LIMIT]
        return self._sender_name

    async def close(self) -> None:
        """Close the HTTP session if this client opened it."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
