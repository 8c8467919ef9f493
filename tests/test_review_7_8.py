"""Review of issues 7 (volunteers) and 8 (announcements): each defect proved by a test first."""

from __future__ import annotations

from sqlalchemy import select

from handlers.model import BroadcastStatus, Role
from storage.db import session_factory
from storage.models import OutboxRow
from tests.flows.test_announcements import HELLO, deliver, resident, staff, write
from tests.flows.test_coordinate_volunteers import volunteers_page
from tests.flows.test_volunteers import coordinator, shift, volunteer
from tests.flows.test_workshops import joined
from tests.support.outbox import Recorder, user_id, worker


# -- typed times with a UTC offset ---------------------------------------------------------------
async def test_a_shift_time_typed_with_an_offset_is_asked_again_not_an_error(app, person):
    co = await volunteers_page(app, person)
    await co.press("New shift")
    await co.press("translation")
    await co.send("24.11.2026")
    assert co.keys == ["cv.ask_time"]
    for typed in ("10:00+01:00-13:00", "10:00Z 13:00", "10:00 13:00+02:00"):
        await co.send(typed)
        assert co.keys == ["cv.bad_time"], typed
    await co.send("10:00-13:00")
    assert co.keys == ["cv.ask_places"]


async def test_a_send_time_typed_with_an_offset_is_not_read_as_belgrade_time(app, person):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    draft = await write(coco)
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 18:00+05:00")  # would silently mean 18:00 in Belgrade
    assert coco.keys == ["bc.bad_when"]
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(draft)).status is BroadcastStatus.DRAFT


# -- a scheduled announcement whose writer moved to another centre ------------------------------
async def test_a_scheduled_announcement_never_goes_to_the_senders_new_centre(app, person, clock):
    coco = await staff(app, person, "coco")  # coordinator bound to Pirot
    await resident(app, person, "ana")  # Pirot
    await resident(app, person, "tarik", centre="Tutin")
    draft = await write(coco, "Pirot is closed tomorrow.")
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 09:00")
    assert coco.keys == ["bc.scheduled"]
    uid = await user_id(app, coco)
    async with app.uow() as uow:  # the coordinator moves to Tutin: bound there, and in Settings
        pirot, tutin = await uow.centres.by_slug("pirot"), await uow.centres.by_slug("tutin")
        await uow.users.revoke(uid, Role.COORDINATOR, centres=[pirot.id])
        await uow.users.grant(uid, Role.COORDINATOR, clock.now(), centres=[tutin.id])
        await uow.users.update(uid, centre_id=tutin.id)
        await uow.commit()
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("tarik") == [], "Pirot's news must not go to Tutin"
    assert rec.to("ana") == [], "and the coordinator may no longer reach Pirot"
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(draft)).status is BroadcastStatus.CANCELLED


async def test_a_scheduled_announcement_of_a_coordinator_who_stayed_still_goes(app, person, clock):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    draft = await write(coco)
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 09:00")
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert [o.text for o in rec.to("ana")] == [HELLO]


# -- "delete my data": nothing naming the volunteer stays in the coordinators' outbox ------------
async def _outbox_texts(app) -> str:
    async with session_factory(app.engine)() as s:
        rows = (await s.execute(select(OutboxRow.params))).scalars().all()
    return repr(rows)


async def test_deleting_ones_data_removes_the_request_notice_naming_the_volunteer(app, person):
    await coordinator(app, person)
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
    co = await coordinator(app, person)
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
