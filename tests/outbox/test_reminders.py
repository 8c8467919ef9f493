"""Reminders: planned with an event, sent when due in the person's language, never twice (not
even released by two processes at once), dropped with their event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.bootstrap import build
from bot.config import load_settings
from bot.scheduler import release_reminders
from handlers.flows.events import CANCELLERS, cancels
from handlers.notices import name
from handlers.usecases import reminders
from storage.db import create_engine, session_factory
from storage.models import OutboxRow, ReminderRow
from storage.outbox import Outcome
from tests.support.outbox import (
    REMINDER_OFFSETS,
    Recorder,
    enqueue,
    news,
    onboard,
    plan_reminders,
    tick,
    worker,
)


async def test_due_reminders_go_out_once_each_in_the_persons_language(app, person, clock, db):
    rec = Recorder()
    w = worker(app, rec)
    ana = await onboard(app, person("ana"), "de")
    ben = await onboard(app, person("ben"), "sr_Cyrl")
    starts = clock.now() + timedelta(days=3)
    assert await plan_reminders(app, ana, "test:1", starts) == 2
    assert await plan_reminders(app, ben, "test:1", starts + timedelta(hours=1)) == 2

    clock.advance(days=1, hours=23, minutes=59)  # one minute before the first 24 h reminder
    await tick(app, w)
    assert rec.sent == []

    clock.advance(minutes=1)
    await tick(app, w)
    assert [o.chat_id for o in rec.sent] == ["ana"]
    assert rec.sent[0].text.startswith("Erinnerung: School support")
    assert [b.label for b in rec.sent[0].buttons] == ["✅ Ich komme", "❌ Ich kann nicht kommen"]

    clock.advance(hours=1)
    await tick(app, w)
    assert [o.chat_id for o in rec.sent] == ["ana", "ben"]
    assert "Пирот" in rec.sent[1].text, "a Cyrillic reader sees the centre in Cyrillic"

    # A new App on the same database (a restart) sends nothing again and loses nothing.
    settings = load_settings(database_url=db, default_locale="en")
    again = await build(settings, clock=clock, engine=app.engine, translator=app.translator)
    rec2 = Recorder()
    w2 = worker(again, rec2)
    await tick(again, w2)
    assert rec2.sent == []
    clock.advance(hours=22)  # both 2 h reminders are due now
    await tick(again, w2)
    assert sorted(o.chat_id for o in rec2.sent) == ["ana", "ben"]
    await tick(app, w)
    assert len(rec.sent) == 2, "the first app's worker finds nothing left"


async def test_cancelled_or_moved_events_keep_their_reminders_in_step(app, person, clock):
    rec = Recorder()
    w = worker(app, rec)
    ana = await onboard(app, person("ana"))
    starts = clock.now() + timedelta(days=2)
    await plan_reminders(app, ana, "test:2", starts)
    await plan_reminders(app, ana, "test:3", starts)
    async with app.uow() as uow:
        await reminders.cancel(uow, ref="test:2", now=clock.now())
        await reminders.replan(
            uow, user_id=ana, ref="test:3", starts_at=starts + timedelta(days=1),
            offsets=REMINDER_OFFSETS, now=clock.now(), what="Moved", where=name("Pirot"),
        )  # fmt: skip
        await uow.commit()
    clock.advance(days=1)  # test:2's and test:3's old 24 h reminders would be due now
    await tick(app, w)
    assert rec.sent == []
    clock.advance(days=1)
    await tick(app, w)
    assert [o.text.split(",")[0] for o in rec.sent] == ["Reminder: Moved"]


async def test_a_queued_reminder_is_dropped_when_its_event_is_cancelled(app, person, clock):
    rec = Recorder()
    w = worker(app, rec)
    ana = await onboard(app, person("ana"))
    await plan_reminders(app, ana, "test:4", clock.now() + timedelta(days=2))
    clock.advance(days=1)
    async with app.uow() as uow:  # released into the outbox, not yet sent
        await reminders.release_due(uow, clock.now())
        await reminders.cancel(uow, ref="test:4", now=clock.now())
        await uow.commit()
    await w.drain()
    assert rec.sent == []


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


async def test_no_late_reminders_and_none_for_people_who_turned_them_off(app, person, clock):
    rec = Recorder()
    w = worker(app, rec)
    ana = await onboard(app, person("ana"))
    ben = await onboard(app, person("ben"))
    await plan_reminders(app, ana, "test:5", clock.now() + timedelta(days=2))
    await plan_reminders(app, ben, "test:6", clock.now() + timedelta(days=5))
    async with app.uow() as uow:
        await uow.users.update(ben, reminders_on=False)
        await uow.commit()
    clock.advance(days=3)  # the bot was down: ana's event has started meanwhile
    await tick(app, w)
    clock.advance(days=3)
    await tick(app, w)
    assert rec.sent == []
    async with session_factory(app.engine)() as s:
        statuses = (await s.execute(select(ReminderRow.status))).scalars().all()
    assert set(statuses) == {"dropped"}


async def test_reminder_buttons_store_the_answer_and_cant_come_cancels(app, person, clock):
    calls = []

    @cancels("fake")
    async def cancel_fake(ctx, ref):
        calls.append((ctx.user.id, ref))
        return ctx.reply(reminders.REMINDER, what="x", when="y", where="z")

    try:
        rec = Recorder()
        w = worker(app, rec)
        ana_p = person("ana")
        ana = await onboard(app, ana_p)
        await plan_reminders(app, ana, "fake:7", clock.now() + timedelta(days=2))
        await plan_reminders(app, ana, "fake:8", clock.now() + timedelta(days=2, hours=1))
        clock.advance(days=1, hours=1)
        await tick(app, w)
        first, second = rec.sent
        await ana_p.press_payload(first.buttons[0].payload)
        assert ana_p.keys == ["reminder.coming"]
        await ana_p.press_payload(second.buttons[1].payload)
        assert calls == [(ana, "fake:8")]
        clock.advance(hours=22)  # both events' 2 h reminders are due by now
        await tick(app, w)
        assert len(rec.sent) == 3, "after 'I can't come' no more reminders of that event"

        intruder = person("eve")
        await onboard(app, intruder)
        await intruder.press_payload(first.buttons[1].payload)
        assert intruder.keys[0] == "common.expired", (
            "someone else's reminder is not theirs to answer"
        )
        async with session_factory(app.engine)() as s:
            answers = (
                await s.execute(
                    select(ReminderRow.ref, ReminderRow.answer).where(
                        ReminderRow.answer.is_not(None)
                    )
                )
            ).all()
        assert sorted(answers) == [("fake:7", "coming"), ("fake:8", "not_coming")]
    finally:
        CANCELLERS.pop("fake", None)


async def test_deleting_my_data_removes_my_reminders_and_queued_messages(app, person, clock):
    ana_p = person("ana")
    ana = await onboard(app, ana_p)
    await plan_reminders(app, ana, "test:9", clock.now() + timedelta(days=2))
    clock.advance(days=1)
    async with app.uow() as uow:
        await reminders.release_due(uow, clock.now())
        await uow.commit()
    async with app.uow() as uow:
        await uow.users.delete(ana)
        await uow.commit()
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(OutboxRow))).first() is None
        assert (await s.execute(select(ReminderRow))).first() is None


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
    engine = create_engine(db)
    try:
        other = await build(
            load_settings(database_url=db), clock=clock, engine=engine,
            translator=app.translator, check_schema=False,
        )  # fmt: skip
        await asyncio.gather(release_reminders(app), release_reminders(other))
    finally:
        await engine.dispose()
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"queued": 40}
