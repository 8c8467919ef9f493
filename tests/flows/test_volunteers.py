"""Volunteers: the request form, shifts, the day-before question, check-in and out, hours."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

import icalendar
import pytest
from sqlalchemy import select

from bot.scheduler import release_shift_work
from handlers.model import ConversationState, Task
from handlers.rules.shifts import hours_text, worked
from storage.db import session_factory
from storage.models import ConsentRow, OutboxRow, ShiftSignupRow, VolunteerRow
from tests.support import START, personal_rows
from tests.support.journeys import (
    PIROT,
    joined,
    local,
    pirot_coordinator,
    shift,
    volunteer,
    volunteering,
)
from tests.support.outbox import Recorder, user_id, worker


async def open_shift(p, label_part="translation"):
    await volunteering(p)
    await p.press("Open shifts")
    await p.press(next(label for label in p.labels if label_part in label))


async def deliver(app, recorder):
    """What the scheduler and the delivery worker do at the clock's current time."""
    await release_shift_work(app)
    await worker(app, recorder, quiet_hours=(time(22), time(8))).drain()


async def test_a_person_offers_to_volunteer_and_coordinators_hear_of_it(app, person):
    co = await pirot_coordinator(app, person)
    ana = await joined(person)
    await ana.press("Volunteer")
    assert ana.keys == ["vol.intro"]
    await ana.press("I want to volunteer")
    await ana.send("Ana 123")
    assert ana.keys == ["vol.bad_name"]
    await ana.send("Ana")
    assert ana.keys == ["vol.ask_centre"]
    await ana.send("Pirot please")
    assert ana.keys == ["common.again"], "typed text where a centre button is expected"
    await ana.press("Pirot")
    await ana.press("Done")
    assert ana.keys == ["vol.no_tasks"]
    await ana.press("translation")
    await ana.press("events")
    await ana.press("translation")  # changed her mind
    assert "✅ events" in ana.labels and "▫️ translation" in ana.labels
    await ana.press("Done")
    assert ana.keys == ["vol.phone_consent"]
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(VolunteerRow))).first() is None, "nothing before Send"
    await ana.press("Yes, add my number")
    await ana.send("call me")
    assert ana.keys == ["vol.bad_phone"]
    await ana.send("064 123 4567")
    assert ana.keys == ["vol.pending"] and "Pirot" in ana.last.text
    async with session_factory(app.engine)() as s:
        row = (await s.execute(select(VolunteerRow))).scalar_one()
        kinds = (await s.execute(select(ConsentRow.kind))).scalars().all()
    assert (row.first_name, row.tasks, row.phone, row.status) == (
        "Ana", ["events"], "064 123 4567", "pending",
    )  # fmt: skip
    assert sorted(kinds).count("phone") == 1

    recorder = Recorder()
    await worker(app, recorder).drain()
    (told,) = recorder.to(co.user_id)
    assert told.key == "vol.new_request" and "Ana" in told.text and "Pirot" in told.text
    assert told.buttons[0].payload == f"cv:r:{row.id}"

    await ana.press("Volunteer")
    assert ana.keys == ["vol.pending"], "asking again shows where the request stands"
    await ana.press_payload("vol:join")
    assert ana.keys == ["vol.pending"]


async def test_without_a_phone_and_after_a_refusal_a_new_request_can_be_sent(app, person):
    ben = await joined(person, "ben")
    await ben.press("Volunteer")
    await ben.press("I want to volunteer")
    await ben.send("Ben")
    await ben.press("Pirot")
    await ben.press("driving")
    await ben.press("Done")
    await ben.send("yes")
    assert ben.keys == ["common.again"], "typed text is never taken as a yes to the phone"
    await ben.press("No, only messages here")
    assert ben.keys == ["vol.pending"]
    async with app.uow() as uow:
        request = await uow.volunteers.of_user(await user_id(app, ben))
        assert request.phone is None
        await uow.volunteers.decide(request.id, approved=False, by=request.user_id, now=START)
        await uow.commit()
    await ben.send("/menu")
    await ben.press("Volunteer")
    assert ben.keys == ["vol.refused"]
    await ben.press("I want to volunteer")
    assert ben.keys == ["vol.ask_name"]


async def test_only_approved_volunteers_reach_shifts(app, person):
    sid = await shift(app)
    ana = await joined(person)
    for payload in ("vol:l:1:0", f"vol:s:{sid}", f"vol:su:{sid}", "vol:mine", "vol:now",
                    "vol:hours", "vol:yes:1", "vol:ci:1"):  # fmt: skip
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(ShiftSignupRow))).first() is None


