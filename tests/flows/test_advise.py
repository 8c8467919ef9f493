"""The adviser's day: agenda, attendance, and "I'm ill today" telling everyone booked."""

from __future__ import annotations

from sqlalchemy import select

from handlers.model import Role
from storage.db import session_factory
from storage.models import AppointmentRow
from tests.support.journeys import joined, to_times
from tests.support.outbox import Recorder, tick, user_id, worker


async def adviser(app, person, name="marko"):
    p = await joined(person, name)
    async with app.uow() as uow:
        uid = await user_id(app, p)
        # Bound where Marko has hours, as `grant … adviser --adviser Marko` does.
        centres = await uow.legal.adviser_centres("Marko")
        await uow.users.grant(uid, Role.ADVISER, app.clock.now(), centres=centres)
        await uow.legal.link_adviser(uid, "Marko")
        await uow.commit()
    return p


async def first_appointment(app):
    async with session_factory(app.engine)() as s:
        query = select(AppointmentRow.id).order_by(AppointmentRow.starts_at).limit(1)
        return (await s.execute(query)).scalar_one()


async def test_agenda_attendance_and_ill_today(app, person, clock):
    ana, ben = await joined(person, "ana"), await joined(person, "ben")
    for p, at in ((ana, "09:00"), (ben, "12:30")):
        await to_times(p)  # Tuesday 24.11. with Marko at Pirot
        await p.press(at)
        await p.press("Yes, book it")
    marko = await adviser(app, person)
    clock.advance(days=1, hours=-2)  # Tuesday 08:00 in Belgrade
    await marko.send("/menu")
    await marko.press("My appointments")
    await marko.press("Today")
    assert marko.keys == ["adv.agenda"] and "2" in marko.last.text
    assert marko.last.keyboard[0][0].label.startswith("· Tue 09:00 · Documents and ID")
    assert len(marko.last.keyboard[0]) == 1, "no attendance before it has begun"
    await marko.press_payload(f"adv:a:{await first_appointment(app)}:1:0")
    assert marko.keys == ["common.expired"], "a future appointment stays the person's to move"
    await marko.press("My appointments")
    await marko.press("Today")

    clock.advance(hours=2)  # 10:00: ana came
    await marko.press_payload("adv:d:0")  # the list again: now with attendance buttons
    await marko.press_payload(marko.last.keyboard[0][1].payload)
    assert marko.last.keyboard[0][0].label.startswith("✅")

    await marko.press("Back")
    await marko.press("I'm ill today")
    assert marko.keys == ["adv.ill_ask"] and "1 people" in marko.last.text
    await marko.press("Yes, block today")
    assert marko.keys == ["adv.ill_done"]
    rec = Recorder()
    await tick(app, worker(app, rec))
    (notice,) = [o for o in rec.to("ben") if o.key == "adv.ill_notice"]
    assert all(o.key != "adv.ill_notice" for o in rec.to("ana")), "her time had passed"
    await ben.press_payload(notice.buttons[0].payload)
    assert ben.keys == ["lg.day"] and "Tue 24.11." not in ben.labels, "today is blocked"
    async with session_factory(app.engine)() as s:
        statuses = dict((await s.execute(select(AppointmentRow.id, AppointmentRow.status))).all())
    assert sorted(statuses.values()) == ["attended", "cancelled"]


async def test_only_advisers_see_the_agenda(app, person):
    ana = await joined(person)
    await ana.send("/menu")
    assert "🗓 My appointments" not in ana.labels
    for payload in ("adv:home", "adv:d:0", "adv:ill:yes", "adv:a:1:1:0"):
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload


async def test_call_me_back_with_its_own_consent_seen_and_closed_by_the_adviser(app, person):
    from storage.models import CallbackRow, ConsentRow

    marko = await adviser(app, person)
    ana = await joined(person)
    await ana.send("/menu")
    await ana.press("Legal advice")
    await ana.press("Housing and property")
    await ana.press("Call me back instead")
    assert ana.keys == ["lg.phone_consent"]
    await ana.press("Yes, call me")
    await ana.send("call me maybe")
    assert ana.keys == ["lg.bad_phone"]
    await ana.send("+381 64 123-4567")
    assert ana.keys == ["lg.callback_saved"]
    async with session_factory(app.engine)() as s:
        kinds = (await s.execute(select(ConsentRow.kind))).scalars().all()
    assert kinds.count("phone") == 1

    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("marko")] == ["lg.callback_notice"]
    await marko.send("/menu")
    await marko.press("My appointments")
    await marko.press("Call-back requests")
    assert "+381 64 123-4567" in marko.last.keyboard[0][0].label
    assert "Housing and property" in marko.last.keyboard[0][0].label
    await marko.press_payload(marko.last.keyboard[0][1].payload)  # Called
    assert "0" in marko.last.text
    async with session_factory(app.engine)() as s:
        (left,) = (await s.execute(select(CallbackRow.phone))).scalars().all()
    assert left is None, "the number is erased once called"

    eve = await joined(person, "eve")
    await eve.press_payload("adv:cb")
    assert eve.keys == ["common.expired"]
