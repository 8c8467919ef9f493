"""Viber's paid messages: counted in the preview, priced, and held back with session-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build
from bot.config import SettingsError, load_settings
from bot.delivery import DeliveryWorker, Platform
from bot.scheduler import release_reminders
from handlers.model import Target
from storage.db import session_factory
from storage.models import OutboxRow
from tests.support import Person
from tests.support.broadcasts import admin_at_tutin, announce, report
from tests.support.journeys import staff, write
from tests.support.outbox import Recorder, plan_reminders, tick

HOUR = timedelta(hours=1)


async def register(app, name, *, platform="telegram", centre="pirot", wrote=None):
    """A person at `centre` (a slug) on `platform`, who last wrote `wrote` ago (None: never)."""
    now = app.clock.now()
    async with app.uow() as uow:
        found = await uow.centres.by_slug(centre)
        user = await uow.users.register(
            platform=platform, external_id=name, chat_id=name, locale="en",
            centre_id=found.id, consent_version="v1", now=now,
        )  # fmt: skip
        if wrote is not None:
            await uow.users.touch(platform, name, now - wrote)
        await uow.commit()
    return user.id


async def wrote(app, name, ago, *, platform="viber"):
    """`name` last wrote `ago` before the clock's time."""
    async with app.uow() as uow:
        await uow.users.touch(platform, name, app.clock.now() - ago)
        await uow.commit()


async def configured(app, clock, db, **settings) -> App:
    """Another App on the same database, with these settings."""
    found = load_settings(database_url=db, default_locale="en", **settings)
    return await build(found, clock=clock, engine=app.engine, translator=app.translator)


def deliverer(app, rec, mode):
    platforms = {p: Platform(rec, limiter=None) for p in ("telegram", "viber")}
    return DeliveryWorker(app.uow, app.clock, app.translator, platforms, viber_paid_messages=mode)


async def pirot(app) -> Target:
    async with app.uow() as uow:
        found = await uow.centres.by_slug("pirot")
    return Target(centres=(found.id,))


async def test_paid_counts_only_viber_accounts_outside_the_free_window(app):
    await register(app, "tom", platform="telegram")  # never wrote, but Telegram is free
    await register(app, "tina", platform="telegram", wrote=timedelta(days=3))
    await register(app, "vera", platform="viber", wrote=HOUR)  # inside
    await register(app, "vlad", platform="viber", wrote=timedelta(hours=23, minutes=59))
    await register(app, "vid", platform="viber", wrote=timedelta(hours=25))  # outside
    await register(app, "vuk", platform="viber")  # never wrote: outside
    await register(app, "vesna", platform="viber", wrote=timedelta(days=2), centre="tutin")
    target, now = await pirot(app), app.clock.now()
    async with app.uow() as uow:
        assert await uow.broadcasts.count(target, now) == {"telegram": 2, "viber": 4}
        assert await uow.broadcasts.paid(target, now) == 2
        assert await uow.broadcasts.paid(Target(), now) == 3, "Tutin's Vesna too"
        assert await uow.broadcasts.paid(target, now - 2 * HOUR) == 1, "Vid was inside then"
        assert await uow.broadcasts.paid(Target(centres=(999,)), now) == 0


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"viber_message_price": 0.0125, "viber_price_currency": "RSD"},
            "Viber: 3 of them are outside the free 24-hour window; those messages are paid "
            "(about 0.04 RSD).",
        ),
        (
            {"viber_paid_messages": "session-only", "viber_message_price": 0.05},
            "Viber: 3 of them are outside the free 24-hour window and will not get it "
            "(paid Viber messages are switched off).",
        ),
    ],
)
async def test_the_preview_counts_paid_viber_messages(app, clock, db, settings, line):
    configured_app = await configured(app, clock, db, **settings)

    def person(name, **kw):
        return Person(configured_app.conversation, name, **kw)

    coco = await staff(configured_app, person, "coco")
    await register(app, "vera", platform="viber", wrote=HOUR)
    await write(coco)
    await coco.press("Preview")
    _, counts = coco.replies
    assert "Recipients: 2 (Telegram 1, Viber 1)" in counts.text
    assert "Viber:" not in counts.text, "everyone on Viber is inside the free window"

    await register(app, "vid", platform="viber", wrote=timedelta(hours=25))
    await register(app, "vuk", platform="viber")
    await register(app, "vlasta", platform="viber", wrote=timedelta(days=9))
    await register(app, "vesna", platform="viber", centre="tutin")  # not in the audience
    await coco.press("Back")
    await coco.press("Preview")
    _, counts = coco.replies
    assert counts.key == "bc.counts"
    assert "Recipients: 5 (Telegram 1, Viber 4)" in counts.text
    assert counts.text.endswith("\n\n" + line)


async def test_the_default_price_is_zero_in_euros(app, person):
    coco = await staff(app, person, "coco")
    await register(app, "vuk", platform="viber")
    await write(coco)
    await coco.press("Preview")
    assert coco.replies[1].text.endswith(
        "Viber: 1 of them are outside the free 24-hour window; those messages are paid "
        "(about 0.00 EUR)."
    )


