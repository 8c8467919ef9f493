"""The terminal chat shows its own person's proactive messages, and no one else's."""

from __future__ import annotations

import io

from bot.delivery import DeliveryWorker, Platform, Verdict
from bot.transports.console import PLATFORM, ConsoleChat, ConsoleOutbox
from handlers.messages import Kind, Outgoing
from handlers.notices import Notice, NoticeButton, name
from handlers.rules.reminders import REMINDER
from tests.support import Person
from tests.support.outbox import enqueue, user_id


async def test_each_terminal_shows_its_own_persons_notices(app):
    people = {}
    for who in ("ana", "coordinator"):
        p = Person(app.conversation, who, platform=PLATFORM)
        await p.send("/start")
        await p.press_through("English", "I agree", "I live here", "Pirot")
        people[who] = await user_id(app, p)
    sport = Notice.of(
        REMINDER, [[NoticeButton("I'll come", "rem:yes:1")]],
        what="Sport", when="today", where=name("Pirot"),
    )  # fmt: skip
    await enqueue(app, people["ana"], sport)
    await enqueue(
        app, people["coordinator"], Notice.of(REMINDER, what="Meeting", when="x", where="y")
    )

    screen = io.StringIO()
    chat = ConsoleChat(app.conversation, "ana", io.StringIO(), screen)
    worker = DeliveryWorker(
        app.uow, app.clock, app.translator,
        {PLATFORM: Platform(ConsoleOutbox(chat), limiter=None)}, only_external_id="ana",
    )  # fmt: skip
    assert await worker.drain() == 1
    shown = screen.getvalue()
    assert "Reminder: Sport, today, at Pirot" in shown
    assert "[1] I'll come" in shown, "its buttons can be pressed by number"
    assert "Meeting" not in shown, "the coordinator's notice waits for the coordinator's terminal"
    async with app.uow() as uow:
        assert (await uow.outbox.counts()) == {"sent": 1, "queued": 1}


async def test_a_photo_is_shown_above_its_text_and_slash_photo_sends_one():
    screen = io.StringIO()
    chat = ConsoleChat(None, "coordinator", io.StringIO(), screen)  # type: ignore[arg-type]
    out = Outgoing("coordinator", "Football on Sunday", "announce", photo="console-photo-1")
    assert (await ConsoleOutbox(chat).send("coordinator", out)).verdict is Verdict.SENT
    lines = screen.getvalue().strip().splitlines()
    assert lines[:2] == ["bot: [photo] console-photo-1", "     Football on Sunday"]

    first, second = chat.to_incoming("/photo"), chat.to_incoming(" /photo\n")
    assert (first.kind, first.text, first.command) == (Kind.PHOTO, "console-photo-1", "")
    assert (first.user_id, first.chat_id, first.platform) == ("coordinator",) * 2 + (PLATFORM,)
    assert second.text == "console-photo-2", "each photo has its own reference"
    assert chat.to_incoming("/photos").kind is Kind.COMMAND
