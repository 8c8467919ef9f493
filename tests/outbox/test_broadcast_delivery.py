"""Announcements delivered: in each language, on time, paced, stopped, resumed, reported."""

from __future__ import annotations

import collections
from datetime import time, timedelta

from sqlalchemy import select

from bot.bootstrap import build
from bot.config import load_settings
from bot.delivery import DeliveryWorker, Limiter, Platform, Result, Verdict
from bot.scheduler import release_broadcasts
from handlers.messages import Outgoing
from handlers.model import BroadcastStatus, Role, Target
from storage.db import create_engine, session_factory
from storage.models import IdentityRow, OutboxRow
from tests.support import START
from tests.support.broadcasts import admin_at_tutin, announce, register, report
from tests.support.outbox import Recorder, SimTime, worker


class ByChat(Recorder):
    """A recorder that answers some chats with a fixed result (blocked, refused)."""

    def __init__(self, answers: dict[str, Result]) -> None:
        super().__init__()
        self.answers = answers
        self.tried: list[str] = []

    async def send(self, chat_id: str, out: Outgoing) -> Result:
        self.tried.append(chat_id)
        if chat_id in self.answers:
            return self.answers[chat_id]
        return await super().send(chat_id, out)


async def crowd(app, n, *, prefix="p", locale="en"):
    return [await register(app, f"{prefix}{i}", locale=locale) for i in range(n)]


async def status(app, broadcast_id):
    async with app.uow() as uow:
        found = await uow.broadcasts.get(broadcast_id)
    assert found is not None
    return found


def texts(rec: Recorder, key: str = "bc.message") -> dict[str, list[str]]:
    """What each chat received of one message key."""
    got: dict[str, list[str]] = collections.defaultdict(list)
    for out in rec.sent:
        if out.key == key:
            got[out.chat_id].append(out.text)
    return dict(got)


async def test_each_person_gets_the_announcement_in_their_language(app):
    by = await admin_at_tutin(app)
    await register(app, "anna", locale="de")
    await register(app, "sasa", locale="sr")
    await register(app, "vuk", locale="sr_Cyrl")
    await register(app, "emina", locale="bs")
    await announce(app, by, {"en": "Open day on Friday", "de": "Tag der offenen Tür am Freitag"})
    rec = Recorder()
    await worker(app, rec).drain()
    assert texts(rec) == {
        "anna": ["Tag der offenen Tür am Freitag"],
        "sasa": ["Open day on Friday"],  # no Serbian text: the default language
        "vuk": ["Open day on Friday"],  # English is never transliterated
        "emina": ["Open day on Friday"],
    }
    assert "coord" not in {o.chat_id for o in rec.sent}, "Tutin is not in a Pirot audience"


async def test_serbian_cyrillic_readers_get_the_serbian_text_in_cyrillic_with_the_pin(app):
    by = await admin_at_tutin(app)
    await register(app, "vuk", locale="sr_Cyrl")
    await register(app, "sasa", locale="sr")
    await register(app, "ben", locale="en")
    await announce(app, by, {"sr": "Dan otvorenih vrata u petak", "en": "Open day"},
                   default="sr", pin=True)  # fmt: skip
    rec = Recorder()
    await worker(app, rec).drain()
    assert texts(rec) == {
        "vuk": ["Дан отворених врата у петак"],
        "sasa": ["Dan otvorenih vrata u petak"],
        "ben": ["Open day"],
    }
    pins = {o.chat_id: o.location for o in rec.sent}
    assert pins["sasa"] is not None and pins["sasa"].title == "Pirot"
    assert pins["vuk"] is not None and pins["vuk"].title == "Пирот"


async def test_a_scheduled_announcement_goes_at_its_time(app, clock):
    by = await admin_at_tutin(app)
    await crowd(app, 3)
    at = START + timedelta(hours=3)
    broadcast_id = await announce(app, by, {"en": "Concert tonight"}, send_at=at)
    rec = Recorder()
    w = worker(app, rec)
    clock.advance(hours=2, minutes=59)
    assert await release_broadcasts(app) == 0
    await w.drain()
    assert rec.sent == [] and (await status(app, broadcast_id)).status is BroadcastStatus.SCHEDULED
    clock.advance(minutes=1)
    assert await release_broadcasts(app) == 3
    assert await release_broadcasts(app) == 0, "started once"
    await w.drain()
    assert texts(rec) == {f"p{i}": ["Concert tonight"] for i in range(3)}
    found = await status(app, broadcast_id)
    assert (found.status, found.started_at, found.recipients) == (BroadcastStatus.SENDING, at, 3)


