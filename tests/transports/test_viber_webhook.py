"""The Viber transport in-process: signed callbacks over real HTTP to our aiohttp app, replies to a
fake Viber API, the delivery worker with the Viber outbox sender, and the file URLs."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy import select

from bot.bootstrap import make_worker
from bot.delivery import Verdict
from bot.logs import KeyValueFormatter
from bot.scheduler import release_reminders
from bot.transports.viber.app import public_origin
from bot.transports.viber.files import FileLinks
from handlers.flows.menu import MENU
from handlers.messages import Button, Document, Outgoing
from handlers.notices import Notice
from storage.db import session_factory
from storage.models import AppointmentRow, FileRow, IdentityRow, OutboxRow, ProcessedUpdateRow
from tests.fakes.viber_api import TOKEN
from tests.support.journeys import programme
from tests.support.messengers import VIBER_ANA as ANA
from tests.support.messengers import VIBER_WEBHOOK, Viber, onboard_viber

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def stored(app, model, *where):
    async with session_factory(app.engine)() as s:
        return (await s.execute(select(model).where(*where))).scalars().all()


async def test_unsigned_or_forged_callbacks_are_refused_and_change_nothing(app, viber):
    start = viber.message(ANA, "/start")
    for sign in (False, "0" * 64, "not hex at all", "é"):
        assert (await viber.post(start, sign=sign)).status == 403
    assert not viber.fake.sent(), "nothing was answered"
    assert not await stored(app, ProcessedUpdateRow), "nothing was processed"
    # A body signed for something else: the signature covers the raw bytes.
    good = hmac.new(TOKEN.encode(), json.dumps(start).encode(), hashlib.sha256).hexdigest()
    tampered = json.dumps({**start, "sender": {"id": "mallory"}}).encode()
    assert (await viber.post(tampered, sign=good)).status == 403


async def test_malformed_callbacks_are_400(viber):
    bodies: list[Any] = [
        b"{not json", b"[1, 2]", {"no": "event"},
        {"event": "message", "message_token": 1, "message": {"type": "text", "text": "hi"}},
        {"event": "message", "sender": {"id": ANA}, "message": {"type": "text", "text": "hi"}},
        {"event": "message", "message_token": 1, "sender": {"id": ANA}},
        {"event": "message", "message_token": 2, "sender": {"id": ANA},
         "message": {"type": "location", "location": {"lat": "north"}}},
        {"event": "conversation_started", "message_token": 3},
        {"event": "unsubscribed"}, {"event": "delivered", "user_id": ANA},
    ]  # fmt: skip
    for body in bodies:
        assert (await viber.post(body)).status == 400, body
    webhook = {"event": "webhook", "timestamp": viber.stamp(), "message_token": 1}
    assert (await viber.post(webhook)).status == 200
    subscribed = {
        "event": "subscribed",
        "user": {"id": ANA, "name": "Ana"},
        "message_token": 5,
    }
    assert (await viber.post(subscribed)).status == 200
    assert not await stored(viber.app, IdentityRow), "subscribing stores nobody"
    assert not viber.fake.sent()


# Written into the malformed callbacks: none of it may show up in the logs.
SENTINEL = "Ana-wrote-this-4711"


def garbage(vb: Viber) -> list[tuple[str, Any]]:
    """Signed callbacks Viber would never send, each with what makes it wrong."""

    def msg(**message: Any) -> dict[str, Any]:
        return {**vb.message(ANA, "hi"), "message": message}

    def deep(depth: int) -> Any:
        inner: Any = SENTINEL
        for _ in range(depth):
            inner = [inner]
        return inner

    return [
        ("text a list", msg(type="text", text=[SENTINEL])),
        ("text a number", msg(type="text", text=4711)),
        ("text an object", msg(type="text", text={"t": SENTINEL})),
        ("text missing", msg(type="text")),
        ("caption a number", msg(type="picture", text=4711, media="https://x")),
        ("type a number", msg(type=1, text=SENTINEL)),
        ("sender id a number", {**msg(type="text", text=SENTINEL), "sender": {"id": 4711}}),
        ("sender a list", {**msg(type="text", text=SENTINEL), "sender": [ANA]}),
        ("language a list", {**msg(type="text", text=SENTINEL),
                             "sender": {"id": ANA, "language": [SENTINEL]}}),
        ("message a string", {**msg(type="text", text="x"), "message": SENTINEL}),
        ("token a boolean", {**msg(type="text", text=SENTINEL), "message_token": True}),
        ("event a number", {**msg(type="text", text=SENTINEL), "event": 5}),
        ("lat a string", msg(type="location", location={"lat": SENTINEL, "lon": 22.5})),
        ("lat numeric text", msg(type="location", location={"lat": "43.1", "lon": 22.5})),
        ("lat null", msg(type="location", location={"lat": None, "lon": 22.5})),
        ("lat a boolean", msg(type="location", location={"lat": True, "lon": 22.5})),
        ("location a list", msg(type="location", location=[43.1, 22.5])),
        ("phone a number", msg(type="contact", contact={"phone_number": 381601234567})),
        ("deep in the text", msg(type="text", text=deep(500))),
        ("deep past the parser", b'{"event": "message", "x": ' + b"[" * 5000 + b"]" * 5000
         + b"}"),
        ("a deep list", b"[" * 100_000 + b"]" * 100_000),
        ("NaN", f'{{"event": "message", "x": NaN, "y": "{SENTINEL}"}}'.encode()),
        ("1e999", msg(type="location", location={"lat": 1e999, "lon": 22.5})),
        ("not UTF-8", b'{"event": "message", "x": "\xff' + SENTINEL.encode() + b'"}'),
        ("welcome user a string", {"event": "conversation_started", "message_token": 3,
                                   "user": SENTINEL}),
        ("welcome context a list", {"event": "conversation_started", "message_token": 3,
                                    "user": {"id": ANA}, "context": [SENTINEL]}),
        ("unsubscribed user a number", {"event": "unsubscribed", "user_id": 4711}),
        ("seen token an object", {"event": "seen", "user_id": ANA,
                                  "message_token": {"t": SENTINEL}}),
    ]  # fmt: skip


async def test_garbage_in_a_signed_callback_is_400_with_one_warning_and_nothing_handled(
    app, viber, caplog
):
    caplog.set_level(logging.INFO)
    for name, body in garbage(viber):
        caplog.clear()
        assert (await viber.post(body)).status == 400, name
        loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(loud) == 1, (name, [r.getMessage() for r in loud])
        assert loud[0].levelno == logging.WARNING and loud[0].exc_info is None, name
        logged = "\n".join(KeyValueFormatter().format(r) for r in caplog.records)
        assert SENTINEL not in logged and "Traceback" not in logged, (name, logged)
    assert not viber.fake.sent(), "nothing was answered"
    assert not await stored(app, ProcessedUpdateRow), "nothing was recorded as handled"
    assert not await stored(app, IdentityRow), "nobody was stored"
    # Events we do not act on are still a 200 (Viber sends some we never asked for).
    caplog.clear()
    for event in ("webhook", "client_status", "action"):
        assert (await viber.post({"event": event, "message_token": 1, "x": [[{}]]})).status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await onboard_viber(viber)  # and a good callback works as ever


async def test_conversation_started_answers_with_the_welcome_in_the_body(viber):
    welcome = await viber.started(ANA, "centre-pirot")
    assert welcome["sender"] == {"name": "RE!NTEGRATE"}
    assert welcome["type"] == "text" and "choose your language" in welcome["text"]
    labels = [html.unescape(b["Text"]) for b in welcome["keyboard"]["Buttons"]]
    assert labels[0] == "English" and "Deutsch" in labels, "the language picker"
    assert all(b["ActionType"] == "reply" for b in welcome["keyboard"]["Buttons"])
    assert "receiver" not in welcome
    assert not viber.fake.sent(), "nothing is sent to someone not subscribed"
    # The deep link travels in the buttons, so the centre is known after agreeing.
    await viber.say(ANA, viber.payload(ANA, "English", welcome["keyboard"]))
    await viber.press(ANA, "I agree")
    sent = await viber.press(ANA, "I live here")
    assert any("Your centre is Pirot" in m.get("text", "") for m in sent)
    assert all(m["sender"]["name"] == "RE!NTEGRATE" for m in viber.fake.sent())
    # A strange context is ignored rather than passed to the core as a deep link.
    plain = await viber.started("Other0000000000000000001=", "x y; DROP")
    assert "choose your language" in plain["text"]


async def test_onboarding_then_typing_location_and_contact(app, viber):
    await onboard_viber(viber)
    (ana,) = await stored(app, IdentityRow, IdentityRow.external_id == ANA)
    assert ana.platform == "viber" and ana.chat_id == ANA
    assert ana.last_incoming_at == app.clock.now(), "the free 24-hour window is tracked"
    app.clock.advance(hours=3)
    sent = await viber.say(ANA, "/menu")
    assert sent and "keyboard" in sent[-1]
    (ana,) = await stored(app, IdentityRow, IdentityRow.external_id == ANA)
    assert ana.last_incoming_at == app.clock.now()
    # A location and a contact reach the core as such (outside a step asking for them the
    # core says what to do; the point is that they are understood and answered).
    loc = viber.message(ANA, type="location", location={"lat": 43.15, "lon": 22.58})
    assert (await viber.post(loc)).status == 200
    contact = viber.message(
        ANA, type="contact", contact={"name": "Ana", "phone_number": "+381601234567"}
    )
    assert (await viber.post(contact)).status == 200
    sticker = viber.message(ANA, type="sticker", sticker_id=40133)
    assert (await viber.post(sticker)).status == 200
    assert len(viber.fake.sent()) > len(sent) + 2


async def test_a_repeated_message_token_is_handled_once(viber):
    await onboard_viber(viber)
    menu = viber.message(ANA, "/menu", token=9_000_000_001)
    before = len(viber.fake.sent())
    for _ in range(3):  # Viber retrying the callback
        assert (await viber.post(menu)).status == 200
    answered = viber.fake.sent()[before:]
    assert len(answered) == 1, "the retried callback was answered once"


async def test_workshop_sign_up_end_to_end_with_the_calendar_file(app, viber):
    await programme(app)
    await onboard_viber(viber)
    await viber.say(ANA, "/menu")
    for label in ("Workshops", "All kinds", "This week"):
        await viber.press(ANA, label)
    keyboard = viber.fake.sent()[-1]["keyboard"]
    title = next(
        html.unescape(b["Text"]) for b in keyboard["Buttons"] if "Computer basics" in b["Text"]
    )
    await viber.say(ANA, viber.payload(ANA, title))
    assert "Free places: 5 of 5" in viber.texts(ANA)[-1]
    sent = await viber.press(ANA, "Sign me up")
    kinds = [m["type"] for m in sent]
    assert "file" in kinds and "location" in kinds
    file = next(m for m in sent if m["type"] == "file")
    assert file["file_name"] == "workshop.ics" and file["size"] > 0
    assert file["media"].startswith("https://bot.example.org/files/")
    local = file["media"].replace("https://bot.example.org", viber.base)
    async with viber.http.get(local) as r:
        assert r.status == 200 and r.content_type == "text/calendar"
        body = await r.read()
    assert len(body) == file["size"]
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert "Pirot" in str(event["location"])


async def test_legal_booking_end_to_end(app, viber):
    await onboard_viber(viber)
    await viber.say(ANA, "/menu")
    for label in ("Legal advice", "Documents and ID", "Tue 01.12.", "09:30"):
        await viber.press(ANA, label)
    assert "Documents and ID" in viber.texts(ANA)[-1]
    sent = await viber.press(ANA, "Yes, book it")
    assert any(m["type"] == "file" for m in sent)
    (appointment,) = await stored(app, AppointmentRow)
    assert appointment.topic == "docs"


async def test_unsubscribed_then_a_reminder_falls_due_is_not_sent(app, viber):
    await programme(app)
    await onboard_viber(viber)
    async with app.uow() as uow:  # a message already queued for her, and reminders planned
        ana = await uow.users.by_identity("viber", ANA)
        now = app.clock.now()
        await uow.outbox.enqueue(ana.id, Notice.of(MENU), not_before=now + timedelta(hours=1),
                                 now=now)  # fmt: skip
        await uow.commit()
    await viber.say(ANA, "/menu")
    for label in ("Workshops", "All kinds", "This week"):
        await viber.press(ANA, label)
    keyboard = viber.fake.sent()[-1]["keyboard"]
    title = next(
        html.unescape(b["Text"]) for b in keyboard["Buttons"] if "Computer basics" in b["Text"]
    )
    await viber.say(ANA, viber.payload(ANA, title))
    await viber.press(ANA, "Sign me up")
    sent_before = len(viber.fake.sent())

    assert (await viber.post({"event": "unsubscribed", "timestamp": viber.stamp(),
                              "user_id": ANA, "message_token": 1})).status == 200  # fmt: skip
    (identity,) = await stored(app, IdentityRow, IdentityRow.external_id == ANA)
    assert identity.unreachable_at is not None
    rows = await stored(app, OutboxRow)
    assert rows and all(r.status == "dropped" for r in rows if r.platform == "viber")

    worker = make_worker(app, {"viber": viber.transport.platform})
    app.clock.advance(days=1, hours=6)  # both reminders are due now
    await release_reminders(app)
    await worker.drain()
    assert len(viber.fake.sent()) == sent_before, "nothing went to her"
    assert not [r for r in await stored(app, OutboxRow) if r.status == "sent"]


async def test_delivered_seen_failed_are_recorded_on_the_outbox_row(app, viber):
    await onboard_viber(viber)
    async with app.uow() as uow:
        ana = await uow.users.by_identity("viber", ANA)
        now = app.clock.now()
        for _ in range(2):
            await uow.outbox.enqueue(ana.id, Notice.of(MENU), not_before=now, now=now)
        await uow.commit()
    worker = make_worker(app, {"viber": viber.transport.platform})
    await worker.drain()
    first, second = await stored(app, OutboxRow)
    assert first.status == second.status == "sent" and first.message_id != second.message_id

    async def receipt(event: str, token: str, **extra: Any) -> None:
        body = {"event": event, "timestamp": viber.stamp(), "message_token": int(token),
                "user_id": ANA, **extra}  # fmt: skip
        assert (await viber.post(body)).status == 200

    await receipt("delivered", first.message_id)
    app.clock.advance(minutes=5)
    await receipt("seen", first.message_id)
    await receipt("delivered", first.message_id)  # late: does not undo "seen"
    await receipt("failed", second.message_id, desc="failed delivery")
    await receipt("seen", "123456789")  # a direct reply, not in the outbox: nothing to note
    first, second = await stored(app, OutboxRow)
    assert (first.receipt, first.receipt_at) == ("seen", app.clock.now())
    assert second.receipt == "failed"


async def test_the_outbox_sender_gives_verdicts_and_stores_files(app, viber):
    await onboard_viber(viber)
    sender = viber.transport.platform.sender
    doc = Document("workshop.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    result = await sender.send(ANA, Outgoing(ANA, "Your file", "x", document=doc))
    assert result.verdict is Verdict.SENT
    assert viber.fake.sent()[-2]["type"] == "file"
    viber.fake.fail_for(ANA, 6)
    assert (await sender.send(ANA, Outgoing(ANA, "hi", "x"))).verdict is Verdict.GONE


async def test_file_urls_expire_and_cannot_be_forged(app, viber):
    links: FileLinks = viber.transport.files
    doc = Document("workshop.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    url = await links.store(doc)
    assert links.url(doc) == url and public_origin(VIBER_WEBHOOK) == "https://bot.example.org"
    path = url.removeprefix("https://bot.example.org")
    file_id, expiry, signature = path.removeprefix("/files/").split(".")

    async def status(p: str) -> int:
        async with viber.http.get(viber.base + p) as r:
            if r.status == 200:
                assert await r.read() == doc.content
                assert "workshop.ics" in r.headers["Content-Disposition"]
            return r.status

    assert await status(path) == 200
    other = "0" * 32 if signature != "0" * 32 else "1" * 32
    assert await status(f"/files/{file_id}.{expiry}.{other}") == 403, "forged signature"
    later = int(expiry) + 86_400
    assert await status(f"/files/{file_id}.{later}.{signature}") == 403, "stretched expiry"
    assert await status(f"/files/{int(file_id) + 1}.{expiry}.{signature}") == 403
    assert await status("/files/nonsense") == 404
    # A validly signed token for a file that is not there.
    assert await status("/files/" + links.token(int(file_id) + 99, app.clock.now() +
                                                timedelta(hours=1))) == 404  # fmt: skip
    app.clock.advance(hours=25)
    assert await status(path) == 403, "expired"
    # Storing another file forgets expired ones.
    await links.store(Document("b.ics", b"x", "text/calendar"))
    rows = await stored(app, FileRow)
    assert [r.filename for r in rows] == ["b.ics"]


async def test_a_keyboard_longer_than_a_viber_screen_is_paged_from_any_process(app, viber):
    await onboard_viber(viber)
    rows = tuple((Button(f"Choice {i}", "menu:main"),) for i in range(40))
    out = Outgoing(chat_id=ANA, text="Pick one", key="test.long", keyboard=rows)
    await viber.transport.webhook._send(ANA, [out])
    first = viber.fake.sent()[-1]["keyboard"]["Buttons"]
    shown = [html.unescape(b["Text"]) for b in first]
    assert "Choice 0" in shown and "Choice 39" not in shown
    forward = next(b["ActionBody"] for b in first if b["ActionBody"].startswith("viber:page:"))
    paged = await viber.say(ANA, forward)
    assert [m["text"] for m in paged] == ["Pick one"]
    second = [html.unescape(b["Text"]) for b in paged[0]["keyboard"]["Buttons"]]
    assert "Choice 39" in second and "Choice 0" not in second
    # A button from the second page reaches the core like any other.
    back_to_menu = await viber.press(ANA, "Choice 39")
    assert any(MENU.msgid.split(".")[0] in m.get("text", "") for m in back_to_menu)


async def test_viber_updates_page_flips_and_the_welcome_are_counted(app, viber, caplog):
    def value(counter, *labels):
        return counter.labels(*labels)._value.get()

    metrics = app.metrics
    caplog.set_level(logging.INFO, logger="reintegrate")
    await onboard_viber(viber)  # the welcome (in the callback's answer), then three presses
    assert value(metrics.updates, "viber", "ok") == 4
    assert value(metrics.sent, "viber") == len(viber.fake.sent()) + 1, "the welcome counts"
    rows = tuple((Button(f"Choice {i}", "menu:main"),) for i in range(40))
    await viber.transport.webhook._send(ANA, [Outgoing(ANA, "Pick one", "test.long", rows)])
    first = viber.fake.sent()[-1]["keyboard"]["Buttons"]
    await viber.say(ANA, next(b["ActionBody"] for b in first if "viber:page:" in b["ActionBody"]))
    assert value(metrics.updates, "viber", "ok") == 5, "a page flip is an update too"
    flips = [r for r in caplog.records if getattr(r, "flow", None) == "keyboard"]
    assert len(flips) == 1 and isinstance(flips[0].user, int)
