"""Storage rules the core relies on: one person per platform account, aware times, seeding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from handlers.model import ConversationState, Role
from handlers.ports import Conflict
from storage.db import session_factory
from storage.seed import seed_demo
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def uow(engine):
    return SqlUnitOfWork(session_factory(engine))


async def register(engine, external_id="1", **kw):
    async with uow(engine) as u:
        user = await u.users.register(
            platform="telegram", external_id=external_id, chat_id=external_id, locale="sr",
            centre_id=None, consent_version="v1", now=kw.get("now", NOW),
        )  # fmt: skip
        await u.commit()
        return user


async def test_one_person_per_platform_account(engine):
    await register(engine)
    with pytest.raises(Conflict):
        await register(engine)


async def test_times_come_back_timezone_aware_and_equal(engine):
    belgrade = timezone(timedelta(hours=2))
    user = await register(engine, now=NOW.astimezone(belgrade))
    async with uow(engine) as u:
        again = await u.users.profile(user.id)
    assert again.created_at == NOW and again.created_at.tzinfo is not None
    assert again.consents[0].given_at == NOW


async def test_state_survives_a_new_unit_of_work(engine):
    user = await register(engine)
    async with uow(engine) as u:
        await u.states.save(user.id, ConversationState("onboarding.centre", {"k": 1}), NOW)
        await u.commit()
    async with uow(engine) as u:
        assert await u.states.get(user.id) == ConversationState("onboarding.centre", {"k": 1})


async def test_nothing_is_kept_without_commit(engine):
    async with uow(engine) as u:
        await u.users.register(
            platform="viber", external_id="x", chat_id="x", locale="de",
            centre_id=None, consent_version="v1", now=NOW,
        )  # fmt: skip
    async with uow(engine) as u:
        assert await u.users.by_identity("viber", "x") is None


async def test_roles_grant_and_revoke(engine):
    user = await register(engine)
    async with uow(engine) as u:
        assert await u.users.grant(user.id, Role.COORDINATOR, NOW) is True
        assert await u.users.grant(user.id, Role.COORDINATOR, NOW) is False
        await u.commit()
    async with uow(engine) as u:
        assert (await u.users.get(user.id)).has_role(Role.COORDINATOR)
        assert await u.users.revoke(user.id, Role.COORDINATOR) is True
        await u.commit()
    async with uow(engine) as u:
        assert not (await u.users.get(user.id)).has_role(Role.COORDINATOR)


async def test_seeding_twice_changes_nothing(engine):
    assert await seed_demo(engine) == 0  # the fixture seeded once already
    async with uow(engine) as u:
        centres = await u.centres.all()
    assert [c.slug for c in centres] == ["krusevac", "novi-pazar", "pirot", "sjenica", "tutin"]
    assert all(c.phone and c.address and c.hours for c in centres)
