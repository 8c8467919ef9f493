"""The delivery worker's Viber sender: one Outgoing -> Viber messages -> one Result.

Viber answers every call with a `status`; STATUSES says what each means for the worker. It is
one table so the mapping is read (and tested) in one place:
https://developers.viber.com/docs/api/rest-bot-api/#error-codes
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery import Result, Verdict
from bot.transports.viber.client import ViberClient, ViberError, ViberUnavailable
from bot.transports.viber.render import FileUrl, render
from handlers.messages import Outgoing

log = logging.getLogger("reintegrate.viber")

ALARM_EVERY = 60.0  # seconds between two alarms for the same status (a broadcast may hit 10,000)


@dataclass(frozen=True, slots=True)
class Status:
    """What one of Viber's statuses means to us."""

    name: str  # Viber's status_message
    verdict: Verdict
    alarm: str | None = None  # set: the whole channel is affected, tell the admins (log.error)


BROKEN = "the Viber channel is not working, nothing will be delivered until it is fixed"
STATUSES: dict[int, Status] = {
    0: Status("ok", Verdict.SENT),
    1: Status("invalidUrl", Verdict.FAILED),  # a media URL of ours Viber cannot use
    2: Status("invalidAuthToken", Verdict.RETRY, f"Viber refuses VIBER_AUTH_TOKEN: {BROKEN}"),
    3: Status("badData", Verdict.FAILED),
    4: Status("missingData", Verdict.FAILED),
    5: Status("receiverNotRegistered", Verdict.GONE),  # no longer on Viber
    6: Status("receiverNotSubscribed", Verdict.GONE),  # unsubscribed from the bot
    7: Status("publicAccountBlocked", Verdict.RETRY, f"the Viber bot is blocked: {BROKEN}"),
    8: Status("publicAccountNotFound", Verdict.RETRY, f"no Viber bot has our token: {BROKEN}"),
    9: Status("publicAccountSuspended", Verdict.RETRY, f"the Viber bot is suspended: {BROKEN}"),
    10: Status("webhookNotSet", Verdict.RETRY, f"no Viber webhook is set (set_webhook): {BROKEN}"),
    11: Status("receiverNoSuitableDevice", Verdict.GONE),  # their Viber app cannot take bots
    # Viber's limit is per person (100 messages an hour): only this message waits, not the
    # whole channel as a 429 would.
    12: Status("tooManyRequests", Verdict.RETRY),
    13: Status("apiVersionNotSupported", Verdict.FAILED),  # their app is older than the message
    14: Status("incompatibleWithVersion", Verdict.FAILED),
    15: Status("publicAccountNotAuthorized", Verdict.RETRY, f"Viber bot not authorised: {BROKEN}"),
    16: Status("inchatReplyMessageNotAllowed", Verdict.FAILED),
    17: Status("publicAccountIsNotInline", Verdict.FAILED),
    18: Status("noPublicChat", Verdict.FAILED),
    19: Status("cannotSendBroadcast", Verdict.FAILED),
    20: Status("broadcastNotAllowed", Verdict.FAILED),
    21: Status("unsupportedCountry", Verdict.FAILED),
    22: Status("paymentUnsupported", Verdict.FAILED),
    23: Status(
        "freeMessagesExceeded",
        Verdict.FAILED,
        "Viber billing: the free quota of messages outside the 24-hour window is used up "
        "for this month; such messages are not delivered until the bot has a paid balance",
    ),
    24: Status(
        "noBalance",
        Verdict.FAILED,
        "Viber billing: no balance left for paid messages (outside the 24-hour window); "
        "they are not delivered until the balance is topped up",
    ),
}
UNKNOWN = Status("generalError", Verdict.FAILED)


def status_of(code: int) -> Status:
    """What Viber's status `code` means (an unknown one: this message failed)."""
    return STATUSES.get(code, UNKNOWN)


class ViberOutboxSender:
    """Sends outbox messages to Viber; retries and pacing are the delivery worker's business.

    One Outgoing may be several Viber messages (a pin or file, then the text in parts); they go
    in order and the first one Viber refuses decides the Result. `message_id` is the token of
    the last message, the one carrying the keyboard (what `delivered`/`seen` callbacks name).
    """

    def __init__(
        self,
        client: ViberClient,
        file_url: FileUrl | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.file_url = file_url
        self.monotonic = monotonic
        self._alarmed: dict[int, float] = {}

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        """Send once and say how it went (never raises)."""
        try:
            messages = render(out, self.file_url)
        except Exception as exc:  # e.g. file_url could not store the file: try again later
            log.exception("viber: rendering failed", extra={"key": out.key})
            return Result(Verdict.RETRY, error=f"render: {type(exc).__name__}")
        if not messages:
            return Result(Verdict.FAILED, error="nothing Viber can show")
        token: str | None = None
        for i, message in enumerate(messages):
            try:
                answer = await self.client.send_message(chat_id, message)
            except ViberUnavailable as exc:
                result = Result(Verdict.RETRY, error=str(exc)[:200])
            except ViberError as exc:
                result = self._refused(exc, out)
            else:
                token = str(answer["message_token"]) if "message_token" in answer else None
                continue
            if i:
                log.warning(
                    "viber: message sent only in part",
                    extra={"key": out.key, "sent": i, "parts": len(messages)},
                )
            return result
        return Result(Verdict.SENT, message_id=token)

    def _refused(self, exc: ViberError, out: Outgoing) -> Result:
        status = status_of(exc.status)
        error = f"{exc.status} {status.name}: {exc.message}"[:200]
        if status.alarm:
            self._alarm(exc.status, status.alarm, out)
        if status.verdict is Verdict.SENT:  # a status 0 never raises; be safe anyway
            return Result(Verdict.SENT)
        return Result(status.verdict, error=error)

    def _alarm(self, code: int, text: str, out: Outgoing) -> None:
        """log.error for the admins, at most once a minute per status."""
        now = self.monotonic()
        last = self._alarmed.get(code)
        if last is not None and now - last < ALARM_EVERY:
            return
        self._alarmed[code] = now
        log.error(text, extra={"viber_status": code, "key": out.key})
