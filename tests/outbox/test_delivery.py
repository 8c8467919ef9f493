"""The delivery worker's outcomes: 429s, blocked people, timeouts, 5xx, quiet hours, leases, and
a row that cannot be rendered."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import timedelta

from sqlalchemy import select

from bot.delivery import DeliveryWorker, Limiter, Platform, Result, Verdict
from handlers.notices import PRIORITY_BULK, Notice
from handlers.texts import REGISTRY, T
from storage.db import create_engine, session_factory
from storage.models import IdentityRow, OutboxRow
from tests.support import START
from tests.support.outbox import MENU_NOTICE, Recorder, SimTime, enqueue, news, onboard, worker


async def rows(app):
    async with session_factory(app.engine)() as s:
        return {r.id: r for r in (await s.execute(select(OutboxRow))).scalars()}


async def test_a_notice_is_rendered_when_sent_in_the_language_of_that_moment(app, person):
    rec = Recorder()
    ana = await onboard(app, person("ana"))
    await enqueue(app, ana, MENU_NOTICE)
    async with app.uow() as uow:
        await uow.users.update(ana, locale="de")
        await uow.commit()
    await worker(app, rec).drain()
    assert rec.sent[0].text.startswith("Hauptmenü")
    assert rec.sent[0].buttons[0].label == "⚙️ Einstellungen"
    (row,) = (await rows(app)).values()
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, "1")


async def test_429_waits_retry_after_and_does_not_count_as_an_attempt(app, person, clock):
    rec = Recorder()
    w = worker(app, rec)
    ana = await onboard(app, person("ana"))
    row_id = await enqueue(app, ana, MENU_NOTICE)
    rec.script.append(Result(Verdict.RATE_LIMITED, retry_after=7))
    await w.drain()
    row = (await rows(app))[row_id]
    assert (row.status, row.attempts, row.not_before) == ("queued", 0, START + timedelta(seconds=7))
    clock.advance(seconds=6)
    await w.drain()
    assert rec.sent == []
    clock.advance(seconds=1)
    await w.drain()
    assert len(rec.sent) == 1


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


async def test_blocked_marks_the_account_unreachable_and_drops_its_queue(app, person):
    rec = Recorder()
    ana = await onboard(app, person("ana"))
    ben = await onboard(app, person("ben"))
    first = await enqueue(app, ana, MENU_NOTICE)
    later = await enqueue(app, ana, MENU_NOTICE, at=START + timedelta(hours=1))
    await enqueue(app, ben, MENU_NOTICE)
    rec.script.append(Result(Verdict.GONE))
    await worker(app, rec).drain()
    found = await rows(app)
    assert found[first].status == "dropped" and found[later].status == "dropped"
    assert [o.chat_id for o in rec.sent] == ["ben"]
    async with session_factory(app.engine)() as s:
        gone = (
            await s.execute(select(IdentityRow.unreachable_at).where(IdentityRow.chat_id == "ana"))
        ).scalar_one()
    assert gone is not None
    async with app.uow() as uow:
        assert await uow.outbox.enqueue(ana, MENU_NOTICE, not_before=START, now=START) is None


async def test_timeouts_and_5xx_retry_with_backoff_then_fail(app, person, clock):
    rec = Recorder()
    w = worker(app, rec, max_attempts=3)
    ana = await onboard(app, person("ana"))
    row_id = await enqueue(app, ana, MENU_NOTICE)
    rec.script.extend(
        [Result(Verdict.RETRY, error="TimeoutError"), Result(Verdict.RETRY, error="500")]
    )
    await w.drain()
    assert (await rows(app))[row_id].not_before == START + timedelta(seconds=2)
    clock.advance(seconds=2)
    await w.drain()
    assert (await rows(app))[row_id].not_before == START + timedelta(seconds=2 + 4)
    clock.advance(seconds=4)
    await w.drain()
    assert len(rec.sent) == 1, "the third attempt got through"

    other = await enqueue(app, ana, MENU_NOTICE)
    rec.script.extend([Result(Verdict.RETRY, error="502")] * 3)
    for _ in range(3):
        await w.drain()
        clock.advance(minutes=10)
    row = (await rows(app))[other]
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "502")


async def test_direct_messages_go_first_and_bulk_waits_out_quiet_hours(app, person, clock):
    from datetime import time

    rec = Recorder()
    w = worker(app, rec, quiet_hours=(time(22), time(8)), batch=1)
    ana = await onboard(app, person("ana"))
    clock.advance(hours=12)  # 22:00 in Belgrade
    await enqueue(app, ana, news(1), priority=PRIORITY_BULK)
    await enqueue(app, ana, news(2))
    await w.drain()
    assert [o.params["what"] for o in rec.sent] == ["news 2"], "a direct message goes at night"
    clock.advance(hours=9, minutes=59)  # 07:59
    await w.drain()
    assert len(rec.sent) == 1
    clock.advance(minutes=1)
    await w.drain()
    assert [o.params["what"] for o in rec.sent] == ["news 2", "news 1"]

    await enqueue(app, ana, news(3), priority=PRIORITY_BULK)
    await enqueue(app, ana, news(4))
    await w.drain()
    assert [o.params["what"] for o in rec.sent][-2:] == ["news 4", "news 3"]


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


async def test_a_row_left_by_a_dead_worker_is_taken_up_after_its_lease(app, person, clock):
    rec = Recorder()
    ana = await onboard(app, person("ana"))
    row_id = await enqueue(app, ana, MENU_NOTICE)
    async with app.uow() as uow:  # a worker claims it and dies before sending
        claimed = await uow.outbox.claim(
            clock.now(), token="dead", limit=10, lease=timedelta(minutes=2),
            platforms=["telegram"],
        )  # fmt: skip
        await uow.commit()
    assert [c.id for c in claimed] == [row_id]
    w = worker(app, rec, lease=timedelta(minutes=2))
    await w.drain()
    assert rec.sent == []
    clock.advance(minutes=2, seconds=1)
    await w.drain()
    assert len(rec.sent) == 1
    async with app.uow() as uow:  # the dead worker's late report changes nothing
        from storage.outbox import Outcome

        await uow.outbox.record("dead", [Outcome(row_id, "failed", error="late")], clock.now())
        await uow.commit()
    assert (await rows(app))[row_id].status == "sent"


async def test_two_workers_send_2000_messages_exactly_once(app, person, db):
    ana = await onboard(app, person("ana"))
    async with app.uow() as uow:
        for n in range(2000):
            await uow.outbox.enqueue(ana, news(n), not_before=START, now=START)
        await uow.commit()
    # A second process would have its own engine and pool: so does the second worker here.
    other_engine = create_engine(db)
    try:
        from bot.bootstrap import build
        from bot.config import load_settings

        other = await build(
            load_settings(database_url=db), clock=app.clock, engine=other_engine,
            translator=app.translator, check_schema=False,
        )  # fmt: skip
        first, second = Recorder(), Recorder()
        await asyncio.gather(
            worker(app, first, batch=50).drain(), worker(other, second, batch=50).drain()
        )
    finally:
        await other_engine.dispose()
    sent = [o.params["what"] for o in first.sent + second.sent]
    assert sorted(sent) == sorted(f"news {n}" for n in range(2000))
    assert first.sent and second.sent, "both workers took part"
    assert {r.status for r in (await rows(app)).values()} == {"sent"}


async def test_claims_are_exclusive_under_concurrency(app, person, clock):
    ana = await onboard(app, person("ana"))
    for n in range(30):
        await enqueue(app, ana, news(n))

    async def claim() -> list[int]:
        async with app.uow() as uow:
            got = await uow.outbox.claim(
                clock.now(), token=uuid.uuid4().hex, limit=7, lease=timedelta(minutes=1),
                platforms=["telegram"],
            )  # fmt: skip
            await uow.commit()
        return [c.id for c in got]

    claims = await asyncio.gather(*(claim() for _ in range(6)))
    ids = [i for c in claims for i in c]
    assert len(ids) == len(set(ids)) == 30


def test_reminder_offsets_and_quiet_hours_settings_are_read_the_way_people_write_them():
    from datetime import time

    from bot.config import load_settings

    s = load_settings(reminder_offsets="2h, 24h,90m,2d", quiet_hours="21:30-07:00")
    assert s.reminder_deltas == (
        timedelta(days=2), timedelta(hours=24), timedelta(hours=2), timedelta(minutes=90)
    )  # fmt: skip
    assert s.quiet_window == (time(21, 30), time(7))
    assert load_settings(quiet_hours="off").quiet_window is None
