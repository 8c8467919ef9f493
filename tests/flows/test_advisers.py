"""Coordinators set advisers up in the chat: weekly hours, appointment length, days off."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import session_factory
from storage.models import AdviserRow, AppointmentRow
from tests.support.journeys import coordinator, joined, to_times
from tests.support.outbox import Recorder, tick, worker


async def open_marko(co):
    await co.send("/menu")
    await co.press("Coordinate workshops")
    await co.press("Legal advisers")
    await co.press("Marko")


async def test_hours_length_and_a_day_off_from_the_chat(app, person):
    co = await coordinator(app, person, centres=("pirot", "krusevac"))  # Marko's centres
    await open_marko(co)
    assert co.keys == ["cad.adviser"] and "Tuesday 09:00–13:00, Pirot" in co.last.text
    await co.press("Add hours")
    await co.press("Pirot")
    await co.press("Wednesday")
    await co.send("9-13")
    assert co.keys == ["cad.bad_hours"]
    await co.send("15:00-17:00")
    assert "Wednesday 15:00–17:00, Pirot" in co.last.text
    await co.press("Add hours")
    await co.press("Pirot")
    await co.press("Wednesday")
    await co.send("16:00-18:00")
    assert co.keys == ["cad.overlap"]

    ana = await joined(person)
    await ana.send("/menu")
    await ana.press("Legal advice")
    await ana.press("Documents and ID")
    assert "Wed 25.11." in ana.labels, "new hours are offered at once"

    await open_marko(co)
    await co.press("⏱ 60 min")
    assert "appointments of 60 min" in co.last.text
    async with session_factory(app.engine)() as s:
        minutes = select(AdviserRow.slot_minutes).where(AdviserRow.name == "Marko")
        assert (await s.execute(minutes)).scalar_one() == 60
    removable = next(b for b in co.last.buttons if "Wednesday 15:00" in b.label)
    await co.press_payload(removable.payload)
    assert "Wednesday" not in co.last.text

    await to_times(ana, "Tue 01.12.")
    await ana.press("09:00")
    await ana.press("Yes, book it")
    await open_marko(co)
    await co.press("Day off")
    await co.send("31.02.2026")
    assert co.keys == ["cad.bad_day"]
    await co.send("01.12.2026")
    assert co.keys == ["cad.off_done"] and "1 people" in co.last.text
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert "adv.away_notice" in [o.key for o in rec.to("ana")]
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(AppointmentRow.status))).scalar_one() == "cancelled"


async def test_only_coordinators_and_admins_set_advisers_up(app, person):
    ana = await joined(person)
    for payload in ("cad:home", "cad:a:1", "cad:sl:1:60", "cad:h:1:1:0", "cad:off:1"):
        await ana.press_payload(payload)
        assert ana.keys == ["common.expired"], payload
