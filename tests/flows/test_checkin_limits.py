"""Check-in that cannot be guessed or faked: five wrong codes a day, real locations only."""

from __future__ import annotations

import asyncio
import math
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from handlers.model import Role, Task
from storage.db import session_factory
from storage.models import FailedAttemptRow, OutboxRow, ShiftSignupRow
from tests.support import table_rows
from tests.support.journeys import (
    PIROT,
    local,
    pirot_coordinator,
    shift,
    volunteer,
    volunteering,
)
from tests.support.outbox import Recorder, user_id, worker

TODAY = date(2026, 11, 23)
CODE = "480913"


async def set_code(app, day: date, code: str) -> None:
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        await uow.shifts.set_code(pirot.id, day, code, app.clock.now())
        await uow.commit()


async def checked_in(app) -> list[object]:
    async with session_factory(app.engine)() as s:
        return list((await s.execute(select(ShiftSignupRow.checked_in_at))).scalars())


async def ready_to_check_in(app, person, *, day=23, start="10:20", end="13:00", **kw):
    """Vesna, signed up for a shift at Pirot, at the step that asks for the code."""
    sid = await shift(app, day=day, start=start, end=end, **kw)
    vesna = await volunteer(app, person)
    await vesna.press_payload(f"vol:su:{sid}")
    return vesna


async def start_check_in(vesna) -> None:
    await volunteering(vesna)
    await vesna.press("Check in or out")


async def test_guessing_codes_is_locked_after_five_and_coordinators_are_told_once(app, person):
    co = await pirot_coordinator(app, person)
    vesna = await ready_to_check_in(app, person)
    await set_code(app, TODAY - timedelta(days=1), "111111")
    await set_code(app, TODAY, CODE)
    await start_check_in(vesna)
    assert vesna.keys == ["vol.check_in_how"]
    assert "live location" in vesna.last.text, "on Telegram, a live location is best"

    await vesna.send("000000")
    assert vesna.keys == ["vol.wrong_code"] and "Tries left today: 4." in vesna.last.text
    await vesna.send("111111")  # yesterday's: its own explanation, and a wrong code all the same
    assert vesna.keys == ["vol.old_code"] and "Tries left today: 3." in vesna.last.text
    for guess in ("000001", "000002"):
        await vesna.send(guess)
    assert "Tries left today: 1." in vesna.last.text
    await vesna.send("000003")
    assert vesna.keys == ["vol.code_locked"]
    assert "closed for you until tomorrow" in vesna.last.text
    assert "coordinator at the centre" in vesna.last.text and "location" in vesna.last.text
    for n in range(4, 40):  # the attacker goes on: 000004, 000005, …
        await vesna.send(f"{n:06d}")
        assert vesna.keys == ["vol.code_locked"]
    await vesna.send(CODE)
    assert vesna.keys == ["vol.code_locked"], "even the right code, once locked for the day"
    assert await checked_in(app) == [None]
    await start_check_in(vesna)  # opening check-in again says so at once
    assert vesna.keys == ["vol.code_locked"]

    async with session_factory(app.engine)() as s:
        alerts = await s.scalar(
            select(func.count()).where(OutboxRow.key == "vol.alert_code_locked")
        )
        tries = await s.scalar(select(func.count()).select_from(FailedAttemptRow))
    assert alerts == 1 and tries == 5, "told once; a locked person's codes are not counted"
    recorder = Recorder()
    await worker(app, recorder).drain()
    (told,) = recorder.to(co.user_id)
    assert told.key == "vol.alert_code_locked"
    assert "Vesna" in told.text and "translation" in told.text and "Pirot" in told.text
    assert "locked for them for today" in told.text
    assert told.buttons[0].payload.startswith("cv:t:")

    await vesna.share_location(PIROT[0] + 0.001, PIROT[1])  # the location still works
    assert vesna.keys == ["vol.checked_in"]