async def test_sign_up_with_calendar_file_places_and_no_double_booking(app, person):
    sid = await shift(app, places=2, note="Bring a pen")
    await shift(app, start="12:00", end="15:00", task=Task.EVENTS)
    vesna = await volunteer(app, person)
    await volunteering(vesna)
    assert vesna.keys == ["vol.home"]
    await vesna.press("Open shifts")
    assert vesna.keys == ["vol.shifts"]
    assert "Wed 25.11. 10:00–13:00 · translation · 2 free" in vesna.labels
    await vesna.press("Wed 25.11. 10:00–13:00 · translation · 2 free")
    assert "Places left: 2 of 2" in vesna.last.text and "Bring a pen" in vesna.last.text
    await vesna.press("Sign me up")
    assert vesna.keys == ["vol.signed"]
    event = icalendar.Calendar.from_ical(vesna.last.document.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == local(25, "10:00")

    await vesna.press_payload(f"vol:su:{sid}")
    assert vesna.keys == ["vol.already"]
    await open_shift(vesna, "events")
    await vesna.press("Sign me up")
    assert vesna.keys == ["vol.overlap"] and "translation" in vesna.last.text

    luka = await volunteer(app, person, "luka", "Luka")
    await open_shift(luka)
    assert "Places left: 1 of 2" in luka.last.text
    await luka.press("Sign me up")
    emina = await volunteer(app, person, "emina", "Emina")
    await emina.press_payload(f"vol:su:{sid}")
    assert emina.keys == ["vol.full"]
    await volunteering(emina)
    await emina.press("Open shifts")
    assert "Wed 25.11. 10:00–13:00 · translation · full" in emina.labels


async def test_twenty_volunteers_press_sign_up_for_three_places_at_once(app, person):
    sid = await shift(app, places=3)
    people = [await volunteer(app, person, f"v{i}", f"V{chr(97 + i)}") for i in range(20)]
    await asyncio.gather(*(p.press_payload(f"vol:su:{sid}") for p in people))
    keys = sorted(p.keys[0] for p in people)
    assert keys.count("vol.signed") == 3 and keys.count("vol.full") == 17
    async with app.uow() as uow:
        assert (await uow.shifts.get(sid)).taken == 3


async def test_one_volunteer_pressing_two_overlapping_shifts_at_once_gets_one(app, person):
    first = await shift(app)
    second = await shift(app, start="11:00", end="12:00", task=Task.EVENTS)
    vesna = await volunteer(app, person)
    twin = type(vesna)(vesna.conversation, vesna.user_id)
    await asyncio.gather(
        vesna.press_payload(f"vol:su:{first}"), twin.press_payload(f"vol:su:{second}")
    )
    assert sorted([vesna.keys[0], twin.keys[0]]) == ["vol.overlap", "vol.signed"]
    async with app.uow() as uow:
        assert len(await uow.shifts.mine(await user_id(app, vesna), START)) == 1


async def test_the_day_before_yes_no_and_silence(app, person, clock):
    co = await pirot_coordinator(app, person)
    sid = await shift(app, day=25, start="16:00", end="19:00")
    answers = {}
    for name in ("yes", "no", "quiet"):
        p = await volunteer(app, person, name, name.title())
        await p.press_payload(f"vol:su:{sid}")
        answers[name] = p
    recorder = Recorder()
    await deliver(app, recorder)
    assert not [o for o in recorder.sent if o.key == "vol.still_coming"], "not yet: 54 h ahead"

    clock.advance(hours=30)  # Tuesday 16:00, a day before
    await deliver(app, recorder)
    asked = [o for o in recorder.sent if o.key == "vol.still_coming"]
    assert sorted(o.chat_id for o in asked) == ["no", "quiet", "yes"]
    assert "translation" in asked[0].text and "Pirot" in asked[0].text
    await deliver(app, recorder)
    assert len([o for o in recorder.sent if o.key == "vol.still_coming"]) == 3, "asked once"

    for p in answers.values():
        p.replies = [next(o for o in asked if o.chat_id == p.user_id)]
    await answers["yes"].press("Yes, I'm coming")
    assert answers["yes"].keys == ["vol.coming"]
    await answers["no"].press("No, I can't come")
    assert answers["no"].keys == ["vol.not_coming"]
    await deliver(app, recorder)
    (alert,) = recorder.to(co.user_id)[-1:]
    assert alert.key == "vol.alert_no" and "No" in alert.text
    async with app.uow() as uow:
        assert (await uow.shifts.get(sid)).taken == 2, "the place is free again"

    clock.advance(hours=11, minutes=59)  # just before the deadline, 12 h ahead
    await deliver(app, recorder)
    assert not [o for o in recorder.sent if o.key == "vol.alert_silent"]
    clock.advance(minutes=1)  # Wednesday 04:00: the deadline, in quiet hours
    await deliver(app, recorder)
    assert not [o for o in recorder.sent if o.key == "vol.alert_silent"], "waits for morning"
    clock.advance(hours=4)  # 08:00
    await deliver(app, recorder)
    silent = [o for o in recorder.sent if o.key == "vol.alert_silent"]
    assert len(silent) == 1 and "Quiet" in silent[0].text and silent[0].chat_id == co.user_id


async def test_signing_up_the_day_before_counts_as_yes(app, person, clock):
    sid = await shift(app, day=24, start="09:00", end="12:00")  # tomorrow morning
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{sid}")
    recorder = Recorder()
    await deliver(app, recorder)
    clock.advance(hours=20)
    await deliver(app, recorder)
    assert not [o for o in recorder.sent if o.key in ("vol.still_coming", "vol.alert_silent")]


async def test_cancelling_early_is_simple_late_needs_a_reason_the_coordinator_sees(
    app, person, clock
):
    co = await pirot_coordinator(app, person)
    early = await shift(app, day=26)
    late = await shift(app, day=24, start="08:00", end="10:00", task=Task.EVENTS)
    vesna = await volunteer(app, person)
    for sid in (early, late):
        await vesna.press_payload(f"vol:su:{sid}")
    await volunteering(vesna)
    await vesna.press("My shifts")
    await vesna.press(next(label for label in vesna.labels if "translation" in label))
    await vesna.press("Cancel my shift")
    assert vesna.keys == ["vol.cancel_ask"]
    await vesna.press("Yes, cancel")
    assert vesna.keys == ["vol.cancelled"]

    clock.advance(hours=11)  # Monday 21:00; the shift is at 08:00 tomorrow
    await volunteering(vesna)
    await vesna.press("My shifts")
    await vesna.press(next(label for label in vesna.labels if "events" in label))
    await vesna.press("Cancel my shift")
    assert vesna.keys == ["vol.reason_ask"] and "12 hours" in vesna.last.text
    await vesna.send("x" * 201)
    assert vesna.keys == ["vol.bad_reason"]
    await vesna.send_photo()
    assert vesna.keys == ["common.no_photo_here"], "a photo's file id is not a reason"
    await vesna.send("My little brother is ill")
    assert vesna.keys == ["vol.cancelled"]
    recorder = Recorder()
    await deliver(app, recorder)
    (alert,) = recorder.to(co.user_id)
    assert alert.key == "vol.alert_late_cancel"
    assert "Vesna" in alert.text and "My little brother is ill" in alert.text
    async with app.uow() as uow:
        assert await uow.shifts.mine(await user_id(app, vesna), START) == []


async def test_check_in_by_code_is_refused_outside_the_window_or_with_a_wrong_code(
    app, person, clock
):
    sid = await shift(app, day=23, start="12:00", end="14:00")  # today
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{sid}")
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        await uow.shifts.set_code(pirot.id, date(2026, 11, 22), "111111", START)
        await uow.shifts.set_code(pirot.id, date(2026, 11, 23), "482193", START)
        await uow.commit()
    await volunteering(vesna)
    await vesna.press("Check in or out")
    assert vesna.keys == ["vol.no_shift_now"] and "translation" in vesna.last.text

    clock.advance(hours=1, minutes=29)  # 11:29, a minute too early
    signup = (await vesna.press_payload("vol:mine"))[0].buttons[0].payload.split(":")[-1]
    await vesna.press_payload(f"vol:ci:{signup}")
    assert vesna.keys == ["vol.too_early"] and "11:30" in vesna.last.text
    clock.advance(minutes=1)
    await volunteering(vesna)
    await vesna.press("Check in or out")
    assert vesna.keys == ["vol.check_in_how"]
    await vesna.send("999999")
    assert vesna.keys == ["vol.wrong_code"]
    await vesna.send("111111")
    assert vesna.keys == ["vol.old_code"], "yesterday's code"
    await vesna.send(" 482 193 ")
    assert vesna.keys == ["vol.checked_in"] and "11:30" in vesna.last.text
    await vesna.press_payload(f"vol:ci:{signup}")
    assert vesna.keys == ["vol.already_in"]

    clock.advance(hours=2, minutes=50)  # 14:20, stayed on after the 14:00 end
    await volunteering(vesna)
    await vesna.press("Check in or out")
    await vesna.press("Check out")
    assert vesna.keys == ["vol.checked_out"] and "14:20" in vesna.last.text
    assert "2:30" in vesna.last.text, "11:30 to 14:20 is capped at length + 30 min"


async def test_check_in_by_location_within_the_radius_and_after_the_end(app, person, clock):
    sid = await shift(app, day=23, start="10:20", end="12:00")
    later = await shift(app, day=23, start="15:00", end="16:00", task=Task.EVENTS)
    vesna = await volunteer(app, person)
    for s in (sid, later):
        await vesna.press_payload(f"vol:su:{s}")
    await volunteering(vesna)
    await vesna.press("Check in or out")
    await vesna.share_location(PIROT[0] + 0.01, PIROT[1])  # about 1.1 km north
    assert vesna.keys == ["vol.too_far"] and "200 m" in vesna.last.text
    await vesna.share_location(PIROT[0] + 0.001, PIROT[1])  # about 110 m
    assert vesna.keys == ["vol.checked_in"]
    async with session_factory(app.engine)() as s:
        methods = (await s.execute(select(ShiftSignupRow.check_in_method))).scalars().all()
    assert "location" in methods

    clock.advance(hours=6)  # 16:00: the later shift is over too
    async with app.uow() as uow:
        (row,) = [s for s, sh in await uow.shifts.mine(await user_id(app, vesna), START)
                  if sh.id == later]  # fmt: skip
    await vesna.press_payload(f"vol:ci:{row.id}")
    assert vesna.keys == ["vol.too_late"]


async def test_hours_this_month_and_in_total_with_automatic_check_out(app, person, clock):
    today = await shift(app, day=23, start="10:30", end="12:30")
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{today}")
    uid = await user_id(app, vesna)
    async with app.uow() as uow:
        # An October shift, worked in full: counts in the total, not this month.
        pirot = await uow.centres.by_slug("pirot")
        old = await uow.shifts.create(
            centre_id=pirot.id, task=Task.EVENTS, starts_at=START - timedelta(days=30),
            ends_at=START - timedelta(days=30, hours=-4), places=2, note="",
            now=START - timedelta(days=40),
        )  # fmt: skip
        signup = await uow.shifts.sign_up(old, uid, START - timedelta(days=40))
        await uow.shifts.check_in(signup.id, START - timedelta(days=30, minutes=10), "code")
        await uow.shifts.check_out(signup.id, START - timedelta(days=30, hours=-5), auto=False)
        ((mine, _),) = await uow.shifts.mine(uid, START)
        await uow.shifts.check_in(mine.id, START, "code")  # 10:00
        await uow.commit()
    recorder = Recorder()
    clock.advance(hours=2, minutes=59)
    await deliver(app, recorder)
    async with app.uow() as uow:
        assert (await uow.shifts.signup(mine.id)).checked_out_at is None, "grace time not over"
    clock.advance(minutes=1)
    await deliver(app, recorder)
    async with session_factory(app.engine)() as s:
        row = await s.get(ShiftSignupRow, mine.id)
        assert row.auto_checkout and row.checked_out_at == local(23, "12:30")
    await volunteering(vesna)
    await vesna.press("My hours")
    assert vesna.keys == ["vol.hours"]
    # October: 4 h shift, 5 h 10 min present → 4:30; today 10:00 to the 12:30 end → 2:30.
    assert "This month: 2:30" in vesna.last.text
    assert "In total: 7:00" in vesna.last.text and "Shifts: 2" in vesna.last.text


@pytest.mark.parametrize(
    ("check_in", "check_out", "expected"),
    [
        ("09:30", "13:00", "3:30"),  # early arrival counts, up to the cap
        ("09:00", "14:00", "3:30"),  # capped at length (3 h) + 30 min
        ("10:15", "12:45", "2:30"),
        ("10:00", "09:00", "0:00"),  # a clock gone wrong never gives negative hours
    ],
)
def test_hours_arithmetic(check_in, check_out, expected):
    spent = worked(
        local(25, check_in), local(25, check_out), local(25, "10:00"), local(25, "13:00")
    )
    assert hours_text(spent) == expected


async def test_deleting_my_data_removes_the_request_and_sign_ups(app, person):
    sid = await shift(app, day=23, start="10:20", end="12:00")
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{sid}")
    await volunteering(vesna)
    await vesna.press("Check in or out")
    await vesna.send("000000")  # a wrong code is counted, under a digest of her id
    assert vesna.keys == ["vol.wrong_code"]
    await vesna.press("Menu")
    await vesna.press("Settings")
    await vesna.press("Delete my data")
    await vesna.press("Yes, delete my data")
    assert await personal_rows(app.engine) == {}
    async with app.uow() as uow:
        assert (await uow.shifts.get(sid)).taken == 0


async def _outbox_texts(app) -> str:
    async with session_factory(app.engine)() as s:
        rows = (await s.execute(select(OutboxRow.params))).scalars().all()
    return repr(rows)


async def test_deleting_ones_data_removes_the_request_notice_naming_the_volunteer(app, person):
    await pirot_coordinator(app, person)
    ana = await joined(person)
    await ana.press("Volunteer")
    await ana.press("I want to volunteer")
    await ana.send("Anastasija")
    await ana.press("Pirot")
    await ana.press("translation")
    await ana.press("Done")
    await ana.press("No, only messages here")
    assert ana.keys == ["vol.pending"]
    assert "Anastasija" in await _outbox_texts(app)
    await ana.press("Settings")
    await ana.press("Delete my data")
    await ana.press("Yes, delete my data")
    assert "Anastasija" not in await _outbox_texts(app)


async def test_deleting_ones_data_removes_a_late_cancellation_reason_told_to_coordinators(
    app, person, clock
):
    co = await pirot_coordinator(app, person)
    vesna = await volunteer(app, person, first="Vesnica")
    sid = await shift(app, day=23, start="18:00", end="20:00")  # today, within the cut-off
    await vesna.press_payload(f"vol:su:{sid}")
    await vesna.press("My shifts")
    await vesna.press(vesna.labels[0])
    await vesna.press("Cancel my shift")
    assert vesna.keys == ["vol.reason_ask"]
    await vesna.send("My grandmother Milica is ill")
    assert vesna.keys == ["vol.cancelled"]
    rec = Recorder()
    await worker(app, rec).drain()
    assert "Milica" in rec.to(co.user_id)[-1].text
    await vesna.press("Settings")
    await vesna.press("Delete my data")
    await vesna.press("Yes, delete my data")
    stored = await _outbox_texts(app)
    assert "Milica" not in stored and "Vesnica" not in stored


async def test_show_my_data_lists_the_volunteer_request(app, person):
    ana = await joined(person)
    await ana.press("Volunteer")
    await ana.press("I want to volunteer")
    await ana.send("Ana")
    await ana.press("Pirot")
    await ana.press("translation")
    await ana.press("Done")
    await ana.press("Yes, add my number")
    await ana.send("064 123 4567")
    await ana.press("Settings")
    await ana.press("Show my data")
    assert "first name Ana, centre Pirot, can help with translation, phone 064 123 4567" in (
        ana.last.text
    )


async def test_a_volunteer_cannot_use_another_volunteers_sign_up(app, person):
    """Every route about one sign-up is guarded: another volunteer's id, pressed or left in a
    stored step, is an old button, and the sign-up stays as it was."""
    sid = await shift(app, day=26)  # far enough ahead to open, answer or cancel it freely
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{sid}")
    luka = await volunteer(app, person, "luka", "Luka")
    async with app.uow() as uow:
        ((theirs, _),) = await uow.shifts.mine(await user_id(app, vesna), START)
    for action in ("m", "x", "yes", "ci", "co", "no", "xx"):
        await luka.press_payload(f"vol:{action}:{theirs.id}")
        assert luka.keys == ["common.expired"], action
    for step in ("vol.reason", "vol.check_in"):
        async with app.uow() as uow:
            state = ConversationState(step, {"signup": theirs.id})
            await uow.states.save(await user_id(app, luka), state, START)
            await uow.commit()
        await luka.send("I cannot come")
        assert luka.keys == ["common.expired"], step
    async with app.uow() as uow:
        after = await uow.shifts.signup(theirs.id)
    assert (after.status, after.answer, after.checked_in_at) == ("signed", None, None)