async def test_quiet_hours_hold_an_announcement_until_eight(app, clock):
    by = await admin_at_tutin(app)
    await crowd(app, 2)
    clock.advance(hours=12, minutes=30)  # 21:30 UTC: 22:30 in Belgrade
    await announce(app, by, {"en": "Late news"})
    rec = Recorder()
    w = worker(app, rec, quiet_hours=(time(22), time(8)))
    await w.drain()
    assert rec.sent == []
    clock.advance(hours=9, minutes=29)  # 07:59 in Belgrade
    await w.drain()
    assert rec.sent == []
    clock.advance(minutes=1)  # 08:00
    await w.drain()
    assert texts(rec) == {"p0": ["Late news"], "p1": ["Late news"]}


async def test_stopping_midway_leaves_the_rest_unsent(app, clock):
    by = await admin_at_tutin(app)
    await crowd(app, 7)
    broadcast_id = await announce(app, by, {"en": "Oops"})
    rec = Recorder()
    w = worker(app, rec, batch=2, lease=timedelta(minutes=2))
    assert await w.deliver_once() == 2
    async with app.uow() as uow:  # another worker claims two and dies before sending
        dead = await uow.outbox.claim(
            clock.now(), token="dead", limit=2, lease=timedelta(minutes=2),
            platforms=["telegram"],
        )  # fmt: skip
        await uow.commit()
    assert len(dead) == 2
    async with app.uow() as uow:
        assert await uow.broadcasts.stop(broadcast_id, clock.now())
        await uow.commit()
    await w.drain()
    clock.advance(minutes=3)  # the dead worker's rows are taken up again: and dropped
    await w.drain()
    got = texts(rec)
    assert len(got) == 2 and all(v == ["Oops"] for v in got.values()), "only the first batch"
    assert await report(app, broadcast_id) == {
        "delivered": 2, "blocked": 0, "failed": 0, "stopped": 5, "queued": 0,
    }  # fmt: skip
    found = await status(app, broadcast_id)
    assert found.status is BroadcastStatus.STOPPED and found.finished_at == START
    assert await release_broadcasts(app) == 0
    assert (await status(app, broadcast_id)).status is BroadcastStatus.STOPPED
    async with app.uow() as uow:
        assert not await uow.broadcasts.stop(broadcast_id, clock.now()), "stopped once"


async def test_a_restart_midway_delivers_the_rest_exactly_once(app, clock, db, translator):
    by = await admin_at_tutin(app)
    await crowd(app, 9)
    broadcast_id = await announce(app, by, {"en": "Hello"})
    first = Recorder()
    assert await worker(app, first, batch=2).deliver_once() == 2
    async with app.uow() as uow:  # the process dies holding a claimed batch, unsent
        await uow.outbox.claim(
            clock.now(), token="dead", limit=3, lease=timedelta(minutes=2),
            platforms=["telegram"],
        )  # fmt: skip
        await uow.commit()
    # A new process: its own engine and App on the same database.
    url = db
    engine = create_engine(url)
    try:
        again = await build(
            load_settings(database_url=url, default_locale="en"),
            clock=clock, engine=engine, translator=translator,
        )  # fmt: skip
        second = Recorder()
        w = worker(again, second, batch=2, lease=timedelta(minutes=2))
        await w.drain()
        assert len(second.sent) == 4, "the rows of the dead claim wait for their lease"
        clock.advance(minutes=2, seconds=1)
        await w.drain()
        await release_broadcasts(again)
    finally:
        await engine.dispose()
    delivered = collections.Counter(o.chat_id for o in first.sent + second.sent)
    assert delivered == {f"p{i}": 1 for i in range(9)}
    found = await status(app, broadcast_id)
    assert found.status is BroadcastStatus.DONE
    assert found.report == {"delivered": 9, "blocked": 0, "failed": 0, "stopped": 0, "queued": 0}


