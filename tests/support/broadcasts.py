"""Announcements stored directly, not written in the chat: the people they go to, an admin who
sends them, an announcement started or scheduled, its report."""

from __future__ import annotations

from handlers.model import Role, Target


async def register(app, name, *, locale="en", centre="pirot"):
    """A person who agreed to the notice, at `centre` (a slug), chatting on Telegram."""
    async with app.uow() as uow:
        found = await uow.centres.by_slug(centre)
        user = await uow.users.register(
            platform="telegram", external_id=name, chat_id=name, locale=locale,
            centre_id=found.id, consent_version="v1", now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    return user.id


async def admin_at_tutin(app):
    """The sender: an admin whose own centre is Tutin (so not in a Pirot audience)."""
    uid = await register(app, "coord", centre="tutin")
    async with app.uow() as uow:
        await uow.users.grant(uid, Role.ADMIN, app.clock.now())
        await uow.commit()
    return uid


async def announce(
    app, by, texts, *, default="en", target=None, pin=None, send_at=None, start=True
) -> int:
    """Write an announcement to Pirot; start it now (or schedule it for `send_at`)."""
    now = app.clock.now()
    async with app.uow() as uow:
        pirot = await uow.centres.by_slug("pirot")
        draft = await uow.broadcasts.create(
            created_by=by, texts=texts, default_locale=default, now=now
        )
        await uow.broadcasts.edit(
            draft.id, target=target or Target(centres=(pirot.id,)),
            pin_centre=pirot.id if pin else None,
        )  # fmt: skip
        if send_at is not None:
            assert await uow.broadcasts.schedule(draft.id, send_at, by)
        elif start:
            assert await uow.broadcasts.start(draft.id, by, now) is not None
        await uow.commit()
    return draft.id


async def report(app, broadcast_id):
    """The announcement's report (its counts), as storage makes it."""
    async with app.uow() as uow:
        return await uow.broadcasts.report(broadcast_id)
