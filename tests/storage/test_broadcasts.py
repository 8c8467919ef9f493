"""Announcements in storage: the audience is chosen and queued in the database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.model import Target
from storage.db import session_factory
from storage.models import OutboxRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def uow(engine):
    return SqlUnitOfWork(session_factory(engine))


async def people(engine, count, *, locale="sr", centre_slug="pirot"):
    async with uow(engine) as u:
        centre = await u.centres.by_slug(centre_slug)
        ids = []
        for i in range(count):
            user = await u.users.register(
                platform="telegram", external_id=f"{centre_slug}{locale}{i}",
                chat_id=f"{centre_slug}{locale}{i}", locale=locale, centre_id=centre.id,
                consent_version="v1", now=NOW,
            )  # fmt: skip
            ids.append(user.id)
        await u.commit()
    return ids


async def test_starting_queues_one_message_per_recipient_once(engine):
    await people(engine, 3)
    await people(engine, 2, centre_slug="tutin")
    async with uow(engine) as u:
        pirot = await u.centres.by_slug("pirot")
        draft = await u.broadcasts.create(
            created_by=1, texts={"sr": "Zdravo"}, default_locale="sr", now=NOW
        )
        await u.broadcasts.edit(draft.id, target=Target(centres=(pirot.id,)))
        assert await u.broadcasts.count(Target(centres=(pirot.id,)), NOW) == {"telegram": 3}
        assert await u.broadcasts.start(draft.id, 1, NOW) == 3
        assert await u.broadcasts.start(draft.id, 1, NOW) is None
        await u.commit()
    async with session_factory(engine)() as s:
        rows = (await s.execute(select(OutboxRow))).scalars().all()
    assert len(rows) == 3
    assert {r.params["text"]["$broadcast"] for r in rows} == {draft.id}
    assert {r.ref for r in rows} == {f"bc:{draft.id}"} and {r.priority for r in rows} == {10}
