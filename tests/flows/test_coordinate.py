"""Coordinators: publish a workshop step by step, change or cancel a session, attendance."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import session_factory
from storage.models import BookingRow, ReminderRow, SessionRow
from tests.support.journeys import browse, coordinator, joined, open_session, programme
from tests.support.outbox import Recorder, tick, user_id, worker


async def test_only_coordinators_and_admins_get_in(app, person):
    (sid,) = await programme(app)
    ana = await joined(person)
    await ana.send("/menu")
    assert "🗂 Coordinate workshops" not in ana.labels
    for payload in ("cw:home", "cw:new", f"cw:s:{sid}", f"cw:xx:{sid}", "cw:n:publish"):
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(SessionRow.status))).scalars().all().count("cancelled") == 0


async def test_a_coordinator_publishes_a_weekly_workshop_in_two_languages(app, person):
    co = await coordinator(app, person)
    await co.press("Coordinate workshops")
    await co.press("New workshop")
    await co.send("Bike repair for beginners")
    await co.press("Deutsch")
    await co.send("Fahrradreparatur für Anfänger")
    await co.press("Next")
    await co.press("Vocational training")
    await co.press("adults")
    await co.press("Pirot")
    await co.send("32.13.2026")
    assert co.keys == ["cw.bad_date"]
    await co.send("25.11.2026")
    await co.send("17:30")
    await co.press("90 min")
    await co.send("0")
    assert co.keys == ["cw.bad_number"]
    await co.send("8")
    await co.send("9.12.2026")
    assert co.keys == ["cw.preview"]
    assert "Sessions: 3" in co.last.text and "Places: 8" in co.last.text
    await co.press("Publish")
    assert co.keys == ["cw.published"] and "3 sessions" in co.last.text

    ben = await joined(person, "ben")
    async with app.uow() as uow:
        await uow.users.update(await user_id(app, ben), locale="de")
        await uow.commit()
    await ben.send("/menu")
    await ben.press("Workshops")
    await ben.press("Alle Arten")
    await ben.press_payload(ben.last.keyboard[0][0].payload)  # this week
    assert any("Fahrradreparatur" in label for label in ben.labels)


async def test_capacity_cannot_drop_below_places_taken_and_raising_it_promotes(app, person):
    await programme(app, capacity=1)
    ana, ben = await joined(person, "ana"), await joined(person, "ben")
    await browse(ana)
    await ana.press("Sign me up")
    await browse(ben)
    await ben.press("Put me on the waiting list")
    co = await coordinator(app, person)
    await open_session(co)
    assert "Places taken: 1 of 1; waiting: 1" in co.last.text
    await co.press("Change places")
    await co.send("0")
    assert co.keys == ["cw.bad_number"]
    await co.send("2")
    assert co.keys == ["cw.capacity_saved", "cw.session"]
    assert "Places taken: 2 of 2; waiting: 0" in co.last.text
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("ben")] == ["ws.place_freed"]


async def test_lowering_capacity_below_places_taken_is_refused(app, person):
    await programme(app, capacity=3)
    for name in ("ana", "ben"):
        p = await joined(person, name)
        await browse(p)
        await p.press("Sign me up")
    co = await coordinator(app, person)
    await open_session(co)
    await co.press("Change places")
    await co.send("1")
    assert co.keys == ["cw.capacity_too_low"] and "2 people already have a place" in co.last.text


async def test_cancelling_a_session_tells_everyone_in_their_language(app, person):
    await programme(app, capacity=1)
    ana, ben = await joined(person, "ana"), await joined(person, "ben")
    await browse(ana)
    await ana.press("Sign me up")
    await browse(ben)
    await ben.press("Put me on the waiting list")
    async with app.uow() as uow:  # ben reads German by the time the news goes out
        await uow.users.update(await user_id(app, ben), locale="de")
        await uow.commit()
    co = await coordinator(app, person)
    await open_session(co)
    await co.press("Cancel session")
    assert "2 people will be told" in co.last.text
    await co.press("Yes, cancel the session")
    assert co.keys == ["cw.cancelled"]
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert rec.to("ana")[0].text.startswith("Sorry, Computer basics")
    assert rec.to("ben")[0].text.startswith("Leider")
    async with session_factory(app.engine)() as s:
        assert set((await s.execute(select(BookingRow.status))).scalars()) == {"cancelled"}
        assert (
            await s.execute(select(ReminderRow).where(ReminderRow.status == "pending"))
        ).first() is None


async def test_moving_a_session_keeps_places_and_moves_reminders(app, person):
    await programme(app)
    ana = await joined(person)
    await browse(ana)
    await ana.press("Sign me up")
    co = await coordinator(app, person)
    await open_session(co)
    await co.press("Change time")
    await co.send("tomorrow")
    assert co.keys == ["cw.ask_move"]
    await co.send("26.11. 18:00")
    assert co.keys == ["cw.moved", "cw.session"]
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert rec.to("ana")[0].key == "ws.session_moved"
    async with session_factory(app.engine)() as s:
        times = (
            (await s.execute(select(ReminderRow.starts_at).where(ReminderRow.status == "pending")))
            .scalars()
            .all()
        )
    assert len(times) == 2 and all(t.day == 26 and t.hour == 17 for t in times)


async def test_attendance_is_marked_from_the_chat(app, person):
    await programme(app)
    ana = await joined(person)
    await browse(ana)
    await ana.press("Sign me up")
    co = await coordinator(app, person)
    await open_session(co)
    await co.press("Who is coming")
    assert co.keys == ["cw.people"] and "(1)" in co.last.text
    await co.press_payload(co.last.keyboard[0][1].payload)  # ✅ for the first person
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(BookingRow.attended))).scalar_one() is True
    assert co.last.keyboard[0][0].label.startswith("✅")


async def test_old_buttons_odd_dates_and_a_session_under_way_get_kind_answers(app, person, clock):
    (sid,) = await programme(app)
    co = await coordinator(app, person)
    await co.press("Coordinate workshops")
    await co.press("New workshop")
    await co.send("Chess club")
    for payload in ("cw:n:once", "cw:n:min:60", "cw:n:centre:1", "cw:n:publish", "cw:n:aud:adults"):
        await co.press_payload(payload)
        assert co.keys == ["common.expired"], payload
    await co.send("/menu")
    await co.press("Coordinate workshops")
    await co.press("New workshop")
    await co.send("Chess club")
    await co.press("Next")
    await co.press("Sport")
    await co.press("adults")
    await co.press("Pirot")
    for typed in ("99999999999999999999.1.2026", "29.02.2027", "1.1.2099", "²"):
        await co.send(typed)
        assert co.keys == ["cw.bad_date"], typed

    for payload in ("cw:s:9999999999", "cw:a:²:1", "cw:l:²:0"):
        await co.press_payload(payload)
        assert co.keys == ["common.expired"], payload

    clock.advance(days=1, hours=6, minutes=30)  # Tuesday 16:30 in Belgrade: it is under way
    await co.send("/menu")
    await co.press("Coordinate workshops")
    await co.press("Pirot")
    assert any("Computer basics" in label for label in co.labels)
    assert sid


async def test_moving_keeps_a_freed_place_notice_and_tells_the_waiting_list(app, person):
    await programme(app, capacity=1)
    ana, ben, cai = [await joined(person, n) for n in ("ana", "ben", "cai")]
    await browse(ana)
    await ana.press("Sign me up")
    for p in (ben, cai):
        await browse(p)
        await p.press("Put me on the waiting list")
    await ana.send("/menu")
    await ana.press("My bookings")
    await ana.press(next(label for label in ana.labels if "Computer basics" in label))
    await ana.press("Cancel my place")
    await ana.press("Yes, cancel")  # ben gets the place; his notice is queued
    co = await coordinator(app, person)
    await open_session(co)
    await co.press("Change time")
    await co.send("28.03.2027 02:30")  # the hour the clocks skip
    assert co.keys == ["cw.ask_move"]
    await co.send("26.11. 18:00")
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("ben")] == ["ws.place_freed", "ws.session_moved"]
    assert [o.key for o in rec.to("cai")] == ["ws.session_moved_waiting"]
