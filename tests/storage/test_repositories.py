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


async def test_staff_reach_only_the_centres_they_are_bound_to(engine):
    user = await register(engine)
    async with uow(engine) as u:
        pirot, tutin = (await u.centres.by_slug("pirot")).id, (await u.centres.by_slug("tutin")).id
        assert await u.users.grant(user.id, Role.COORDINATOR, NOW, centres=[pirot]) is True
        assert await u.users.grant(user.id, Role.COORDINATOR, NOW, centres=[pirot]) is False
        await u.users.update(user.id, centre_id=tutin)  # their own Settings centre
        await u.commit()
    for load in ("by_identity", "get"):
        async with uow(engine) as u:
            found = await (
                u.users.by_identity("telegram", "1")
                if load == "by_identity"
                else u.users.get(user.id)
            )
        assert found.centres_for(Role.COORDINATOR) == {pirot}
        assert found.may_act_on(pirot, Role.COORDINATOR) and not found.may_act_on(
            tutin, Role.COORDINATOR
        )
    async with uow(engine) as u:
        assert await u.volunteers.coordinators_at(pirot) == [user.id]
        assert user.id not in await u.volunteers.coordinators_at(tutin)
        assert await u.users.grant(user.id, Role.COORDINATOR, NOW, all_centres=True) is True
        await u.commit()
    async with uow(engine) as u:
        found = await u.users.by_identity("telegram", "1")
        assert found.centres_for(Role.COORDINATOR) is None and found.may_act_on(
            tutin, Role.COORDINATOR
        )
        assert user.id in await u.volunteers.coordinators_at(tutin)
        assert await u.users.revoke(user.id, Role.COORDINATOR) is True
        await u.commit()
    async with uow(engine) as u:
        found = await u.users.by_identity("telegram", "1")
        assert found.centres_for(Role.COORDINATOR) == frozenset() and not found.bindings


async def test_an_admin_reaches_every_centre(engine):
    user = await register(engine)
    async with uow(engine) as u:
        await u.users.grant(user.id, Role.ADMIN, NOW)
        await u.commit()
    async with uow(engine) as u:
        found = await u.users.by_identity("telegram", "1")
    assert found.centres_for(Role.COORDINATOR, Role.ADMIN) is None
    assert found.centres_for(Role.COORDINATOR) == frozenset()  # the admin role itself does it


async def test_seeding_twice_changes_nothing(engine):
    assert await seed_demo(engine) == 0  # the fixture seeded once already
    async with uow(engine) as u:
        centres = await u.centres.all()
    assert [c.slug for c in centres] == ["krusevac", "novi-pazar", "pirot", "sjenica", "tutin"]
    assert all(c.phone and c.address and c.hours for c in centres)


async def test_demo_volunteering_adds_shifts_and_approved_volunteers_once(engine):
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from handlers.model import Task, VolunteerStatus
    from storage.models import ShiftRow, ShiftSignupRow
    from storage.seed import DEMO_SIGNUPS_FROM

    belgrade = ZoneInfo("Europe/Belgrade")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday, 10:00 in Belgrade
    # The fixture seeds without volunteering (the flow tests start with no shifts of their own);
    # `reintegrate-bot seed --demo` adds them.
    added = await seed_demo(engine, now=now, volunteering=True)
    async with engine.connect() as conn:
        counts = await conn.execute(
            select(ShiftRow.centre_id, func.count()).group_by(ShiftRow.centre_id)
        )
        per_centre = {centre: n for centre, n in counts}
        first, last = (
            await conn.execute(select(func.min(ShiftRow.starts_at), func.max(ShiftRow.ends_at)))
        ).one()
        signups = (await conn.execute(select(func.count()).select_from(ShiftSignupRow))).scalar()
    # Two weeks from tomorrow (Tuesday 24 November to Monday 7 December): ten weekdays of two
    # shifts and two Saturdays, at each of the five centres.
    assert len(per_centre) == 5 and set(per_centre.values()) == {22}
    assert first.astimezone(belgrade) == datetime(2026, 11, 24, 9, tzinfo=belgrade)
    assert last.astimezone(belgrade) == datetime(2026, 12, 7, 17, tzinfo=belgrade)
    assert signups == 3 and added == 110 + 3 + 3

    async with uow(engine) as u:
        vesna = await u.users.by_identity("console", "vesna")
        assert vesna is not None and vesna.has_role(Role.VOLUNTEER)
        assert [c.kind for c in (await u.users.profile(vesna.id)).consents] == ["data"]
        request = await u.volunteers.of_user(vesna.id)
        assert request is not None and request.status is VolunteerStatus.APPROVED
        assert (request.first_name, request.tasks, request.phone) == (
            "Vesna", (Task.SCHOOL, Task.TRANSLATION), None,
        )  # fmt: skip
        mine = await u.shifts.mine(vesna.id, now)
        assert sorted(s.task for _, s in mine) == [Task.SCHOOL, Task.TRANSLATION]
        assert all(s.starts_at >= now + DEMO_SIGNUPS_FROM for _, s in mine)
        for name in ("luka", "emina"):
            other = await u.users.by_identity("console", name)
            assert other is not None and other.has_role(Role.VOLUNTEER)

    assert await seed_demo(engine, now=now, volunteering=True) == 0
    assert await seed_demo(engine, volunteering=True) == 0, "another day adds nothing either"
