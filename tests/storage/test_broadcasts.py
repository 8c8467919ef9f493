"""Announcements in storage: the audience is chosen and queued in the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from handlers.model import (
    Audience,
    BroadcastStatus,
    ResidentStatus,
    Role,
    Target,
    Topic,
    User,
    WorkshopKind,
)
from handlers.rules.broadcasts import scoped
from storage.broadcasts import audience
from storage.db import session_factory
from storage.models import IdentityRow, OutboxRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=60)  # clear of the demo programme the fixtures seed


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


async def centre_ids(engine):
    async with uow(engine) as u:
        return {c.slug: c.id for c in await u.centres.all()}


async def one(
    u, name, *, centre=None, locale="sr", status=None, platform="telegram", roles=()
) -> int:
    """Register one person inside an open unit of work; their id."""
    user = await u.users.register(
        platform=platform, external_id=name, chat_id=f"chat-{name}", locale=locale,
        centre_id=centre, consent_version="v1", now=NOW,
    )  # fmt: skip
    if status is not None:
        await u.users.update(user.id, status=status)
    for role in roles:
        await u.users.grant(user.id, role, NOW)
    return user.id


async def who(engine, target, now=NOW) -> set[int]:
    """The user ids `audience(target, now)` selects."""
    async with session_factory(engine)() as s:
        return set((await s.execute(audience(target, now))).scalars())


async def outbox(engine, ref=None):
    async with session_factory(engine)() as s:
        stmt = select(OutboxRow).order_by(OutboxRow.id)
        if ref is not None:
            stmt = stmt.where(OutboxRow.ref == ref)
        return (await s.execute(stmt)).scalars().all()


async def draft(engine, target=None, *, by=None):
    async with uow(engine) as u:
        made = await u.broadcasts.create(
            created_by=by or 1, texts={"sr": "Zdravo"}, default_locale="sr", now=NOW
        )
        await u.broadcasts.edit(made.id, target=target or Target())
        await u.commit()
    return made.id


async def start(engine, broadcast_id, now=NOW):
    async with uow(engine) as u:
        queued = await u.broadcasts.start(broadcast_id, None, now)
        await u.commit()
    return queued


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


# -- who is in an audience --------------------------------------------------------------------


async def test_audience_by_centre_status_volunteering_and_language(engine):
    c = await centre_ids(engine)
    async with uow(engine) as u:
        ret_pirot_de = await one(u, "a", centre=c["pirot"], locale="de",
                                 status=ResidentStatus.RETURNEE)  # fmt: skip
        ret_pirot_sr = await one(u, "b", centre=c["pirot"], status=ResidentStatus.RETURNEE)
        local_pirot_de = await one(u, "c", centre=c["pirot"], locale="de",
                                   status=ResidentStatus.LOCAL)  # fmt: skip
        ret_tutin_de = await one(u, "d", centre=c["tutin"], locale="de",
                                 status=ResidentStatus.RETURNEE)  # fmt: skip
        unsaid_sjenica = await one(u, "e", centre=c["sjenica"], locale="sr_Cyrl",
                                   status=ResidentStatus.UNSAID)  # fmt: skip
        no_centre = await one(u, "f", locale="en")  # never chose a status
        volunteer = await one(u, "g", centre=c["krusevac"], locale="en",
                              status=ResidentStatus.LOCAL, roles=(Role.VOLUNTEER,))  # fmt: skip
        await one(u, "h", centre=c["krusevac"], roles=(Role.COORDINATOR,))
        await u.commit()
    everyone = await who(engine, Target())
    assert len(everyone) == 8 and {no_centre, volunteer} <= everyone
    assert await who(engine, Target(centres=(c["pirot"],))) == {
        ret_pirot_de, ret_pirot_sr, local_pirot_de,
    }  # fmt: skip
    assert await who(engine, Target(centres=(c["tutin"], c["sjenica"]))) == {
        ret_tutin_de, unsaid_sjenica,
    }  # fmt: skip
    assert await who(engine, Target(status=ResidentStatus.RETURNEE)) == {
        ret_pirot_de, ret_pirot_sr, ret_tutin_de,
    }  # fmt: skip
    assert await who(engine, Target(status=ResidentStatus.LOCAL)) == {local_pirot_de, volunteer}
    assert await who(engine, Target(volunteers=True)) == {volunteer}
    assert await who(engine, Target(locales=("de",))) == {
        ret_pirot_de, local_pirot_de, ret_tutin_de,
    }  # fmt: skip
    assert await who(engine, Target(locales=("en", "sr_Cyrl"))) == {
        no_centre, unsaid_sjenica, volunteer,
    }  # fmt: skip
    # Every criterion must hold: Pirot and returnee and German.
    pirot_returnees_de = Target(
        centres=(c["pirot"],), status=ResidentStatus.RETURNEE, locales=("de",)
    )
    assert await who(engine, pirot_returnees_de) == {ret_pirot_de}
    assert await who(engine, Target(centres=(c["tutin"],), volunteers=True)) == set()
    async with uow(engine) as u:
        assert await u.broadcasts.count(pirot_returnees_de, NOW) == {"telegram": 1}
        assert await u.broadcasts.count(Target(), NOW) == {"telegram": 8}


async def test_audience_of_a_workshop_counts_places_and_waiting_but_not_cancelled_or_past(engine):
    c = await centre_ids(engine)
    async with uow(engine) as u:
        soon, later = await u.workshops.create(
            centre_id=c["pirot"], titles={"en": "German class"}, kind=WorkshopKind.SCHOOL,
            audience=Audience.ADULTS, language="de", starts=[LATER, LATER + timedelta(weeks=1)],
            minutes=60, capacity=1, now=NOW,
        )  # fmt: skip
        (other,) = await u.workshops.create(
            centre_id=c["pirot"], titles={"en": "Other"}, kind=WorkshopKind.SCHOOL,
            audience=Audience.ADULTS, language="sr", starts=[LATER], minutes=60, capacity=5,
            now=NOW,
        )  # fmt: skip
        confirmed = await one(u, "confirmed", centre=c["pirot"])
        waiting = await one(u, "waiting", centre=c["pirot"])
        cancelled = await one(u, "cancelled", centre=c["pirot"])
        second_week = await one(u, "second", centre=c["tutin"])
        elsewhere = await one(u, "elsewhere", centre=c["pirot"])
        assert (await u.workshops.book(soon, confirmed, NOW)).status == "confirmed"
        assert (await u.workshops.book(soon, waiting, NOW)).status == "waiting"
        gave_back = await u.workshops.book(soon, cancelled, NOW)
        await u.workshops.cancel(gave_back.id, NOW)
        await u.workshops.book(later, second_week, NOW)
        await u.workshops.book(other, elsewhere, NOW)
        workshop_id = (await u.workshops.session(soon)).workshop_id
        await u.commit()
    target = Target(workshop_id=workshop_id)
    assert await who(engine, target) == {confirmed, waiting, second_week}
    # Once the first session is over, only those signed up for the next one remain.
    assert await who(engine, target, LATER + timedelta(hours=2)) == {second_week}
    assert await who(engine, target, LATER + timedelta(weeks=2)) == set()
    # A cancelled session's people are not "signed up" any more.
    async with uow(engine) as u:
        await u.workshops.cancel_session(later, NOW)
        await u.commit()
    assert await who(engine, target) == {confirmed, waiting}
    # Combined with a centre: only those at the sender's centre.
    assert await who(engine, Target(centres=(c["tutin"],), workshop_id=workshop_id)) == set()


async def test_audience_with_an_upcoming_legal_appointment_at_a_centre(engine):
    c = await centre_ids(engine)
    async with uow(engine) as u:
        adviser = (await u.legal.advisers())[0].id
        booked = await one(u, "booked", centre=c["tutin"])  # home centre does not matter
        cancelled = await one(u, "cancelled", centre=c["pirot"])
        past = await one(u, "past", centre=c["pirot"])
        other_centre = await one(u, "other", centre=c["pirot"])
        await one(u, "none", centre=c["pirot"])

        async def book(uid, centre, at):
            appointment = await u.legal.book(
                adviser_id=adviser, user_id=uid, centre_id=centre, topic=Topic.DOCUMENTS,
                starts_at=at, ends_at=at + timedelta(minutes=30), now=NOW,
            )  # fmt: skip
            assert appointment is not None
            return appointment.id

        await book(booked, c["pirot"], NOW + timedelta(days=2))
        await u.legal.cancel(await book(cancelled, c["pirot"], NOW + timedelta(days=3)))
        await book(past, c["pirot"], NOW - timedelta(days=1))
        await book(other_centre, c["sjenica"], NOW + timedelta(days=4))
        await u.commit()
    assert await who(engine, Target(legal_centre=c["pirot"])) == {booked}
    assert await who(engine, Target(legal_centre=c["sjenica"])) == {other_centre}
    assert await who(engine, Target(legal_centre=c["pirot"]), NOW + timedelta(days=3)) == set()


async def test_never_the_unreachable_or_the_deleted_and_one_message_per_person(engine):
    c = await centre_ids(engine)
    async with uow(engine) as u:
        blocked = await one(u, "blocked", centre=c["pirot"])
        gone = await one(u, "gone", centre=c["pirot"])
        stays = await one(u, "stays", centre=c["pirot"])
        # Two accounts, both reachable: the newest (Viber) gets the message, once.
        both = await one(u, "both-tg", centre=c["pirot"])
        # Two accounts, the newer one blocked: the older one still reaches them.
        half = await one(u, "half-tg", centre=c["pirot"])
        await u.commit()
    async with session_factory(engine)() as s, s.begin():
        s.add(IdentityRow(user_id=both, platform="viber", external_id="both-vb",
                          chat_id="chat-both-vb", created_at=NOW))  # fmt: skip
        s.add(IdentityRow(user_id=half, platform="viber", external_id="half-vb",
                          chat_id="chat-half-vb", created_at=NOW))  # fmt: skip
    async with uow(engine) as u:
        await u.users.mark_unreachable("telegram", "blocked", NOW)
        await u.users.mark_unreachable("viber", "half-vb", NOW)
        await u.users.delete(gone)
        await u.commit()
    assert await who(engine, Target()) == {stays, both, half}
    assert blocked not in await who(engine, Target(centres=(c["pirot"],)))
    async with uow(engine) as u:
        counted = await u.broadcasts.count(Target(), NOW)
    assert counted == {"telegram": 2, "viber": 1}
    broadcast_id = await draft(engine)
    assert await start(engine, broadcast_id) == 3
    rows = await outbox(engine)
    assert sorted((r.user_id, r.platform, r.chat_id) for r in rows) == sorted(
        [(stays, "telegram", "chat-stays"), (both, "viber", "chat-both-vb"),
         (half, "telegram", "chat-half-tg")]
    )  # fmt: skip
    # What `count` showed per platform is what `start` queued.
    queued: dict[str, int] = {}
    for r in rows:
        queued[r.platform] = queued.get(r.platform, 0) + 1
    assert queued == counted
    async with uow(engine) as u:
        assert (await u.broadcasts.get(broadcast_id)).recipients == 3


async def test_count_per_platform_matches_what_start_queues(engine):
    c = await centre_ids(engine)
    async with uow(engine) as u:
        for i in range(4):
            await one(u, f"tg{i}", centre=c["pirot"], status=ResidentStatus.RETURNEE)
        for i in range(3):
            await one(u, f"vb{i}", centre=c["pirot"], platform="viber",
                      status=ResidentStatus.RETURNEE)  # fmt: skip
        await one(u, "local", centre=c["pirot"], status=ResidentStatus.LOCAL)
        await u.commit()
    target = Target(centres=(c["pirot"],), status=ResidentStatus.RETURNEE)
    async with uow(engine) as u:
        counted = await u.broadcasts.count(target, NOW)
    assert counted == {"telegram": 4, "viber": 3}
    broadcast_id = await draft(engine, target)
    assert await start(engine, broadcast_id) == sum(counted.values())
    async with session_factory(engine)() as s:
        rows = await s.execute(
            select(OutboxRow.platform, func.count()).group_by(OutboxRow.platform)
        )
        assert dict(rows.all()) == counted


# -- the audience is fixed when sending starts ------------------------------------------------


async def test_the_audience_is_fixed_when_sending_starts(engine):
    early = await people(engine, 3)
    broadcast_id = await draft(engine)
    assert await start(engine, broadcast_id) == 3
    await people(engine, 2, locale="de")  # registered after Send: they get nothing
    async with uow(engine) as u:
        await u.users.delete(early[0])  # deleted their data before their message went out
        await u.commit()
    rows = await outbox(engine, f"bc:{broadcast_id}")
    assert sorted(r.user_id for r in rows) == early[1:]
    async with uow(engine) as u:
        report = await u.broadcasts.report(broadcast_id)
        assert report["queued"] == 2
        assert (await u.broadcasts.get(broadcast_id)).recipients == 3
        assert await u.broadcasts.start(broadcast_id, None, NOW) is None  # not again


async def test_two_coordinators_pressing_send_at_once_queue_it_once(engine):
    await people(engine, 20)
    broadcast_id = await draft(engine)

    async def press(by):
        async with uow(engine) as u:
            queued = await u.broadcasts.start(broadcast_id, by, NOW)
            await u.commit()
            return queued

    results = await asyncio.gather(press(1), press(2))
    assert sorted(results, key=lambda r: r is None) == [20, None]
    assert len(await outbox(engine)) == 20
    async with uow(engine) as u:
        found = await u.broadcasts.get(broadcast_id)
    assert (found.status, found.recipients) == (BroadcastStatus.SENDING, 20)


async def test_a_scheduled_announcement_starts_once_and_a_cancelled_one_never(engine):
    await people(engine, 2)
    scheduled = await draft(engine)
    cancelled = await draft(engine)
    async with uow(engine) as u:
        assert await u.broadcasts.schedule(scheduled, NOW + timedelta(hours=1), 1)
        assert await u.broadcasts.schedule(cancelled, NOW + timedelta(hours=1), 1)
        assert await u.broadcasts.stop(cancelled, NOW)
        assert await u.broadcasts.due(NOW) == []
        assert await u.broadcasts.due(NOW + timedelta(hours=1)) == [scheduled]
        await u.commit()
    assert await start(engine, cancelled) is None
    assert await start(engine, scheduled, NOW + timedelta(hours=1)) == 2
    async with uow(engine) as u:
        assert await u.broadcasts.due(NOW + timedelta(hours=2)) == []
        assert not await u.broadcasts.edit(scheduled, texts={"sr": "changed"})
        assert (await u.broadcasts.get(cancelled)).status is BroadcastStatus.CANCELLED


# -- who a sender may reach ------------------------------------------------------------------


def sender(*roles, centre=None, bound=None) -> User:
    """A sender with these roles; a coordinator bound to `bound` (by default their centre)."""
    bound = (centre,) if bound is None and centre is not None else bound or ()
    return User(
        id=1, locale="sr", status=None, centre_id=centre, reminders_on=True, created_at=NOW,
        roles=frozenset(roles),
        bindings=frozenset((Role.COORDINATOR, c) for c in bound if Role.COORDINATOR in roles),
    )  # fmt: skip


def test_a_coordinator_reaches_only_their_own_centre():
    pirot, tutin = 4, 2
    coordinator = sender(Role.COORDINATOR, centre=pirot)
    assert scoped(coordinator, Target()) == Target(centres=(pirot,))
    assert scoped(coordinator, Target(centres=(pirot,))).centres == (pirot,)
    # A forged centre outside theirs is dropped; what is left is their own centre.
    assert scoped(coordinator, Target(centres=(tutin,))).centres == (pirot,)
    assert scoped(coordinator, Target(centres=(tutin, pirot))).centres == (pirot,)
    kept = scoped(coordinator, Target(status=ResidentStatus.RETURNEE, locales=("de",)))
    assert kept == Target(centres=(pirot,), status=ResidentStatus.RETURNEE, locales=("de",))
    assert scoped(coordinator, Target(legal_centre=pirot)) == Target(
        centres=(pirot,), legal_centre=pirot
    )
    # Legal appointments at another centre are not theirs to announce to.
    assert scoped(coordinator, Target(legal_centre=tutin)) is None


def test_a_coordinator_without_a_centre_reaches_no_one_and_an_admin_everyone():
    assert scoped(sender(Role.COORDINATOR), Target()) is None
    assert scoped(sender(Role.COORDINATOR), Target(centres=(4,))) is None
    target = Target(centres=(2, 4), status=ResidentStatus.LOCAL, legal_centre=5)
    assert scoped(sender(Role.ADMIN), target) == target
    assert scoped(sender(Role.ADMIN), Target()) == Target()
    assert scoped(sender(Role.ADMIN, Role.COORDINATOR, centre=4), target) == target
