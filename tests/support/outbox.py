"""A recording sender, a worker wired to the test app, simulated time, and outbox rows and
reminders put in directly."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from datetime import datetime, timedelta

from bot.bootstrap import App
from bot.delivery import DeliveryWorker, Platform, Result, Verdict
from bot.scheduler import release_reminders
from handlers.flows.menu import MENU
from handlers.messages import Outgoing
from handlers.notices import Notice, NoticeButton, name, word
from handlers.rules.reminders import REMINDER
from handlers.texts import N_
from handlers.usecases import reminders
from tests.support.people import Person


class SimTime:
    """Simulated monotonic time for a worker's pacing: sleeping tasks wake in order, at once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self.seq = itertools.count()

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self.waiters, (self.t + max(seconds, 0.0), next(self.seq), fut))
        await fut

    def woken_at(self, at: float) -> float:
        """The time a sleeper due at `at` wakes (a subclass may make it late)."""
        return max(self.t, at)

    async def run(self, coro):  # type: ignore[no-untyped-def]
        """Run `coro` to its end, moving time to each next sleeper once all tasks wait."""
        task = asyncio.ensure_future(coro)
        while not task.done():
            for _ in range(50):  # let every task run until it sleeps
                await asyncio.sleep(0)
            if self.waiters and not task.done():
                at, _, fut = heapq.heappop(self.waiters)
                if fut.done():  # cancelled: a batch's lease keeper, stopped when it ended
                    continue
                self.t = self.woken_at(at)
                fut.set_result(None)
        return task.result()


class Recorder:
    """Answers every message with success and remembers it."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.script: deque[Result] = deque()

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        if self.script:
            return self.script.popleft()
        self.sent.append(out)
        return Result(Verdict.SENT, message_id=str(len(self.sent)))

    def to(self, chat_id: str) -> list[Outgoing]:
        return [o for o in self.sent if o.chat_id == chat_id]


def worker(app: App, recorder: Recorder, **kw: object) -> DeliveryWorker:
    """A worker sending Telegram (the platform test people use) to the recorder, no limits."""
    return DeliveryWorker(
        app.uow,
        app.clock,
        app.translator,
        {"telegram": Platform(recorder, limiter=None)},
        **kw,  # type: ignore[arg-type]
    )


async def tick(app: App, w: DeliveryWorker) -> None:
    """What the scheduler and the worker do at the clock's current time."""
    await release_reminders(app)
    await w.drain()


async def onboard(app: App, person: Person, locale: str = "en") -> int:
    """Walk a person through onboarding in English, then give them `locale`; their id."""
    await person.send("/start")
    await person.press_through("English", "I agree", "I live here", "Pirot")
    uid = await user_id(app, person)
    async with app.uow() as uow:
        await uow.users.update(uid, locale=locale)
        await uow.commit()
    return uid


async def user_id(app: App, person: Person) -> int:
    """The user id of someone who has talked to the bot."""
    async with app.uow() as uow:
        user = await uow.users.by_identity(person.platform, person.user_id)
    assert user is not None
    return user.id


async def enqueue(
    app: App,
    uid: int,
    notice: Notice,
    *,
    at: datetime | None = None,
    priority: int = 0,
    ref: str | None = None,
) -> int:
    """Put `notice` for `uid` in the outbox, due now (or `at`); the row's id."""
    async with app.uow() as uow:
        row = await uow.outbox.enqueue(
            uid,
            notice,
            not_before=at or app.clock.now(),
            now=app.clock.now(),
            priority=priority,
            ref=ref,
        )
        await uow.commit()
    assert row is not None
    return row


# A notice of the main menu with one button, for tests of delivery itself.
MENU_NOTICE = Notice.of(MENU, [[NoticeButton("Settings", "set:open", "⚙️")]])


def news(n: int) -> Notice:
    """A reminder told apart from the others by its number ("news 3")."""
    return Notice.of(REMINDER, what=f"news {n}", when="today", where="Pirot")


REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))


async def plan_reminders(
    app: App, uid: int, ref: str, starts_at: datetime, what: str = "School support"
) -> int:
    """Plan the 24 h and 2 h reminders of an event at Pirot for `uid`; how many were planned."""
    async with app.uow() as uow:
        n = await reminders.plan(
            uow,
            user_id=uid,
            ref=ref,
            starts_at=starts_at,
            offsets=REMINDER_OFFSETS,
            now=app.clock.now(),
            what=word(N_(what)) if what != "School support" else what,
            where=name("Pirot"),
        )
        await uow.commit()
    return n
