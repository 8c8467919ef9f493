"""Legal advice through the core: book, one at a time, move, cancel, the last-slot race."""

from __future__ import annotations

import asyncio

import icalendar
from sqlalchemy import select, update

from storage.db import session_factory
from storage.models import AdviserRow, AppointmentRow, ReminderRow
from tests.support.journeys import joined, to_times
from tests.support.outbox import Recorder, tick, user_id, worker


async def test_book_a_free_time_with_calendar_reminders_and_the_adviser_told(app, person):
    adviser = await joined(person, "marko")
    async with session_factory(app.engine)() as s, s.begin():
        await s.execute(
            update(AdviserRow).where(AdviserRow.name == "Marko")
            .values(user_id=await user_id(app, adviser))
        )  # fmt: skip
    ana = await joined(person)  # her centre is Pirot: Marko on Tuesdays, Amra on Thursdays
    await ana.send("/menu")
    await ana.press("Legal advice")
    assert ana.keys == ["lg.topic"] and len(ana.labels) == 9
    await ana.press("Documents and ID")
    assert ana.keys == ["lg.day"]
    assert ana.labels[:4] == ["Tue 24.11.", "Thu 26.11.", "Tue 01.12.", "Thu 03.12."]
    await ana.press("Tue 01.12.")  # a week ahead, so both reminders (24 h and 2 h) are due
    assert ana.labels[:3] == ["09:00", "09:30", "10:00"] and "12:30" in ana.labels
    await ana.press("09:30")
    assert ana.keys == ["lg.confirm"] and "Documents and ID" in ana.last.text
    await ana.press("Yes, book it")
    assert ana.keys == ["lg.booked", "lg.pin"]
    event = icalendar.Calendar.from_ical(ana.replies[0].document.content).walk("VEVENT")[0]
    assert event.decoded("dtstart").strftime("%H:%M") == "09:30"
    async with session_factory(app.engine)() as s:
        assert len((await s.execute(select(ReminderRow))).all()) == 2
        (topic,) = (await s.execute(select(AppointmentRow.topic))).scalars()
    assert topic == "docs", "only the topic is kept about the case"

    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("marko")] == ["lg.adviser_new"]

    await ana.send("/menu")
    await ana.press("Legal advice")
    assert ana.keys == ["lg.yours"], "one appointment at a time: she is offered to move it"
    await ana.send("/menu")
    await ana.press("My bookings")
    assert any("Legal advice" in label for label in ana.labels)


async def test_one_at_a_time_moving_keeps_the_old_until_the_new_is_held_then_cancel(app, person):
    ana = await joined(person)
    await to_times(ana)
    await ana.press("09:00")
    await ana.press("Yes, book it")
    await ana.send("/menu")
    await ana.press("Legal advice")
    assert ana.keys == ["lg.yours"]
    await ana.press("Move it")
    await ana.press("Thu 26.11.")
    assert ana.labels[0] == "14:00"
    await ana.press("14:45")
    await ana.press("Yes, book it")
    assert ana.keys == ["lg.booked", "lg.pin"]
    async with session_factory(app.engine)() as s:
        rows = (await s.execute(select(AppointmentRow.status).order_by(AppointmentRow.id))).all()
    assert [r.status for r in rows] == ["cancelled", "booked"]

    ben = await joined(person, "ben")
    await to_times(ben)
    assert "09:00" in ben.labels, "the moved-from time is free again"

    await ana.send("/menu")
    await ana.press("Legal advice")
    await ana.press("Cancel it")
    await ana.press("Yes, cancel")
    assert ana.keys == ["lg.cancelled"]
    async with session_factory(app.engine)() as s:
        pending = select(ReminderRow).where(ReminderRow.status == "pending")
        assert (await s.execute(pending)).first() is None


async def test_fifty_people_for_one_slot_one_booking_and_49_next_free_times(app, person):
    crowd = [await joined(person, f"p{n}") for n in range(50)]
    for p in crowd:
        await to_times(p)
        await p.press("11:00")
    payload = crowd[0].find("Yes, book it").payload
    await asyncio.gather(*(p.press_payload(payload) for p in crowd))
    keys = [p.keys[0] for p in crowd]
    assert keys.count("lg.booked") == 1 and keys.count("lg.taken") == 49
    loser = next(p for p in crowd if p.keys[0] == "lg.taken")
    assert "11:00" not in loser.labels and "11:30" in loser.labels
    async with session_factory(app.engine)() as s:
        booked = select(AppointmentRow).where(AppointmentRow.status == "booked")
        assert len((await s.execute(booked)).all()) == 1


async def test_forged_legal_buttons_are_refused(app, person):
    ana = await joined(person)
    for payload in ("lg:t:crime", "lg:d:docs:999", "lg:bk:docs:1:²", "lg:xx:1", "lg:h:docs:1:2026"):
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload
