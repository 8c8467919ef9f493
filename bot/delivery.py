"""The delivery worker: sends the outbox at each platform's pace, every row once.

A batch is claimed in one transaction (status `sending`, a claim token, a lease), sent, and its
outcomes recorded in one more. The lease is short (OUTBOX_LEASE_SECONDS, 20 s by default) and
renewed every third of it while the batch is in flight, so a live worker keeps its rows however
long pacing holds them, and a dead one's rows come back within one lease: another worker (or
this one after a restart) takes them up again. No message is lost, and one can be repeated
only if the process died between the platform's answer and our commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Settings
from handlers.messages import Outgoing
from handlers.model import SESSION_ONLY
from handlers.ports import Clock, Translator
from handlers.usecases.accounts import accounts_gone
from handlers.usecases.delivery import (
    Batch,
    Claimed,
    Drop,
    Reason,
    Send,
    Unrenderable,
    decide,
    load_batch,
    recheck,
)
from storage.outbox import DROPPED, FAILED, QUEUED, SENT, Outcome
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("reintegrate.delivery")


class Verdict(StrEnum):
    """What a platform said to one message."""

    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # 429: wait retry_after, then send again
    GONE = "gone"  # blocked the bot, deactivated, unsubscribed
    RETRY = "retry"  # timeout, network, 5xx
    FAILED = "failed"  # the platform refuses this message for good


@dataclass(frozen=True, slots=True)
class Result:
    """A platform's answer to one message."""

    verdict: Verdict
    message_id: str | None = None
    retry_after: float = 0.0
    error: str | None = None


class Sender(Protocol):
    """One platform's way to deliver an Outgoing, answering with a Result (never raising)."""

    async def send(self, chat_id: str, out: Outgoing) -> Result: ...


class Pace:
    """Evenly spaced sending slots: a rate limit that never bursts above its rate.

    429s slow it down (to no less than a tenth of the configured rate); a minute without
    one brings it back up step by step.
    """

    def __init__(self, rate: float) -> None:
        self.configured = rate
        self.rate = rate
        self.next_slot = 0.0
        self.quiet_since = 0.0
        self.paused_until = 0.0  # after a 429: nothing goes before this, booked or not

    def slot(self, earliest: float) -> float:
        """Reserve the first free slot at or after `earliest` (monotonic seconds)."""
        at = max(self.next_slot, earliest)
        self.next_slot = at + 1.0 / self.rate
        if self.rate < self.configured and at - self.quiet_since > 60:
            self.rate = min(self.configured, self.rate * 1.1)
            self.quiet_since = at
        return at

    def missed(self, at: float, now: float) -> bool:
        """True if slot `at` passed too long ago to use: slots missed in a stall (a long
        garbage collection, a busy event loop) would otherwise all go at once, a burst."""
        return now - at > max(1.0 / self.rate, 0.1)

    def penalise(self, now: float, retry_after: float) -> None:
        """The platform said 429: pause for `retry_after`, then go slower."""
        self.paused_until = max(self.paused_until, now + retry_after)
        self.next_slot = max(self.next_slot, self.paused_until)
        self.rate = max(self.configured / 10, self.rate * 0.8)
        self.quiet_since = now


class Limiter:
    """A platform's overall pace plus one pace per chat."""

    def __init__(self, rate: float, chat_rate: float, *, chats: int = 10_000) -> None:
        self.overall = Pace(rate)
        self.chat_rate = chat_rate
        self.chats: OrderedDict[str, Pace] = OrderedDict()
        self.max_chats = chats

    def slot(self, chat_id: str, now: float) -> float:
        """When a message to `chat_id` may go, reserving it on both paces."""
        chat = self.chats.pop(chat_id, None) or Pace(self.chat_rate)
        self.chats[chat_id] = chat  # most recently used last, so the oldest are forgotten
        while len(self.chats) > self.max_chats:
            self.chats.popitem(last=False)
        at = self.overall.slot(max(now, chat.next_slot))
        chat.next_slot = at + 1.0 / chat.rate
        return at


@dataclass
class Platform:
    """A platform the worker delivers to."""

    sender: Sender
    limiter: Limiter | None  # None: no limit (the terminal chat, benchmarks)


@dataclass
class Hold:
    """How long, in monotonic seconds, a batch may go on sending."""

    slots_until: float  # pace slots later than this go back to the queue
    # The lease is surely ours until then (renewals move it on): a row not sent by then could
    # already be another worker's, so it is not sent.
    lease_until: float


