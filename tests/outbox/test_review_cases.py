"""Edge cases of delivery: a broken row, concurrent releases, 429 pauses, cancelling mid-send."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from bot.bootstrap import build
from bot.config import load_settings
from bot.delivery import DeliveryWorker, Limiter, Platform, Result, Verdict
from bot.scheduler import release_reminders
from handlers.notices import Notice
from handlers.rules.reminders import REMINDER
from handlers.texts import REGISTRY, T
from handlers.usecases import reminders
from storage.db import create_engine
from storage.outbox import Outcome
from tests.support.outbox import Recorder, SimTime, enqueue, onboard, worker


def news(n: int) -> Notice:
    return Notice.of(REMINDER, what=f"news {n}", when="today", where="Pirot")


async def test_a_row_that_cannot_be_rendered_fails_alone(app, person, clock):
    broken = T("test.broken", "Broken {0}")  # a translation with a positional placeholder
    try:
        rec = Recorder()
        w = worker(app, rec, lease=timedelta(minutes=1))
        ana = await onboard(app, person("ana"))
        good = await enqueue(app, ana, news(1))
        bad = await enqueue(app, ana, Notice.of(broken))
        await w.drain()
        clock.advance(minutes=5)  # long past the lease: nothing is taken up again
        await w.drain()
        assert [o.params["what"] for o in rec.sent] == ["news 1"]
        async with app.uow() as uow:
            assert await uow.outbox.counts() == {"sent": 1, "failed": 1}
        assert good != bad
    finally:
        REGISTRY.pop("test.broken", None)


async def test_two_processes_releasing_reminders_queue_each_once(app, person, clock, db):
    ana = await onboard(app, person("ana"))
    async with app.uow() as uow:
        for n in range(40):
            await reminders.plan(
                uow, user_id=ana, ref=f"test:{n}", starts_at=clock.now() + timedelta(days=2),
                offsets=(timedelta(days=1),), now=clock.now(), what="x", where="y",
            )  # fmt: skip
        await uow.commit()
    clock.advance(days=1)
    engine = create_engine(db[0], schema=db[1])
    try:
        other = await build(
            load_settings(database_url=db[0]), clock=clock, engine=engine,
            translator=app.translator, check_schema=False,
        )  # fmt: skip
        await asyncio.gather(release_reminders(app), release_reminders(other))
    finally:
        await engine.dispose()
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"queued": 40}


async def test_cancelling_an_event_while_its_reminder_is_sent_keeps_it_dropped(app, person, clock):
    ana = await onboard(app, person("ana"))
    row = await enqueue(app, ana, news(1), ref="test:1")
    async with app.uow() as uow:
        await uow.outbox.claim(
            clock.now(), token="w1", limit=5, lease=timedelta(minutes=1), platforms=["telegram"]
        )
        await uow.commit()
    async with app.uow() as uow:  # the event is cancelled meanwhile
        await reminders.cancel(uow, ref="test:1", now=clock.now())
        await uow.commit()
    async with app.uow() as uow:  # then the send times out and would be retried
        await uow.outbox.record("w1", [Outcome(row, "queued", error="timeout")], clock.now())
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"dropped": 1}


async def test_a_429_pauses_messages_already_waiting_for_their_slot(app, person):
    sim = SimTime()
    sends: list[float] = []

    class Flooded:
        async def send(self, chat_id, out):
            sends.append(sim.t)
            await sim.sleep(0.05)  # the network: the others book their slots meanwhile
            if len(sends) == 1:
                return Result(Verdict.RATE_LIMITED, retry_after=2)
            return Result(Verdict.SENT)

    people = [await onboard(app, person(f"p{n}")) for n in range(8)]
    for n, uid in enumerate(people):
        await enqueue(app, uid, news(n))
    w = DeliveryWorker(
        app.uow, app.clock, app.translator,
        {"telegram": Platform(Flooded(), Limiter(10, 100))},
        monotonic=sim.monotonic, sleep=sim.sleep,
    )  # fmt: skip
    await sim.run(w.deliver_once())
    assert sends[0] == 0.0
    after = sends[1:]
    assert len(after) == 7 and min(after) >= 2.05, f"sent during the pause: {after}"
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert min(gaps) >= 1 / 10 - 1e-9, "and no faster than the configured pace afterwards"
