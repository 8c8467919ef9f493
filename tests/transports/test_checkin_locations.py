"""Check-in locations over the real transports: NaN never checks in, non-numbers never get in."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.model import Role, Task
from storage.db import session_factory
from storage.models import ShiftSignupRow
from tests.support.messengers import VIBER_ANA, feed, onboard_viber, press

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
BELGRADE = ZoneInfo("Europe/Belgrade")
PIROT = (43.1531, 22.5861)
TG_ANA = 5001


async def volunteer_with_a_shift_now(app, platform: str, external_id: str) -> int:
    """The person becomes an approved volunteer with a shift at Pirot starting in 20 minutes."""
    async with app.uow() as uow:
        user = await uow.users.by_identity(platform, external_id)
        pirot = await uow.centres.by_slug("pirot")
        request = await uow.volunteers.apply(
            user_id=user.id, centre_id=pirot.id, first_name="Ana", tasks=[Task.TRANSLATION],
            phone=None, now=app.clock.now(),
        )  # fmt: skip
        await uow.volunteers.decide(request.id, approved=True, by=user.id, now=app.clock.now())
        await uow.users.grant(user.id, Role.VOLUNTEER, app.clock.now())
        sid = await uow.shifts.create(
            centre_id=pirot.id, task=Task.TRANSLATION,
            starts_at=datetime(2026, 11, 23, 10, 20, tzinfo=BELGRADE),
            ends_at=datetime(2026, 11, 23, 12, 0, tzinfo=BELGRADE), places=2, note="",
            now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    return sid


async def check_ins(app) -> list[object]:
    async with session_factory(app.engine)() as s:
        return list((await s.execute(select(ShiftSignupRow.checked_in_at))).scalars())


def tg_location(fake, latitude: float, longitude: float) -> dict[str, object]:
    update = fake.text_update(TG_ANA, "x")
    message = update["message"]
    del message["text"]
    message["location"] = {"latitude": latitude, "longitude": longitude}
    return update


async def test_a_nan_location_over_telegram_is_refused_asking_for_a_live_one(app, wired, tg):
    bot, dp, _ = wired
    await feed(bot, dp, tg.text_update(TG_ANA, "/start"))
    for label in ["English", "I agree", "I live here", "Pirot"]:
        await feed(bot, dp, tg.button_update(TG_ANA, press(tg.calls_with_markup()[-1], label)))
    sid = await volunteer_with_a_shift_now(app, "telegram", str(TG_ANA))
    for payload in (f"vol:su:{sid}", "vol:now"):
        await feed(bot, dp, tg.button_update(TG_ANA, payload))
    assert "type today's check-in code" in tg.of("sendMessage")[-1].params["text"]
    # JSON's NaN parses (Python's json and pydantic take it): the core is the guard.
    await feed(bot, dp, tg_location(tg, math.nan, PIROT[1]))
    said = tg.of("sendMessage")[-1].params["text"]
    assert "could not read a place" in said and "live location" in said
    assert await check_ins(app) == [None]
    await feed(bot, dp, tg_location(tg, *PIROT))
    assert "Checked in" in tg.of("sendMessage")[-1].params["text"]


async def test_viber_locations_must_be_numbers(app, viber):
    await onboard_viber(viber)
    sid = await volunteer_with_a_shift_now(app, "viber", VIBER_ANA)
    await viber.say(VIBER_ANA, f"vol:su:{sid}")
    said = await viber.say(VIBER_ANA, "vol:now")
    assert any("type today's check-in code" in m.get("text", "") for m in said)
    for point in (
        {"lat": "nan", "lon": PIROT[1]},  # float() would take these; JSON numbers only
        {"lat": "43.1531", "lon": "22.5861"},
        {"lat": True, "lon": PIROT[1]},
        {"lat": [PIROT[0]], "lon": PIROT[1]},
        {"lat": PIROT[0]},
        {"lat": 10**400, "lon": PIROT[1]},  # too large for a float
    ):
        body = viber.message(VIBER_ANA, type="location", location=point)
        assert (await viber.post(body)).status == 400, point
    assert await check_ins(app) == [None]
    # NaN is no JSON number (Python writes it, Viber never does): refused before the core,
    # which holds the same line for every platform (tests/flows/test_checkin_limits.py).
    nan = viber.message(VIBER_ANA, type="location", location={"lat": math.nan, "lon": math.nan})
    assert (await viber.post(nan)).status == 400
    assert await check_ins(app) == [None]
    here = viber.message(VIBER_ANA, type="location", location={"lat": PIROT[0], "lon": PIROT[1]})
    assert (await viber.post(here)).status == 200
    assert any(at is not None for at in await check_ins(app))
