"""A time typed with a UTC offset ("10:00+01:00", "18:00Z") is asked for again, never read as
Belgrade time: a shift's hours, an announcement's send time."""

from __future__ import annotations

from handlers.model import BroadcastStatus
from tests.support.journeys import resident, staff, volunteers_page, write


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
