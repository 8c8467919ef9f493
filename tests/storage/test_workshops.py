"""Places: never beyond capacity (also in a race), one per person or child, waiting list order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from handlers.model import Audience, WorkshopKind
from handlers.notices import pick_title
from handlers.ports import Conflict
from tests.support import START


async def people(app, n):
    ids = []
    async with app.uow() as uow:
        for i in range(n):
            user = await uow.users.register(
                platform="telegram", external_id=f"p{i}", chat_id=f"p{i}", locale="sr",
                centre_id=None, consent_version="1", now=START,
            )  # fmt: skip
            ids.append(user.id)
        await uow.commit()
    return ids


LATER = START + timedelta(days=60)  # clear of the demo programme the fixtures seed


async def session(app, capacity, *, weeks=1):
    async with app.uow() as uow:
        centre = (await uow.centres.all())[0]
        ids = await uow.workshops.create(
            centre_id=centre.id, titles={"sr": "Podrška u učenju", "en": "School support"},
            kind=WorkshopKind.SCHOOL, audience=Audience.CHILDREN, language="sr",
            starts=[LATER + timedelta(days=1, weeks=w) for w in range(weeks)],
            minutes=90, capacity=capacity, now=START,
        )  # fmt: skip
        await uow.commit()
    return ids


async def test_fifty_people_pressing_for_the_last_place_at_once_get_one_place(app):
    (sid,) = await session(app, capacity=1)
    ids = await people(app, 50)

    async def book(uid):
        async with app.uow() as uow:
            booking = await uow.workshops.book(sid, uid, START)
            await uow.commit()
            return booking.status

    statuses = await asyncio.gather(*(book(uid) for uid in ids))
    assert statuses.count("confirmed") == 1 and statuses.count("waiting") == 49
    async with app.uow() as uow:
        found = await uow.workshops.session(sid)
    assert (found.taken, found.free) == (1, 0)


async def test_one_place_per_person_and_per_child(app):
    (sid,) = await session(app, capacity=5)
    (mum,) = await people(app, 1)
    async with app.uow() as uow:
        await uow.workshops.book(sid, mum, START, child_name="Ana", child_age=8)
        await uow.workshops.book(sid, mum, START, child_name="Marko", child_age=9)
        await uow.commit()
    for child in ("ana ", None):
        async with app.uow() as uow:
            if child is None:
                await uow.workshops.book(sid, mum, START)
                await uow.commit()
                continue
            with pytest.raises(Conflict):
                await uow.workshops.book(sid, mum, START, child_name=child, child_age=8)
    async with app.uow() as uow:
        with pytest.raises(Conflict):
            await uow.workshops.book(sid, mum, START)


async def test_a_freed_place_goes_to_the_first_on_the_waiting_list(app):
    (sid,) = await session(app, capacity=1)
    a, b, c = await people(app, 3)
    async with app.uow() as uow:
        first = await uow.workshops.book(sid, a, START)
        await uow.workshops.book(sid, b, START)
        await uow.workshops.book(sid, c, START)
        await uow.commit()
    async with app.uow() as uow:
        promoted = await uow.workshops.cancel(first.id, START)
        await uow.commit()
    assert promoted is not None and promoted.user_id == b
    async with app.uow() as uow:
        assert [x.user_id for x in await uow.workshops.people(sid)] == [b]
        assert [x.user_id for x in await uow.workshops.people(sid, "waiting")] == [c]
        # Capacity cannot drop below the places taken; raising it promotes the next.
        with pytest.raises(Conflict):
            await uow.workshops.set_capacity(sid, 0, START)
    async with app.uow() as uow:
        promoted = await uow.workshops.set_capacity(sid, 2, START)
        await uow.commit()
    assert [p.user_id for p in promoted] == [c]


async def test_sessions_are_found_by_centre_kind_and_week_with_places_left(app):
    ids = await session(app, capacity=3, weeks=3)
    (p,) = await people(app, 1)
    async with app.uow() as uow:
        await uow.workshops.book(ids[0], p, START)
        await uow.commit()
        centre = (await uow.centres.all())[0]
        found, total = await uow.workshops.find(
            centre_id=centre.id, kind=WorkshopKind.SCHOOL, start=LATER,
            end=LATER + timedelta(days=14), limit=5,
        )  # fmt: skip
        none, _ = await uow.workshops.find(
            centre_id=centre.id, kind=WorkshopKind.SPORT, start=LATER,
            end=LATER + timedelta(days=14), limit=5,
        )  # fmt: skip
    assert total == 2 and [s.free for s in found] == [2, 3]
    assert pick_title(found[0].titles, "de") == "Podrška u učenju"
    assert pick_title(found[0].titles, "sr_Cyrl") == "Подршка у учењу"
    assert found[0].series_size == 3 and none == []


async def test_demo_seed_adds_a_lively_three_week_programme_once(engine):
    from sqlalchemy import func, select

    from storage.models import SessionRow
    from storage.seed import seed_demo

    async def programme():
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    select(
                        func.count(),
                        func.count(func.distinct(SessionRow.centre_id)),
                        func.min(SessionRow.starts_at),
                        func.max(SessionRow.starts_at),
                    )
                )
            ).one()

    count, centres, first, last = await programme()
    assert count >= 40 and centres == 5
    assert await seed_demo(engine) == 0, "seeding again changes nothing"
    assert (await programme())[0] == count
    assert first is not None and last is not None