async def errors(app) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Each outbox row's (chat, key) → (status, error)."""
    sessions = session_factory(app.engine)
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxRow.chat_id, OutboxRow.key, OutboxRow.status, OutboxRow.last_error)
        )
    return {(r.chat_id, r.key): (r.status, r.last_error) for r in rows}


@pytest.mark.parametrize("mode", ["allow", "session-only"])
async def test_session_only_holds_back_paid_reminders_and_announcements(app, clock, mode):
    by = await admin_at_tutin(app)  # an admin at Tutin, on Telegram
    tom = await register(app, "tom")  # Telegram: never wrote, always free
    vera = await register(app, "vera", platform="viber")
    vid = await register(app, "vid", platform="viber")
    starts = clock.now() + timedelta(days=3)
    for uid in (tom, vera, vid):
        assert await plan_reminders(app, uid, "test:1", starts) == 2
    clock.advance(days=2)  # the 24-hour reminders are due
    await wrote(app, "vera", 23 * HOUR)  # inside the window: free
    await wrote(app, "vid", 24 * HOUR)  # the window just closed: paid
    rec = Recorder()
    w = deliverer(app, rec, mode)
    await tick(app, w)
    broadcast = await announce(app, by, {"en": "Open day on Friday"})
    await w.drain()

    got = sorted((o.chat_id, o.key) for o in rec.sent)
    everyone = ["tom", "vera"] if mode == "session-only" else ["tom", "vera", "vid"]
    assert got == sorted(
        [(c, "reminder.event") for c in everyone] + [(c, "bc.message") for c in everyone]
    )
    outcomes = await errors(app)
    counts = await report(app, broadcast)
    if mode == "session-only":
        assert outcomes[("vid", "reminder.event")] == ("dropped", "outside the free window")
        assert outcomes[("vid", "bc.message")] == ("dropped", "outside the free window")
        assert counts == {
            "delivered": 2, "blocked": 0, "failed": 0, "stopped": 0, "queued": 0,
            "outside_window": 1,
        }  # fmt: skip
    else:
        assert counts == {"delivered": 3, "blocked": 0, "failed": 0, "stopped": 0, "queued": 0}

    # The sender's report page names them only when there are some.
    admin = Person(app.conversation, "coord")
    await admin.press_payload(f"bc:r:{broadcast}")
    shown = "Not sent on Viber (outside the free 24-hour window; paid messages are switched off)"
    assert admin.keys == ["bc.report_page"]
    assert (f"{shown}: 1" in admin.last.text) == (mode == "session-only")
    assert f"Still queued: 0\n\n{shown}" in admin.last.text or mode == "allow"

    # Once Vid writes again, the next reminder reaches him even with session-only.
    clock.advance(hours=22)  # the 2-hour reminders are due
    await wrote(app, "vid", HOUR)
    await tick(app, w)
    assert ("vid", "reminder.event") in [(o.chat_id, o.key) for o in rec.sent]


async def test_the_window_is_checked_when_sending_not_when_queued(app, clock):
    """A reminder queued while the window was open goes only if it is still open."""
    vid = await register(app, "vid", platform="viber")
    assert await plan_reminders(app, vid, "test:1", clock.now() + timedelta(days=3)) == 2
    clock.advance(days=2)
    await wrote(app, "vid", 23 * HOUR)
    rec = Recorder()
    w = deliverer(app, rec, "session-only")
    await release_reminders(app)  # queued now, inside the window
    clock.advance(hours=2)  # the worker was down for two hours: now it is outside
    await w.drain()
    assert rec.sent == []
    assert (await errors(app))[("vid", "reminder.event")] == ("dropped", "outside the free window")


async def test_the_setting_reaches_the_worker_and_the_policy(app, clock, db):
    configured_app = await configured(
        app, clock, db, viber_paid_messages="session-only", viber_message_price=0.03
    )
    w = DeliveryWorker.from_settings(configured_app.settings, app.uow, clock, app.translator, {})
    assert w.session_only
    assert configured_app.policy.viber_paid_messages == "session-only"
    assert configured_app.policy.viber_message_price == 0.03
    assert configured_app.policy.viber_price_currency == "EUR"
    default = DeliveryWorker.from_settings(app.settings, app.uow, clock, app.translator, {})
    assert not default.session_only and app.policy.viber_paid_messages == "allow"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"viber_paid_messages": "never"}, "VIBER_PAID_MESSAGES"),
        ({"viber_message_price": -1}, "VIBER_MESSAGE_PRICE"),
        ({"viber_price_currency": ""}, "VIBER_PRICE_CURRENCY"),
    ],
)
def test_wrong_cost_settings_stop_start_up_naming_the_variable(settings, named):
    with pytest.raises(SettingsError, match=f"configuration error: {named}:"):
        load_settings(**settings)