async def test_the_limit_is_per_local_day_and_resets_at_midnight_in_belgrade(app, person, clock):
    # Local midnight is 23:00 UTC: the lock must end then, not at midnight UTC.
    vesna = await ready_to_check_in(app, person, start="23:00", end="23:40")
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        late = await uow.shifts.create(
            centre_id=pirot.id, task=Task.EVENTS, starts_at=local(23, "23:45"),
            ends_at=local(24, "01:00"), places=2, note="", now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    await set_code(app, TODAY, CODE)
    await set_code(app, TODAY + timedelta(days=1), "902417")
    clock.advance(hours=13, minutes=10)  # 23:10 on the 23rd
    await start_check_in(vesna)
    for n in range(5):
        await vesna.send(f"{n:06d}")
    assert vesna.keys == ["vol.code_locked"]

    await vesna.press_payload(f"vol:su:{late}")  # a second shift, same day: still locked
    clock.advance(minutes=45)  # 23:55
    found = await vesna.press_payload("vol:mine")
    late_signup = [b.payload for o in found for b in o.buttons if "events" in b.label]
    await vesna.press_payload(late_signup[0].replace("vol:m:", "vol:ci:"))
    assert vesna.keys == ["vol.code_locked"]

    clock.advance(minutes=10)  # 00:05 on the 24th: a new day where the centres are
    await vesna.send("902417")
    assert vesna.keys == ["vol.checked_in"]
    assert sum(at is not None for at in await checked_in(app)) == 1


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (math.nan, PIROT[1]),  # `nan > 200` is False: it used to pass the distance check
        (math.nan, math.nan),
        (math.inf, PIROT[1]),
        (PIROT[0], -math.inf),
        (PIROT[0], PIROT[1] + 360),  # the same point on the globe, off the map
        (91.0, 0.0),
        (-90.5, PIROT[1]),
        (PIROT[0], -180.01),
    ],
)
async def test_unreal_locations_are_refused_and_nothing_is_stored(app, person, latitude, longitude):
    vesna = await ready_to_check_in(app, person)
    await start_check_in(vesna)
    before = await table_rows(app.engine)
    await vesna.share_location(latitude, longitude)
    assert vesna.keys == ["vol.bad_location"]
    assert "send your location again" in vesna.last.text and "live location" in vesna.last.text
    assert await table_rows(app.engine) == before, "nothing stored, no try counted"
    await vesna.share_location(PIROT[0], PIROT[1])  # the step is still open
    assert vesna.keys == ["vol.checked_in"]


async def test_on_viber_the_refusal_does_not_speak_of_live_locations(app, person):
    sid = await shift(app, day=23, start="10:20", end="13:00")
    viber = person("vesna-v", platform="viber")
    await viber.send("/start")
    await viber.press_through("English", "I agree", "I live here", "Pirot")
    uid = await user_id(app, viber)
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        request = await uow.volunteers.apply(
            user_id=uid, centre_id=pirot.id, first_name="Vesna", tasks=[Task.TRANSLATION],
            phone=None, now=app.clock.now(),
        )  # fmt: skip
        await uow.volunteers.decide(request.id, approved=True, by=uid, now=app.clock.now())
        await uow.users.grant(uid, Role.VOLUNTEER, app.clock.now())
        await uow.commit()
    await viber.press_payload(f"vol:su:{sid}")
    await start_check_in(viber)
    assert viber.keys == ["vol.check_in_how"] and "live" not in viber.last.text
    await viber.share_location(math.nan, math.nan)
    assert viber.keys == ["vol.bad_location"] and "live" not in viber.last.text
    assert await checked_in(app) == [None]


async def test_guesses_sent_all_at_once_still_get_five_tries_and_one_alert(app, person):
    await pirot_coordinator(app, person)
    vesna = await ready_to_check_in(app, person)
    await set_code(app, TODAY, CODE)
    await start_check_in(vesna)
    # As if from several processes at once: each guess in its own transaction, in parallel.
    await asyncio.gather(*(vesna.send(f"{n:06d}") for n in range(12)))
    await vesna.send(CODE)
    assert vesna.keys == ["vol.code_locked"]
    async with session_factory(app.engine)() as s:
        alerts = await s.scalar(
            select(func.count()).where(OutboxRow.key == "vol.alert_code_locked")
        )
        tries = await s.scalar(select(func.count()).select_from(FailedAttemptRow))
    assert (tries, alerts) == (5, 1)
    assert await checked_in(app) == [None]