async def test_the_report_counts_blocked_and_failed_and_reaches_the_sender_once(app):
    by = await admin_at_tutin(app)
    await crowd(app, 6)
    broadcast_id = await announce(app, by, {"en": "Survey"})
    rec = ByChat({
        "p1": Result(Verdict.GONE),
        "p4": Result(Verdict.GONE),
        "p2": Result(Verdict.FAILED, error="Bad Request: message text is empty"),
    })  # fmt: skip
    w = worker(app, rec, batch=4)
    await w.drain()
    assert sorted(rec.tried) == [f"p{i}" for i in range(6)]
    assert sorted(texts(rec)) == ["p0", "p3", "p5"]
    async with session_factory(app.engine)() as s:
        gone = await s.execute(
            select(IdentityRow.external_id).where(IdentityRow.unreachable_at.is_not(None))
        )
        assert sorted(gone.scalars()) == ["p1", "p4"], "blocked accounts are marked"
    expected = {"delivered": 3, "blocked": 2, "failed": 1, "stopped": 0, "queued": 0}
    assert await report(app, broadcast_id) == expected

    await release_broadcasts(app)
    await release_broadcasts(app)  # a second run (or a second process) reports nothing more
    found = await status(app, broadcast_id)
    assert found.status is BroadcastStatus.DONE and found.report == expected
    await w.drain()
    await release_broadcasts(app)
    await w.drain()
    (told,) = [o for o in rec.sent if o.key == "bc.report"]
    assert told.chat_id == "coord"
    assert "Delivered: 3" in told.text
    assert "Not delivered (blocked the bot or left): 2" in told.text
    assert "Failed: 1" in told.text
    assert [b.payload for b in told.buttons] == [f"bc:r:{broadcast_id}"]
    # The blocked accounts are not written to again: the next announcement skips them.
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        assert await uow.broadcasts.count(Target(centres=(pirot.id,)), START) == {"telegram": 4}


async def test_an_announcement_to_no_one_is_done_at_once_and_reported(app):
    by = await admin_at_tutin(app)
    broadcast_id = await announce(app, by, {"en": "Anyone?"})  # nobody lives at Pirot
    await release_broadcasts(app)
    found = await status(app, broadcast_id)
    assert (found.status, found.recipients) == (BroadcastStatus.DONE, 0)
    rec = Recorder()
    await worker(app, rec).drain()
    assert [o.key for o in rec.sent] == ["bc.report"] and "Delivered: 0" in rec.sent[0].text
    async with session_factory(app.engine)() as s:
        rows = (await s.execute(select(OutboxRow.ref))).scalars().all()
    assert rows == [None]


class Stalling(SimTime):
    """Simulated time in which the process freezes once (a long garbage collection)."""

    def __init__(self, at: float, seconds: float) -> None:
        super().__init__()
        self.stall_at: float | None = at
        self.stall = seconds

    def woken_at(self, at: float) -> float:
        woken = super().woken_at(at)
        if self.stall_at is not None and woken >= self.stall_at:
            woken += self.stall  # everyone waiting for a slot wakes late
            self.stall_at = None
        return woken


async def test_a_stall_midway_does_not_send_the_missed_slots_in_one_burst(app):
    by = await admin_at_tutin(app)
    await crowd(app, 20)
    broadcast_id = await announce(app, by, {"en": "Paced"})
    sim = Stalling(at=0.45, seconds=0.55)
    sends: list[float] = []

    class Timed:
        async def send(self, chat_id, out):
            sends.append(sim.t)
            return Result(Verdict.SENT)

    w = DeliveryWorker(
        app.uow, app.clock, app.translator,
        {"telegram": Platform(Timed(), Limiter(10, 100))},
        monotonic=sim.monotonic, sleep=sim.sleep,
    )  # fmt: skip
    await sim.run(w.drain())
    assert len(sends) == 20 and (await report(app, broadcast_id))["delivered"] == 20
    # Slots 0.5 … 0.9 passed while the process stood still: they are booked again after the
    # others, so no second holds more than the rate (plus the one slot a wake-up may lag).
    busiest = max(sum(start <= t < start + 1 for t in sends) for start in sends)
    assert busiest <= 10 + 1, sorted(sends)


async def test_a_scheduled_announcement_whose_sender_lost_the_role_is_not_sent(app, clock):
    from datetime import timedelta

    from bot.scheduler import release_broadcasts
    from handlers.model import BroadcastStatus

    async with app.uow() as uow:
        sender = await uow.users.register(
            platform="telegram", external_id="boss", chat_id="boss", locale="en",
            centre_id=None, consent_version="v1", now=clock.now(),
        )  # fmt: skip
        await uow.users.grant(sender.id, Role.ADMIN, clock.now())
        draft = await uow.broadcasts.create(
            created_by=sender.id, texts={"en": "Hello"}, default_locale="en", now=clock.now()
        )
        await uow.broadcasts.schedule(draft.id, clock.now() + timedelta(hours=1), sender.id)
        await uow.users.revoke(sender.id, Role.ADMIN)
        await uow.commit()
    clock.advance(hours=1)
    assert await release_broadcasts(app) == 0
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(draft.id)).status is BroadcastStatus.CANCELLED
