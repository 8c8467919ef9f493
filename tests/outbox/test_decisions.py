"""The core's delivery decision on real storage: send this message, or drop it and why."""

from __future__ import annotations

import uuid
from datetime import timedelta

from handlers.model import BroadcastStatus, Role, Target
from handlers.notices import Notice, NoticeButton, name
from handlers.rules.broadcasts import MESSAGE
from handlers.rules.reminders import REMINDER
from handlers.texts import Text
from handlers.usecases.accounts import account_gone, accounts_gone
from handlers.usecases.delivery import (
    Drop,
    Reason,
    Send,
    Unrenderable,
    decide,
    load_batch,
    recheck,
)

COME = Notice.of(
    REMINDER,
    [[NoticeButton("I can't come", "rem:no:1", "❌")]],
    what="Yoga",
    when="today",
    where=name("Pirot"),
)


async def register(app, who, *, platform="telegram", locale="en", wrote=None):
    """A person at Pirot on `platform`; `wrote`: how long ago they last wrote (None: never)."""
    now = app.clock.now()
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        user = await uow.users.register(
            platform=platform, external_id=who, chat_id=who, locale=locale,
            centre_id=pirot.id, consent_version="v1", now=now,
        )  # fmt: skip
        if wrote is not None:
            await uow.users.touch(platform, who, now - wrote)
        await uow.commit()
    return user.id


async def queue(app, uid, notice=COME, *, expires_at=None):
    async with app.uow() as uow:
        row = await uow.outbox.enqueue(
            uid, notice, not_before=app.clock.now(), now=app.clock.now(), expires_at=expires_at
        )
        await uow.commit()
    assert row is not None
    return row


async def claim(app, *, session_only=False):
    """Claim every due row, as a worker does, and load what deciding on them needs."""
    async with app.uow() as uow:
        rows = await uow.outbox.claim(
            app.clock.now(), token=uuid.uuid4().hex, limit=100, lease=timedelta(seconds=20),
            platforms=["telegram", "viber"],
        )  # fmt: skip
        batch = await load_batch(uow, rows, session_only=session_only)
        await uow.commit()
    return rows, batch


async def decided(app, *, session_only=False):
    rows, batch = await claim(app, session_only=session_only)
    return [decide(app.translator, row, batch, app.clock.now()) for row in rows]


async def test_a_row_is_sent_in_the_language_the_person_has_now(app):
    ana = await register(app, "ana")
    await queue(app, ana)
    async with app.uow() as uow:
        await uow.users.update(ana, locale="de")
        await uow.commit()
    (decision,) = await decided(app)
    assert isinstance(decision, Send)
    out = decision.out
    assert (out.chat_id, out.key) == ("ana", REMINDER.key)
    assert out.text == "Erinnerung: Yoga, today, im Zentrum Pirot. Kommen Sie?"
    assert [b.label for b in out.buttons] == ["❌ Ich kann nicht kommen"]


async def test_an_expired_row_is_dropped(app):
    ana = await register(app, "ana")
    await queue(app, ana, expires_at=app.clock.now())
    assert await decided(app) == [Drop(Reason.EXPIRED)]


async def test_a_row_to_someone_who_deleted_their_data_is_dropped(app):
    ana = await register(app, "ana")
    await queue(app, ana)
    async with app.uow() as uow:
        rows = await uow.outbox.claim(
            app.clock.now(), token="t", limit=10, lease=timedelta(seconds=20),
            platforms=["telegram"],
        )  # fmt: skip
        await uow.commit()
    async with app.uow() as uow:  # while the row is in hand
        await uow.users.delete(ana)
        await uow.commit()
    async with app.uow() as uow:
        batch = await load_batch(uow, rows, session_only=False)
    assert decide(app.translator, rows[0], batch, app.clock.now()) == Drop(Reason.NO_PERSON)


async def test_a_reminder_to_someone_who_turned_reminders_off_is_dropped(app):
    ana = await register(app, "ana")
    await queue(app, ana)
    await queue(app, ana, Notice(MESSAGE, {"text": "not a reminder"}))
    async with app.uow() as uow:
        await uow.users.update(ana, reminders_on=False)
        await uow.commit()
    reminder, other = await decided(app)
    assert reminder == Drop(Reason.REMINDERS_OFF)
    assert isinstance(other, Send) and other.out.text == "not a reminder"


