"""POST /viber/webhook: Viber's callbacks, signature checked, turned into the core's Incoming.

- Every request's `X-Viber-Content-Signature` must be the hex HMAC-SHA256 of the raw body keyed
  with the auth token (compared in constant time): otherwise 403 and nothing is read.
  A body that is not a JSON object, or lacks the fields its event needs (the shapes are in
  callbacks.py), is refused with 400 and one WARNING line before anything is handled.
- `conversation_started` (the person opened the chat; not subscribed yet, so nothing can be
  sent to them): the answer to `/start` (with the deep link from `context`) goes back as the
  one message Viber allows in the response body.
- `message`: text (a text that is one of our button payloads is a button press: Viber's reply
  buttons send their ActionBody as the person's message), location, contact. The
  `message_token` is the update id, so a callback Viber retries is handled once. One person's
  messages are handled and answered in order, each in its turn in that person's queue
  (bot/transports/ordering.py), taking one of VIBER_CONCURRENCY slots only while handled;
  past MAX_PENDING_PER_CHAT waiting, the person is asked once to slow down and the rest is
  dropped. A reply Viber refuses with status 12 (too many requests to this person) is tried
  again after a pause that delays only this person.
- `unsubscribed`: the account is unreachable and its queued outbox rows are dropped;
  `subscribed` stores nothing (the person has not agreed to our notice yet).
- `delivered` / `seen` / `failed`: recorded on the outbox row sent with that message token.

Each message is handled before the 200 goes back: if we crash, Viber calls again and the
processed-updates table skips what was done. Only a message queued behind the same person's
earlier ones is answered once queued, so one person's backlog holds no request of Viber's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.bootstrap import App
from bot.delivery import Verdict
from bot.transports.bodies import BadBody, json_object, refused
from bot.transports.ordering import FairQueue, Job, Ticket, pause
from bot.transports.viber.callbacks import (
    Message,
    MessageEvent,
    Receipt,
    Started,
    Unsubscribed,
    parse,
)
from bot.transports.viber.client import (
    TOO_MANY_REQUESTS,
    ViberClient,
    ViberError,
    ViberUnavailable,
)
from bot.transports.viber.files import FileLinks
from bot.transports.viber.outbox import status_of
from bot.transports.viber.render import keyboard_page, pages, render, render_keyboard
from handlers.messages import Incoming, Kind, Location, Outgoing
from handlers.usecases.accounts import account_gone

log = logging.getLogger("reintegrate.viber")

PLATFORM = "viber"
WEBHOOK_PATH = "/viber/webhook"
SENDER = {"name": "RE!NTEGRATE"}
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
# Our button payloads are `<flow>:<action>[:<args>]` (handlers/router.py): a text like that is
# a press. Someone typing one by hand gets what the button gives, checked like any press.
BUTTON = re.compile(r"^[a-z]+:[a-z]+(:\S*)?$")
DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Pauses before sending again a reply Viber refused with status 12 (it names no wait).
SLOW_DOWN_PAUSES = (1.0, 2.0, 4.0)


class ViberWebhook:
    """The aiohttp handler of Viber's callbacks."""

    def __init__(self, app: App, client: ViberClient, files: FileLinks, auth_token: str) -> None:
        self.app = app
        self.client = client
        self.files = files
        self._key = auth_token.encode()
        self.queue = FairQueue(
            app.settings.viber_concurrency,
            app.settings.max_pending_per_chat,
            dropped=lambda reason: app.metrics.update_dropped(PLATFORM, reason),
        )
        # Waits give the shared slot back: they delay only the person they are for.
        self.sleep: Callable[[float], Awaitable[None]] = pause

    def register(self, http: web.Application) -> None:
        """Add the webhook route to the shared HTTP server."""
        http.router.add_post(WEBHOOK_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """One callback: 403 unsigned, 400 malformed, else 200 (with a body for the welcome)."""
        raw = await request.read()
        signature = request.headers.get("X-Viber-Content-Signature", "")
        expected = hmac.new(self._key, raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return web.Response(status=403)
        try:
            callback = parse(json_object(raw))
        except BadBody as exc:  # raised before anything is processed
            return refused(log, PLATFORM, exc)
        match callback:
            case MessageEvent():
                await self._message(callback)
            case Started():
                welcome = await self._welcome(callback)
                if not welcome:
                    return web.Response()
                self.app.metrics.message(PLATFORM, "sent")  # Viber shows the answer itself
                return web.json_response(welcome)
            case Unsubscribed():
                await self._unsubscribed(callback.user_id)
            case Receipt():
                await self._receipt(callback.event, callback.message_token)
            case _:  # subscribed; webhook (Viber checking the address), events we did not ask for
                pass
        return web.Response()

    # -- events ------------------------------------------------------------------------------
    async def _welcome(self, callback: Started) -> dict[str, Any] | None:
        user_id = callback.user.id
        context = callback.context
        start = f"/start {context}" if context and DEEP_LINK.match(context) else "/start"
        incoming = Incoming.message(PLATFORM, user_id, start, lang_hint=callback.user.language)
        # The welcome must go back in this response: this one waits for its turn, whatever
        # the person has queued (a person opening the chat is rarely writing at once).
        ticket = await self._queue(
            user_id, incoming, lambda: self.app.conversation.handle(incoming)
        )
        replies = await ticket.done if ticket else None
        if not replies:
            return None
        messages = await self._render(replies[0])
        if len(replies) > 1 or len(messages) > 1:
            log.warning("viber welcome cut to one message", extra={"replies": len(replies)})
        return {"sender": SENDER, **messages[0]} if messages else None

    async def _message(self, callback: MessageEvent) -> None:
        user_id = callback.sender.id
        message = callback.message
        page = keyboard_page(message.text or "") if message.type == "text" else None
        incoming = _incoming(user_id, message, callback.message_token, callback.sender.language)
        sent_at = _sent_at(callback, self.app.clock.now())
        ticket = await self._queue(
            user_id, incoming, lambda: self._turn(user_id, page, incoming, sent_at)
        )
        if ticket is not None and ticket.ahead == 0:
            await ticket.done  # handled before the 200: a crash makes Viber call again

    async def _turn(
        self, user_id: str, page: int | None, incoming: Incoming, sent_at: datetime
    ) -> None:
        """One message in its turn: a page flip of the kept keyboard, or the core's answer."""
        if page is not None:
            started = time.perf_counter()
            shown, person = await self._page(user_id, page)
            if shown:
                # Not an update for the core, but one a person sent: logged and counted alike.
                seconds = time.perf_counter() - started
                self.app.metrics.update_handled(PLATFORM, "keyboard", "ok", seconds)
                log.info(
                    "update handled",
                    extra={"platform": PLATFORM, "user": person, "kind": "button",
                           "flow": "keyboard", "route": "keyboard:page", "outcome": "ok",
                           "duration_ms": round(seconds * 1000, 1)},
                )  # fmt: skip
                return
        replies = await self.app.conversation.handle(incoming)
        async with self.app.uow() as uow:
            await uow.users.touch(PLATFORM, user_id, sent_at)
            await uow.commit()
        await self._send(user_id, replies)

    async def _queue(self, user_id: str, incoming: Incoming, job: Job) -> Ticket | None:
        """Queue `job` in the person's turn; None if they have too many waiting (dropped)."""
        await self.queue.room()
        ticket = self.queue.submit(user_id, job, overflow=lambda: self._slow_down(incoming))
        if ticket is None:
            log.info("viber message dropped", extra={"pending": self.queue.pending(user_id)})
        return ticket

    async def _slow_down(self, incoming: Incoming) -> None:
        out = await self.app.conversation.slow_down(incoming)
        await self._send(incoming.user_id, [out])

    async def close(self, grace: float = 10.0) -> None:
        """Let the messages in hand finish (up to `grace` seconds), then stop."""
        await self.queue.drain(grace)

    async def _unsubscribed(self, user_id: str) -> None:
        await account_gone(self.app.uow, PLATFORM, user_id, self.app.clock.now())

    async def _receipt(self, event: str, token: str) -> None:
        async with self.app.uow() as uow:
            await uow.outbox.receipt(PLATFORM, token, event, self.app.clock.now())
            await uow.commit()

    # -- answering ---------------------------------------------------------------------------
    async def _render(self, out: Outgoing) -> list[dict[str, Any]]:
        if out.document is not None:
            await self.files.store(out.document)
        return render(out, self.files.url)

    async def _page(self, user_id: str, page: int) -> tuple[bool, int | None]:
        """Show another page of the long keyboard last sent (False if none is kept); the
        person's internal id."""
        async with self.app.uow() as uow:
            kept = await uow.keyboards.last(PLATFORM, user_id)
            person = await uow.users.by_identity(PLATFORM, user_id)
        person_id = person.id if person else None
        if kept is None:
            return False, person_id
        text, keyboard = kept
        message: dict[str, Any] = {"type": "text", "text": text}
        shown = render_keyboard(keyboard, page)
        if shown is not None:
            message["keyboard"] = shown
        try:
            await self._send_one(user_id, message)
        except (ViberError, ViberUnavailable) as exc:
            log.warning("viber keyboard page not sent", extra={"error": type(exc).__name__})
        return True, person_id

    async def _send(self, user_id: str, replies: list[Outgoing]) -> None:
        """Send the replies in order; stop at the first failure (the rest would be out of order)."""
        for out in replies:
            if out.keyboard and pages(out.keyboard) > 1:
                async with self.app.uow() as uow:
                    await uow.keyboards.keep(
                        PLATFORM, user_id, out.text, out.keyboard, self.app.clock.now()
                    )
                    await uow.commit()
            for message in await self._render(out):
                try:
                    await self._send_one(user_id, message)
                except ViberError as exc:
                    if status_of(exc.status).verdict is Verdict.GONE:
                        await self._unsubscribed(user_id)
                    log.warning("viber reply refused", extra={"status": exc.status})
                    return
                except ViberUnavailable as exc:
                    log.warning("viber reply failed", extra={"error": str(exc)[:100]})
                    return

    async def _send_one(self, user_id: str, message: dict[str, Any]) -> None:
        """One message; on status 12 (too many to this person) paused and sent again."""
        for wait in (*SLOW_DOWN_PAUSES, None):
            try:
                await self.client.send_message(user_id, message)
                return
            except ViberError as exc:
                if exc.status != TOO_MANY_REQUESTS or wait is None:
                    raise
                log.warning("viber rate limited", extra={"retry_in_s": wait})
                await self.sleep(wait)


def _incoming(user_id: str, message: Message, token: str, hint: str | None) -> Incoming:
    # Callbacks.parse made sure each kind carries its content.
    if message.type == "location" and message.location is not None:
        point = Location(message.location.lat, message.location.lon)
        return Incoming(PLATFORM, user_id, user_id, Kind.LOCATION, "", "", hint, point, token)
    if message.type == "contact" and message.contact is not None:
        phone = message.contact.phone_number
        return Incoming(PLATFORM, user_id, user_id, Kind.CONTACT, phone, "", hint, None, token)
    # Pictures, stickers, files arrive as empty text: the core answers "use the buttons".
    text = (message.text or "") if message.type == "text" else ""
    if BUTTON.match(text):
        return Incoming.button(PLATFORM, user_id, text, lang_hint=hint, update_id=token)
    return Incoming.message(PLATFORM, user_id, text, lang_hint=hint, update_id=token)


def _sent_at(callback: MessageEvent, now: datetime) -> datetime:
    """When the person wrote (a retried callback arrives later), never after now."""
    stamp = callback.timestamp
    if stamp is not None and stamp > 0:
        try:
            return min(now, datetime.fromtimestamp(stamp / 1000, UTC))
        except (OverflowError, OSError, ValueError):
            pass
    return now
