"""Workshops through the core: find, sign up (self, child, series), waiting list, cancel."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from handlers.model import Audience
from storage.db import session_factory
from storage.models import BookingRow, ReminderRow
from tests.support import START
from tests.support.journeys import browse, joined, programme
from tests.support.outbox import Recorder, tick, worker

BELGRADE = ZoneInfo("Europe/Belgrade")


async def test_find_and_sign_up_with_calendar_file_pin_and_reminders(app, person):
    await programme(app)
    ana = await joined(person)
    await ana.press("Workshops")
    assert ana.keys == ["ws.kind"] and "Pirot" in ana.last.text
    await ana.press("All kinds")
    await ana.press("This week")
    assert ana.keys == ["ws.list"]
    assert any(label.startswith("Tue 16:00 · Computer basics · 5 free") for label in ana.labels)
    await ana.press(next(label for label in ana.labels if "Computer basics" in label))
    assert ana.keys == ["ws.details"]
    assert "Free places: 5 of 5" in ana.last.text and "For: adults" in ana.last.text
    await ana.press("Sign me up")
    assert ana.keys == ["ws.signed_up", "ws.pin"]
    doc = ana.replies[0].document
    event = icalendar.Calendar.from_ical(doc.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 11, 24, 16, 0, tzinfo=BELGRADE)
    assert event.decoded("dtstart").tzinfo.key == "Europe/Belgrade"
    assert "Pirot" in str(event["location"]) and event.walk("VALARM")
    assert ana.replies[1].location is not None
    async with session_factory(app.engine)() as s:
        refs = (await s.execute(select(ReminderRow.ref))).scalars().all()
    assert len(refs) == 2 and len(set(refs)) == 1 and refs[0].startswith("ws:")

    await browse(ana)
    await ana.press("Sign me up")
    assert ana.keys == ["ws.already"], "one place per person"


async def test_a_child_is_signed_up_with_first_name_and_an_age_that_fits(app, person):
    await programme(app, audience=Audience.CHILDREN, title="Homework club")
    mum = await joined(person, "mum")
    await browse(mum, "Homework club")
    assert "Sign me up" not in " ".join(mum.labels), "children's workshops take children"
    await mum.press("Sign up my child")
    await mum.send("Ana 123")
    assert mum.keys == ["ws.bad_name"]
    await mum.send("Ana")
    await mum.send("fifteen")
    assert mum.keys == ["ws.bad_age"]
    await mum.send("15")
    assert mum.keys == ["ws.wrong_age"] and "children 6–10" in mum.last.text
    await browse(mum, "Homework club")
    await mum.press("Sign up my child")
    await mum.send("Ana")
    await mum.send("8")
    assert mum.keys == ["ws.signed_up_child", "ws.pin"] and "Ana has a place" in mum.replies[0].text
    await browse(mum, "Homework club")
    await mum.press("Sign up my child")
    await mum.send("Marko")
    await mum.send("9")
    assert mum.keys[0] == "ws.signed_up_child", "a second child gets their own place"


async def test_waiting_list_gets_the_freed_place_and_is_told_through_the_outbox(app, person):
    await programme(app, capacity=1)
    ana, ben = await joined(person, "ana"), await joined(person, "ben")
    await browse(ana)
    await ana.press("Sign me up")
    await browse(ben)
    assert "Free places: 0 of 1" in ben.last.text
    await ben.press("Put me on the waiting list")
    assert ben.keys == ["ws.waiting"] and "number 1" in ben.last.text

    await ana.send("/menu")
    await ana.press("My bookings")
    await ana.press(next(label for label in ana.labels if "Computer basics" in label))
    await ana.press("Cancel my place")
    assert ana.keys == ["ws.cancel_ask"]
    await ana.press("Yes, cancel")
    assert ana.keys == ["ws.cancelled"]

    rec = Recorder()
    await tick(app, worker(app, rec))
    (notice,) = rec.to("ben")
    assert notice.key == "ws.place_freed" and "Computer basics" in notice.text
    await ben.press_payload(notice.buttons[0].payload)  # "Give the place back"
    assert ben.keys == ["ws.cancel_ask"]
    await ben.press("No, keep it")
    assert ben.keys == ["ws.mine"]
    assert any("Computer basics" in label and "⏳" not in label for label in ben.labels)


async def test_whole_series_and_cant_come_on_a_reminder(app, person, clock):
    await programme(app, weeks=3)
    ana = await joined(person)
    await browse(ana)
    assert "3 sessions" in ana.last.text
    await ana.press("Sign me up for all")
    assert ana.keys == ["ws.signed_up_series", "ws.pin"] and "3 sessions" in ana.replies[0].text
    async with session_factory(app.engine)() as s:
        assert len((await s.execute(select(BookingRow))).all()) == 3
        assert len((await s.execute(select(ReminderRow))).all()) == 6

    rec = Recorder()
    clock.advance(days=1, hours=4, minutes=30)  # the first session's reminders are due
    await tick(app, worker(app, rec))
    reminder = rec.to("ana")[-1]
    await ana.press_payload(reminder.buttons[1].payload)  # "I can't come"
    assert ana.keys == ["ws.cancelled"]
    await ana.press("My bookings")  # on the main menu under "Cancelled"
    assert len([label for label in ana.labels if "Computer basics" in label]) == 2


async def test_fifty_people_press_sign_me_up_for_the_last_place_at_once(app, person):
    await programme(app, capacity=1)
    crowd = [await joined(person, f"p{n}") for n in range(50)]
    for p in crowd:
        await browse(p)
    payload = crowd[0].find("Sign me up").payload
    await asyncio.gather(*(p.press_payload(payload) for p in crowd))
    outcomes = sorted(p.keys[0] for p in crowd)
    assert outcomes.count("ws.signed_up") == 1 and outcomes.count("ws.waiting") == 49


async def test_forged_and_stale_workshop_buttons_are_refused_kindly(app, person):
    (sid,) = await programme(app)
    ana = await joined(person)
    for payload in ("ws:s:999999", "ws:me:abc", "ws:xx:1", "ws:l:1:nonsense:0:0", "ws:k:77"):
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload
    eve = await joined(person, "eve")
    await browse(ana)
    await ana.press("Sign me up")
    async with session_factory(app.engine)() as s:
        booking = (await s.execute(select(BookingRow.id))).scalar_one()
    await eve.press_payload(f"ws:xx:{booking}")
    assert eve.keys == ["common.expired"], "someone else's booking cannot be cancelled"
    assert sid


def test_calendar_times_across_the_end_of_summer_time():
    from handlers.calendar import session_ics

    for day, utc_hour in ((26, 14), (2, 15)):  # 2027-10-26 (summer) and 2027-11-02 (winter)
        month = 10 if day == 26 else 11
        start = datetime(2027, month, day, 16, 0, tzinfo=BELGRADE)
        doc = session_ics(
            uid="x", title="School support", starts_at=start, ends_at=start + timedelta(hours=1),
            location="Pirot", timezone="Europe/Belgrade", now=START,
        )  # fmt: skip
        event = icalendar.Calendar.from_ical(doc.content).walk("VEVENT")[0]
        assert event.decoded("dtstart").astimezone(ZoneInfo("UTC")).hour == utc_hour
        assert event.decoded("dtstart").hour == 16
        assert b"BEGIN:VTIMEZONE" in doc.content


async def test_deleting_my_data_gives_my_place_to_the_next_in_line(app, person):
    await programme(app, capacity=1)
    ana, ben = await joined(person, "ana"), await joined(person, "ben")
    await browse(ana)
    await ana.press("Sign me up")
    await browse(ben)
    await ben.press("Put me on the waiting list")
    await ana.send("/menu")
    await ana.press("Settings")
    await ana.press("Delete my data")
    await ana.press("Yes, delete my data")
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("ben")] == ["ws.place_freed"]
    async with session_factory(app.engine)() as s:
        assert len((await s.execute(select(BookingRow))).all()) == 1, "ana's rows are gone"


async def test_all_from_a_later_session_books_that_one_and_the_rest(app, person):
    await programme(app, weeks=3)
    ana = await joined(person)
    await ana.send("/menu")
    await ana.press("Workshops")
    await ana.press("All kinds")
    await ana.press("Next week")
    await ana.press(next(label for label in ana.labels if "Computer basics" in label))
    assert "2 sessions from this one on" in ana.last.text
    await ana.press("Sign me up for all")
    event_days = [
        e.decoded("dtstart").day
        for e in icalendar.Calendar.from_ical(ana.replies[0].document.content).walk("VEVENT")
    ]
    assert event_days == [1, 8], "this session and the next, not last week's"
    for typed in ("²", "9999999999999"):
        await ana.press_payload(f"ws:s:{typed}")
        assert ana.keys == ["common.expired"]
    await browse(ana)  # this week's session, not part of "all from next week"
    await ana.press("Sign me up")
    assert ana.keys[0] == "ws.signed_up"


async def test_a_session_called_off_takes_no_more_bookings(app):
    (sid,) = await programme(app)
    async with app.uow() as uow:
        user = await uow.users.register(
            platform="telegram", external_id="z", chat_id="z", locale="en", centre_id=None,
            consent_version="1", now=START,
        )  # fmt: skip
        await uow.workshops.cancel_session(sid, START)
        await uow.commit()
    import pytest

    from handlers.ports import Conflict

    async with app.uow() as uow:
        with pytest.raises(Conflict):
            await uow.workshops.book(sid, user.id, START)