class DeliveryWorker:
    """Claims due outbox rows, sends them, records what happened."""

    def __init__(
        self,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        translator: Translator,
        platforms: Mapping[str, Platform],
        *,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=20),
        hold: timedelta = timedelta(seconds=90),
        max_attempts: int = 5,
        quiet_hours: tuple[dtime, dtime] | None = None,
        timezone: str = "Europe/Belgrade",
        only_external_id: str | None = None,
        viber_paid_messages: str = "allow",
        on_reminder_sent: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.tr = translator
        self.platforms = dict(platforms)
        # A batch of about two seconds' sending keeps a claim short and few rows in flight.
        paces = [p.limiter.overall.configured for p in self.platforms.values() if p.limiter]
        if paces and len(paces) == len(self.platforms):
            batch = min(batch, 2 * int(max(paces)))
        self.batch = max(1, batch)
        self.lease = lease
        # The longest a batch waits for pace slots: one chat's many messages (1/s) would
        # otherwise keep the rest of its batch unrecorded for minutes.
        self.hold = hold
        self.max_attempts = max_attempts
        self.quiet_hours = quiet_hours
        self.tz = ZoneInfo(timezone)
        self.only_external_id = only_external_id
        self.session_only = viber_paid_messages == SESSION_ONLY
        self.monotonic = monotonic
        self.sleep = sleep
        self.wakeup = asyncio.Event()
        self.sent = 0
        self.on_reminder_sent = on_reminder_sent

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        translator: Translator,
        platforms: Mapping[str, Platform],
        **kwargs: object,
    ) -> DeliveryWorker:
        """A worker configured by Settings."""
        return cls(
            uow,
            clock,
            translator,
            platforms,
            batch=settings.outbox_batch,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            max_attempts=settings.outbox_max_attempts,
            quiet_hours=settings.quiet_window,
            timezone=settings.timezone,
            viber_paid_messages=settings.viber_paid_messages,
            **kwargs,  # type: ignore[arg-type]
        )

    def quiet(self, now: datetime) -> bool:
        """True inside quiet hours (local time), when bulk messages wait."""
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        local = now.astimezone(self.tz).time()
        return start <= local or local < end if start > end else start <= local < end

    async def run(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Deliver until `stop` is set; an idle worker looks again every `idle` seconds."""
        while not stop.is_set():
            try:
                handled = await self.deliver_once()
            except Exception:
                log.exception("delivery batch failed")
                handled = 0
            if handled == 0:
                self.wakeup.clear()
                waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self.wakeup)]
                await asyncio.wait(waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()

    async def drain(self) -> int:
        """Deliver everything due now (tests and the terminal chat); how many rows were handled."""
        total = 0
        while handled := await self.deliver_once():
            total += handled
        return total

    async def deliver_once(self) -> int:
        """Claim one batch, send it, record the outcomes; how many rows it held."""
        now = self.clock.now()
        token = uuid.uuid4().hex
        async with self.uow() as uow:
            rows = await uow.outbox.claim(
                now,
                token=token,
                limit=self.batch,
                lease=self.lease,
                platforms=list(self.platforms),
                bulk=not self.quiet(now),
                external_id=self.only_external_id,
            )
            batch = await load_batch(uow, rows, session_only=self.session_only)
            await uow.commit()
        if not rows:
            return 0
        start = self.monotonic()
        hold = Hold(start + self.hold.total_seconds(), start + self._safe_lease())
        keeper = asyncio.ensure_future(self._keep(token, hold))
        try:
            outcomes = list(
                await asyncio.gather(*(self._deliver_safely(row, batch, hold) for row in rows))
            )
        finally:
            # Stopped before recording (which ends the claim); a cancelled batch's rows simply
            # keep their last lease and come back when it runs out.
            keeper.cancel()
            await asyncio.wait([keeper])
        await self._record(token, outcomes)
        gone = [(r.platform, r.external_id) for r, o in zip(rows, outcomes, strict=True)
                if o.error == Reason.UNREACHABLE]  # fmt: skip
        if gone:
            # After the outcomes and in a transaction of their own, so two workers (or a
            # worker and the webhook) never wait on each other's locks.
            await accounts_gone(self.uow, gone, now)
        self.sent += sum(o.status == SENT for o in outcomes)
        if self.on_reminder_sent is not None:
            for row, outcome in zip(rows, outcomes, strict=True):
                if outcome.status == SENT and row.key.startswith("reminder."):
                    self.on_reminder_sent(row.platform)
        log.info(
            "outbox batch",
            extra={
                "rows": len(rows),
                **{s: sum(o.status == s for o in outcomes) for s in (SENT, QUEUED, FAILED)},
            },
        )
        return len(rows)

    def _safe_lease(self) -> float:
        """Seconds a lease taken now is surely ours: a margin for the database's clock."""
        return self.lease.total_seconds() * 0.8

    async def _keep(self, token: str, hold: Hold) -> None:
        """Renew the batch's lease every third of it until cancelled (when the batch is done)."""
        every = self.lease.total_seconds() / 3
        while True:
            await self.sleep(every)
            asked = self.monotonic()
            try:
                async with self.uow() as uow:
                    await uow.outbox.renew(token, self.clock.now(), self.lease)
                    await uow.commit()
            except Exception as exc:  # the next try may work; until then the old lease holds
                log.warning("renewing the outbox lease failed", extra={"error": type(exc).__name__})
                continue
            hold.lease_until = asked + self._safe_lease()

    async def _record(self, token: str, outcomes: list[Outcome]) -> None:
        """Store the outcomes; retried, since losing them would send the batch again."""
        for attempt in range(1, 5):
            try:
                async with self.uow() as uow:
                    await uow.outbox.record(token, outcomes, self.clock.now())
                    await uow.commit()
                return
            except Exception as exc:
                if attempt == 4:
                    raise
                log.warning(
                    "recording outcomes failed, retrying", extra={"error": type(exc).__name__}
                )
                await self.sleep(attempt)

    async def _deliver_safely(self, row: Claimed, batch: Batch, hold: Hold) -> Outcome:
        """One row's outcome, whatever goes wrong (one bad row must not hold up the batch)."""
        if row.attempts > self.max_attempts:
            # It was claimed this often without an outcome: it keeps killing its worker.
            return Outcome(row.id, FAILED, error="gave up: no outcome after repeated claims")
        try:
            return await self._deliver(row, batch, hold)
        except Exception as exc:
            log.error(
                "outbox row failed unexpectedly",
                extra={"id": row.id, "key": row.key, "error": type(exc).__name__},
            )
            return self._outcome(row, Result(Verdict.RETRY, error=type(exc).__name__), None)

    async def _deliver(self, row: Claimed, batch: Batch, hold: Hold) -> Outcome:
        match decide(self.tr, row, batch, self.clock.now()):
            case Drop(reason):
                return Outcome(row.id, DROPPED, error=reason.value)
            case Unrenderable() as broken:
                log.error(
                    "outbox row cannot be rendered",
                    extra={"id": row.id, "key": row.key, "error": broken.error},
                )
                return Outcome(row.id, FAILED, error=broken.reason)
            case Send(out):
                pass
        platform = self.platforms[row.platform]
        if platform.limiter is not None:
            while True:
                at = platform.limiter.slot(row.chat_id, self.monotonic())
                if at > hold.slots_until:
                    # Too far off for this claim: back to the queue, not counted as a try.
                    later = timedelta(seconds=at - self.monotonic())
                    return Outcome(row.id, QUEUED, not_before=self.clock.now() + later,
                                   count_attempt=False)  # fmt: skip
                wait = at - self.monotonic()
                if wait > 0:
                    await self.sleep(wait)
                # A 429 while this one waited pauses it too, though its slot was booked earlier;
                # one woken long after its slot books a new one rather than join a burst.
                overall = platform.limiter.overall
                if overall.paused_until <= self.monotonic() and not overall.missed(
                    at, self.monotonic()
                ):
                    break
            if (late := recheck(row, batch, self.clock.now())) is not None:
                return Outcome(row.id, DROPPED, error=late.reason.value)
        if self.monotonic() >= hold.lease_until:
            # Renewals failed (the database away): another worker may hold this row by now.
            return Outcome(row.id, QUEUED, not_before=self.clock.now(), count_attempt=False,
                           error="lease lost")  # fmt: skip
        result = await platform.sender.send(row.chat_id, out)
        return self._outcome(row, result, platform)

    def _outcome(self, row: Claimed, result: Result, platform: Platform | None) -> Outcome:
        now = self.clock.now()
        match result.verdict:
            case Verdict.SENT:
                return Outcome(row.id, SENT, message_id=result.message_id)
            case Verdict.RATE_LIMITED:
                if platform is not None and platform.limiter is not None:
                    platform.limiter.overall.penalise(self.monotonic(), result.retry_after)
                log.warning("rate limited", extra={"retry_after": result.retry_after})
                wait = timedelta(seconds=max(result.retry_after, 1))
                return Outcome(row.id, QUEUED, not_before=now + wait, count_attempt=False)
            case Verdict.GONE:
                return Outcome(row.id, DROPPED, error=Reason.UNREACHABLE.value)
            case Verdict.RETRY if row.attempts < self.max_attempts:
                backoff = timedelta(seconds=min(2**row.attempts, 600))
                return Outcome(row.id, QUEUED, not_before=now + backoff, error=result.error)
            case _:
                return Outcome(row.id, FAILED, error=result.error or result.verdict.value)
