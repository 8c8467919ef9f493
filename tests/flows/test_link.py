"""One person on Telegram and Viber: a one-time code links the accounts."""

from __future__ import annotations

from sqlalchemy import select

from handlers.notices import Notice
from handlers.rules.reminders import REMINDER
from storage.db import session_factory
from storage.models import IdentityRow, LinkCodeRow, OutboxRow
from tests.flows.test_workshops import joined
from tests.outbox.helpers import user_id
from tests.support import personal_rows


async def code_of(p) -> str:
    await p.send("/menu")
    await p.press("Settings")
    await p.press("Link Telegram and Viber")
    assert p.keys == ["link.code"]
    return p.last.text.split("/link ", 1)[1].split()[0]


async def notify(app, uid) -> str:
    """Queue a notice to the person; the platform it goes to."""
    async with app.uow() as uow:
        row = await uow.outbox.enqueue(
            uid, Notice.of(REMINDER, what="x", when="y", where="z"),
            not_before=app.clock.now(), now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    async with session_factory(app.engine)() as s:
        return (await s.get(OutboxRow, row)).platform


async def test_a_code_links_viber_to_the_telegram_person_and_messages_follow_the_last_used(
    app, person, clock
):
    ana = await joined(person)
    uid = await user_id(app, ana)
    code = await code_of(ana)
    on_viber = person("ana-viber", platform="viber")
    await on_viber.send(f"/link {code}")
    assert on_viber.keys == ["link.done"]
    assert "Volunteer" in " ".join(on_viber.labels), "the main menu of the same person"
    assert await user_id(app, on_viber) == uid
    assert await notify(app, uid) == "viber", "Viber was used last"

    clock.advance(minutes=11)
    await ana.send("/menu")
    assert await notify(app, uid) == "telegram", "now Telegram was"

    stranger = person("ben-viber", platform="viber")
    await stranger.send(f"/link {code}")
    assert stranger.keys == ["link.unknown"], "a code works once"
    await on_viber.send(f"/link {await code_of(ana)}")
    assert on_viber.keys == ["link.already"]


async def test_codes_expire_and_an_account_with_its_own_data_is_not_merged(app, person, clock):
    ana = await joined(person)
    code = await code_of(ana)
    clock.advance(minutes=10, seconds=1)
    late = person("late", platform="viber")
    await late.send(f"/link {code}")
    assert late.keys == ["link.unknown"]

    code = await code_of(ana)
    ben = await joined(person, "ben")
    await ben.send(f"/link {code}")
    assert ben.keys == ["link.taken"]
    await ben.send("/link soon")
    assert ben.keys == ["link.how"]
    async with session_factory(app.engine)() as s:
        owners = (await s.execute(select(IdentityRow.user_id))).scalars().all()
    assert len(set(owners)) == 2 and len(owners) == 2


async def test_deleting_my_data_removes_both_accounts_and_codes(app, person):
    ana = await joined(person)
    code = await code_of(ana)
    on_viber = person("ana-viber", platform="viber")
    await on_viber.send(f"/link {code}")
    await code_of(ana)  # an unused code too
    await on_viber.send("/menu")
    await on_viber.press("Settings")
    await on_viber.press("Delete my data")
    await on_viber.press("Yes, delete my data")
    assert await personal_rows(app.engine) == {}
    async with session_factory(app.engine)() as s:
        assert (await s.execute(select(LinkCodeRow))).first() is None