async def announcement(app, texts, *, pin=False):
    """An announcement to Pirot, started now by an admin; its id."""
    now = app.clock.now()
    admin = await register(app, "admin")
    async with app.uow() as uow:
        await uow.users.grant(admin, Role.ADMIN, now)
        pirot = await uow.centres.by_slug("pirot")
        draft = await uow.broadcasts.create(
            created_by=admin, texts=texts, default_locale="en", now=now
        )
        await uow.broadcasts.edit(
            draft.id, target=Target(centres=(pirot.id,)), pin_centre=pirot.id if pin else None
        )
        assert await uow.broadcasts.start(draft.id, admin, now) is not None
        await uow.commit()
    return draft.id


async def test_an_announcement_goes_in_the_reader_s_language_with_its_pin(app):
    await register(app, "ana", locale="de")
    await register(app, "boris", locale="sr_Cyrl")
    await announcement(app, {"en": "Hello", "de": "Hallo", "sr": "Zdravo"}, pin=True)
    found = {d.out.chat_id: d.out for d in await decided(app) if isinstance(d, Send)}
    assert (found["ana"].text, found["boris"].text) == ("Hallo", "Здраво")
    assert found["ana"].location is not None and found["ana"].location.title == "Pirot"
    assert found["boris"].location is not None and found["boris"].location.title == "Пирот"


async def test_an_announcement_stopped_while_its_rows_are_in_hand_is_dropped(app):
    await register(app, "ana")
    broadcast_id = await announcement(app, {"en": "Hello"})
    async with app.uow() as uow:
        rows = await uow.outbox.claim(
            app.clock.now(), token="t", limit=10, lease=timedelta(seconds=20),
            platforms=["telegram"],
        )  # fmt: skip
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.broadcasts.stop(broadcast_id, app.clock.now())
        await uow.commit()
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(broadcast_id)).status is BroadcastStatus.STOPPED
        batch = await load_batch(uow, rows, session_only=False)
    assert len(rows) == 2, "Ana and the admin, both at Pirot"
    assert {decide(app.translator, r, batch, app.clock.now()) for r in rows} == {
        Drop(Reason.STOPPED)
    }


async def test_viber_session_only_drops_a_reminder_outside_the_free_window(app):
    inside = await register(app, "vera", platform="viber", wrote=timedelta(hours=23))
    outside = await register(app, "vid", platform="viber", wrote=timedelta(hours=25))
    never = await register(app, "vuk", platform="viber")
    for uid in (inside, outside, never):
        await queue(app, uid)
    rows, batch = await claim(app, session_only=True)
    now = app.clock.now()
    by_chat = {row.chat_id: decide(app.translator, row, batch, now) for row in rows}
    assert isinstance(by_chat["vera"], Send)
    assert by_chat["vid"] == by_chat["vuk"] == Drop(Reason.OUTSIDE_WINDOW)
    (vera,) = (r for r in rows if r.chat_id == "vera")
    assert recheck(vera, batch, now) is None
    # Waiting for its slot past the end of the window: it is not sent after all.
    assert recheck(vera, batch, now + timedelta(hours=1)) == Drop(Reason.OUTSIDE_WINDOW)


async def test_without_session_only_paid_viber_messages_go(app):
    await queue(app, await register(app, "vuk", platform="viber"))
    (decision,) = await decided(app, session_only=False)
    assert isinstance(decision, Send)


async def test_a_row_that_waited_past_its_expiry_is_dropped_on_recheck(app):
    ana = await register(app, "ana")
    await queue(app, ana, expires_at=app.clock.now() + timedelta(minutes=1))
    rows, batch = await claim(app)
    now = app.clock.now()
    assert isinstance(decide(app.translator, rows[0], batch, now), Send)
    assert recheck(rows[0], batch, now + timedelta(minutes=1)) == Drop(Reason.EXPIRED)


async def test_a_row_that_cannot_be_rendered_fails_for_good(app):
    ana = await register(app, "ana")
    await queue(app, ana, Notice.of(Text("gone.from.this.version", "Gone")))
    (decision,) = await decided(app)
    assert decision == Unrenderable("UnknownMessage")
    assert decision.reason == "render: UnknownMessage"


async def test_an_account_gone_is_unreachable_and_its_queue_dropped(app):
    ana = await register(app, "ana")
    ben = await register(app, "ben")
    await queue(app, ana)
    await account_gone(app.uow, "telegram", "ana", app.clock.now())
    now = app.clock.now()
    async with app.uow() as uow:
        assert await uow.outbox.enqueue(ana, COME, not_before=now, now=now) is None
        assert await uow.outbox.counts() == {"dropped": 1}
    # Several at once, in one transaction; one already gone is harmless.
    await accounts_gone(app.uow, [("telegram", "ben"), ("telegram", "ana")], now)
    async with app.uow() as uow:
        assert await uow.outbox.enqueue(ben, COME, not_before=now, now=now) is None
        assert await uow.users.get(ben) is not None, "the person stays; only the account is off"
