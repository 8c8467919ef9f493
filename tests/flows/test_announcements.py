"""Announcements: written once or per language, the right audience, preview, send, report."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

import pytest

from bot.delivery import Result, Verdict
from handlers.messages import Incoming, Kind, Location
from handlers.model import BroadcastStatus, Role, Task, Topic
from handlers.translit import to_cyrillic
from tests.support import table_rows
from tests.support.journeys import (
    HELLO,
    WEIRD,
    browse,
    deliver,
    deliverer,
    programme,
    resident,
    staff,
    write,
)
from tests.support.outbox import Recorder, user_id

HALLO = "Das Zentrum ist am Samstag ab 10:00 geöffnet."
ZDRAVO = "Centar je otvoren u subotu od 10:00. Dođite!"


def texts(rec, chat):
    return [o.text for o in rec.to(chat)]


async def test_the_whole_journey_each_person_in_their_language(app, person):
    coco = await staff(app, person, "coco")
    ana = await resident(app, person, "ana")
    await resident(app, person, "dieter", locale="de")
    await resident(app, person, "sasha", locale="sr_Cyrl")
    await resident(app, person, "bojan", locale="bs")
    await resident(app, person, "vera", platform="viber")
    await resident(app, person, "lea", locale="de", status="local")  # not a returnee
    await resident(app, person, "tarik", locale="de", centre="Tutin")  # another centre
    assert ana.keys == ["start.done"]

    draft = await write(coco)
    assert "Written in: English\nDefault language: English" in coco.last.text
    assert "People of: Pirot" in coco.last.text, "a coordinator writes to their own centre"
    await coco.press("Languages")
    await coco.press("Deutsch")
    assert coco.keys == ["bc.ask_text_in"]
    await coco.send(HALLO)
    await coco.press("Languages")
    await coco.press("Srpski")
    await coco.send(ZDRAVO)
    assert "Written in: English, Srpski, Deutsch" in coco.last.text

    await coco.press("Audience")
    assert coco.keys == ["bc.audience"] and "People in it right now: 7" in coco.last.text
    assert "Tutin" not in " ".join(coco.labels), "no other centres to choose from"
    await coco.press("Returnees only")
    assert "• Returnees only" in coco.last.text and "People in it right now: 5" in coco.last.text
    assert "✅ Returnees only" in coco.labels
    await coco.press("Back")
    await coco.press("Photo or pin")
    await coco.press("Pirot")
    assert "Attachment: the map pin of Pirot" in coco.last.text

    await coco.press("Preview")
    shown, counts = coco.replies
    assert (shown.key, shown.text) == ("bc.message", HELLO) and shown.keyboard == ()
    assert shown.location.title == "Pirot"
    assert "Recipients: 5 (Telegram 4, Viber 1)" in counts.text
    assert "People of: Pirot\n• Returnees only" in counts.text

    await coco.press("Send now")
    assert coco.keys == ["bc.sending"]
    assert coco.last.text.startswith("Sending to 5 people.")
    rec = Recorder()
    await deliver(app, rec)
    assert texts(rec, "ana") == [HELLO] and texts(rec, "vera") == [HELLO]
    assert texts(rec, "dieter") == [HALLO]
    assert texts(rec, "sasha") == [to_cyrillic(ZDRAVO)] and "Дођите" in to_cyrillic(ZDRAVO)
    assert texts(rec, "bojan") == [HELLO], "no Bosnian text: the default"
    assert rec.to("lea") == [] and rec.to("tarik") == []
    pins = {o.chat_id: o.location.title for o in rec.sent if o.key == "bc.message"}
    assert pins == {"ana": "Pirot", "vera": "Pirot", "dieter": "Pirot", "sasha": "Пирот",
                    "bojan": "Pirot"}  # fmt: skip

    (notice,) = rec.to("coco")
    assert notice.key == "bc.report"
    assert "Delivered: 5\nNot delivered (blocked the bot or left): 0" in notice.text
    await coco.press_payload(notice.buttons[0].payload)
    assert coco.keys == ["bc.report_page"]
    assert f"Announcement #{draft}: done" in coco.last.text
    assert "Recipients: 5" in coco.last.text and "Delivered: 5" in coco.last.text


async def test_the_report_counts_someone_who_blocked_the_bot(app, person):
    coco = await staff(app, person, "coco")
    for name in ("ana", "ben", "cem"):
        await resident(app, person, name)
    await write(coco)
    await coco.press("Audience")
    await coco.press("Returnees only")
    await coco.press("Back")
    await coco.press("Preview")
    await coco.press("Send now")
    rec = Recorder()
    rec.script.append(Result(Verdict.GONE))  # the first of them has blocked the bot
    await deliver(app, rec)
    assert len([o for o in rec.sent if o.key == "bc.message"]) == 2
    (notice,) = rec.to("coco")
    assert "Delivered: 2\nNot delivered (blocked the bot or left): 1\nFailed: 0" in notice.text
    await coco.press_payload(notice.buttons[0].payload)
    assert "Delivered: 2\nNot delivered (blocked the bot or left): 1" in coco.last.text
    assert "Still queued: 0" in coco.last.text


async def test_sent_at_a_chosen_time_and_not_before(app, person, clock):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    draft = await write(coco)
    await coco.press("Preview")
    await coco.press("Send at a time")
    assert coco.keys == ["bc.ask_when"]
    for typed in ("tomorrow", "23.11.2026 09:00", "31.11.2026 18:00", "23.11.2026 25:00"):
        await coco.send(typed)
        assert coco.keys == ["bc.bad_when"], typed
    await coco.send("23.11.2026 18:00")  # it is 10:00 in Belgrade
    assert coco.keys == ["bc.scheduled"] and "18:00" in coco.last.text
    await coco.press_payload("bc:l:0")
    assert f"#{draft} · 23.11.2026 18:00 · scheduled" in coco.last.text

    rec = Recorder()
    clock.advance(hours=7, minutes=59)
    await deliver(app, rec)
    assert rec.sent == []
    clock.advance(minutes=1)
    await deliver(app, rec)
    assert texts(rec, "ana") == [HELLO]
    assert [o.key for o in rec.to("coco")] == ["bc.message", "bc.report"], "in it, and the report"


async def test_a_scheduled_announcement_is_cancelled(app, person, clock):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    draft = await write(coco)
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 09:00")
    await coco.press("Cancel it")
    assert coco.keys == ["bc.ask_cancel"]
    await coco.press("Yes")
    assert coco.keys == ["bc.cancelled"]
    clock.advance(days=2)
    rec = Recorder()
    await deliver(app, rec)
    assert rec.sent == []
    await coco.press_payload(f"bc:r:{draft}")
    assert f"#{draft}: cancelled" in coco.last.text
    await coco.press_payload(f"bc:go:{draft}")
    assert coco.keys == ["bc.already"], "a cancelled one cannot be sent"


async def test_a_scheduled_announcement_never_goes_to_the_senders_new_centre(app, person, clock):
    coco = await staff(app, person, "coco")  # coordinator bound to Pirot
    await resident(app, person, "ana")  # Pirot
    await resident(app, person, "tarik", centre="Tutin")
    draft = await write(coco, "Pirot is closed tomorrow.")
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 09:00")
    assert coco.keys == ["bc.scheduled"]
    uid = await user_id(app, coco)
    async with app.uow() as uow:  # the coordinator moves to Tutin: bound there, and in Settings
        pirot, tutin = await uow.centres.by_slug("pirot"), await uow.centres.by_slug("tutin")
        await uow.users.revoke(uid, Role.COORDINATOR, centres=[pirot.id])
        await uow.users.grant(uid, Role.COORDINATOR, clock.now(), centres=[tutin.id])
        await uow.users.update(uid, centre_id=tutin.id)
        await uow.commit()
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert rec.to("tarik") == [], "Pirot's news must not go to Tutin"
    assert rec.to("ana") == [], "and the coordinator may no longer reach Pirot"
    async with app.uow() as uow:
        assert (await uow.broadcasts.get(draft)).status is BroadcastStatus.CANCELLED


async def test_a_scheduled_announcement_of_a_coordinator_who_stayed_still_goes(app, person, clock):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    draft = await write(coco)
    await coco.press_payload(f"bc:w:{draft}")
    await coco.send("24.11.2026 09:00")
    clock.advance(days=1)
    rec = Recorder()
    await deliver(app, rec)
    assert [o.text for o in rec.to("ana")] == [HELLO]


async def test_stopped_half_way_the_rest_is_never_sent(app, person):
    coco = await staff(app, person, "coco")
    for n in range(5):
        await resident(app, person, f"p{n}")
    draft = await write(coco)
    await coco.press("Preview")
    await coco.press("Send now")
    assert coco.last.text.startswith("Sending to 6 people.")
    rec = Recorder()
    await deliverer(app, rec, batch=2).deliver_once()
    assert len(rec.sent) == 2
    await coco.press_payload(f"bc:r:{draft}")
    assert "sending" in coco.last.text and "Still queued: 4" in coco.last.text
    await coco.press("Stop sending")
    assert coco.keys == ["bc.ask_stop"]
    await coco.press("Yes")
    assert coco.keys == ["bc.stopped"] and "2 people had it already" in coco.last.text
    await deliver(app, rec)
    assert len(rec.sent) == 2, "nothing more, and no report for a stopped one"
    await coco.press_payload(f"bc:r:{draft}")
    assert f"#{draft}: stopped" in coco.last.text
    assert "Delivered: 2" in coco.last.text and "Stopped before sending: 4" in coco.last.text


async def test_two_people_pressing_send_at_once_send_it_once(app, person):
    coco = await staff(app, person, "coco")
    boss = await staff(app, person, "boss", role=Role.ADMIN)
    for n in range(3):
        await resident(app, person, f"p{n}")
    draft = await write(coco)
    answers = await asyncio.gather(
        coco.press_payload(f"bc:go:{draft}"), boss.press_payload(f"bc:go:{draft}")
    )
    assert sorted(a[0].key for a in answers) == ["bc.already", "bc.sending"]
    rec = Recorder()
    await deliver(app, rec)
    for chat in ("p0", "p1", "p2", "boss"):
        assert texts(rec, chat)[:1] == [HELLO] and texts(rec, chat).count(HELLO) == 1, chat


async def test_only_coordinators_and_admins_and_nothing_changes_otherwise(app, person, engine):
    coco = await staff(app, person, "coco")
    d = await write(coco)
    ana = await resident(app, person, "ana")
    ben = await resident(app, person, "ben")
    async with app.uow() as uow:
        await uow.users.grant(await user_id(app, ben), Role.VOLUNTEER, app.clock.now())
        await uow.commit()
    await ana.send("/menu")
    assert "📣 Announcements" not in ana.labels
    payloads = [
        "bc:home", "bc:new", "bc:l:0", f"bc:d:{d}", f"bc:lg:{d}", f"bc:tl:{d}:de", f"bc:df:{d}",
        f"bc:dl:{d}:en", f"bc:a:{d}", f"bc:t:{d}:s:returnee", f"bc:t:{d}:e:0", f"bc:aw:{d}",
        f"bc:aj:{d}", f"bc:at:{d}", f"bc:ph:{d}", f"bc:pin:{d}:0", f"bc:p:{d}", f"bc:go:{d}",
        f"bc:w:{d}", f"bc:r:{d}", f"bc:s:{d}", f"bc:ss:{d}",
    ]  # fmt: skip
    before = await table_rows(engine)
    for who in (ana, ben):
        for payload in payloads:
            await who.press_payload(payload)
            assert who.keys == ["common.expired"], (who.user_id, payload)
    assert await table_rows(engine) == before, "nothing changed"


async def test_a_coordinator_reaches_only_their_centre_and_their_own_drafts(app, person):
    coco = await staff(app, person, "coco")
    tina = await staff(app, person, "tina", centre="Tutin")
    await resident(app, person, "ana")
    await resident(app, person, "tarik", centre="Tutin")
    async with app.uow() as uow:
        tutin = (await uow.centres.by_slug("tutin")).id
    d = await write(coco)
    for forged in (f"bc:t:{d}:c:{tutin}", f"bc:t:{d}:j:{tutin}", f"bc:t:{d}:c:999"):
        await coco.press_payload(forged)
        assert coco.keys == ["common.expired"], forged
    for payload in (f"bc:d:{d}", f"bc:a:{d}", f"bc:p:{d}", f"bc:go:{d}", f"bc:r:{d}",
                    f"bc:ss:{d}", f"bc:t:{d}:e:0"):  # fmt: skip
        await tina.press_payload(payload)
        assert tina.keys == ["common.expired"], payload
    await coco.press_payload(f"bc:t:{d}:e:0")  # "Everyone", from a coordinator: their centre
    assert "People of: Pirot" in coco.last.text and "People in it right now: 2" in coco.last.text
    await coco.press_payload(f"bc:go:{d}")
    assert coco.last.text.startswith("Sending to 2 people.")
    rec = Recorder()
    await deliver(app, rec)
    assert texts(rec, "ana") == [HELLO]
    assert rec.to("tarik") == [] and rec.to("tina") == []
    await tina.press_payload("bc:l:0")
    assert tina.keys == ["bc.none"], "she sees only her own"


async def test_an_admin_reaches_everyone_and_reads_the_audit_trail(app, person):
    coco = await staff(app, person, "coco")
    boss = await staff(app, person, "boss", role=Role.ADMIN, centre="Tutin")
    await resident(app, person, "ana")
    await resident(app, person, "tarik", centre="Tutin")
    await resident(app, person, "nina", centre="Novi Pazar", status="local")
    first = await write(coco, "From Pirot")
    await coco.press_payload(f"bc:go:{first}")
    second = await write(boss, "To everyone")
    await boss.press("Audience")
    await boss.press("Tutin")
    assert "People of: Tutin" in boss.last.text and "People in it right now: 2" in boss.last.text
    await boss.press("Everyone")
    assert "• Everyone" in boss.last.text and "People in it right now: 5" in boss.last.text
    await boss.press("Back")
    await boss.press("Preview")
    await boss.press("Send now")
    assert boss.last.text.startswith("Sending to 5 people.")
    rec = Recorder()
    await deliver(app, rec)
    for chat in ("ana", "tarik", "nina", "coco"):
        assert "To everyone" in texts(rec, chat), chat

    await boss.send("/menu")
    await boss.press("Announcements")
    await boss.press("All announcements")
    coco_id, boss_id = await user_id(app, coco), await user_id(app, boss)
    page = boss.last.text
    assert f"#{second} · 23.11.2026 10:00 · done · 5 recipients" in page
    assert f"Written by #{boss_id}, sent by #{boss_id}\n• Everyone" in page
    assert f"#{first} · 23.11.2026 10:00 · done · 2 recipients" in page
    assert f"Written by #{coco_id}, sent by #{coco_id}\n• People of: Pirot" in page
    await boss.press_payload(f"bc:r:{first}")
    assert "From Pirot" in boss.last.text, "an admin opens anyone's report"
    await coco.send("/menu")
    await coco.press("Announcements")
    await coco.press("My announcements")
    assert f"#{first}" in coco.last.text and f"#{second}" not in coco.last.text


async def test_workshop_legal_volunteer_and_language_audiences(app, person):
    (session,) = await programme(app)
    coco = await staff(app, person, "coco")
    ana = await resident(app, person, "ana")
    ben = await resident(app, person, "ben", locale="de")
    vol = await resident(app, person, "vol", status="local")
    await browse(ana)
    await ana.press("Sign me up")
    vol_id, ben_id = await user_id(app, vol), await user_id(app, ben)
    async with app.uow() as uow:  # a volunteer taken on at Pirot
        pirot = await uow.centres.by_slug("pirot")
        request = await uow.volunteers.apply(
            user_id=vol_id, centre_id=pirot.id, first_name="Vol", tasks=[Task.EVENTS],
            phone=None, now=app.clock.now(),
        )  # fmt: skip
        await uow.volunteers.decide(request.id, approved=True, by=vol_id, now=app.clock.now())
        await uow.users.grant(vol_id, Role.VOLUNTEER, app.clock.now())
        (adviser, *_) = await uow.legal.advisers()
        starts = app.clock.now() + timedelta(days=2)
        await uow.legal.book(
            adviser_id=adviser.id, user_id=ben_id, centre_id=pirot.id,
            topic=Topic.DOCUMENTS, starts_at=starts, ends_at=starts + timedelta(minutes=30),
            now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    await write(coco)
    await coco.press("Audience")
    assert "People in it right now: 4" in coco.last.text
    await coco.press("Workshop")
    await coco.press(next(label for label in coco.labels if "Computer basics" in label))
    assert (
        "• Signed up for: Computer basics" in coco.last.text
        and "People in it right now: 1" in coco.last.text
    )
    await coco.press("Workshop")
    await coco.press("Any workshop")
    await coco.press("Legal appointment")
    await coco.press("Pirot")
    assert "• With an upcoming legal appointment at Pirot" in coco.last.text
    assert "People in it right now: 1" in coco.last.text
    await coco.press("Legal appointment")
    await coco.press("No appointment needed")
    await coco.press("Volunteers only")
    assert "• Volunteers only" in coco.last.text and "People in it right now: 1" in coco.last.text
    await coco.press("Volunteers only")
    await coco.press("Deutsch")
    assert "• Reading: Deutsch" in coco.last.text and "People in it right now: 1" in coco.last.text
    await coco.press("Local residents only")
    assert "People in it right now: 0" in coco.last.text
    await coco.press("Back")
    await coco.press("Preview")
    assert coco.keys == ["bc.message", "bc.nobody"]
    assert "Send now" not in " ".join(coco.labels)
    assert session


async def test_a_photo_goes_with_it_and_odd_input_gets_a_kind_answer(app, person):
    coco = await staff(app, person, "coco")
    await resident(app, person, "ana")
    await coco.send("/menu")
    await coco.press("Announcements")
    await coco.press("New announcement")
    for typed in ("   ", "x" * 3501):
        await coco.send(typed)
        assert coco.keys == ["bc.bad_text"]
    await coco.send(HELLO)
    await coco.press("Photo or pin")
    await coco.press("Send a photo")
    assert coco.keys == ["bc.ask_photo"]
    await coco.send("here it comes")
    assert coco.keys == ["bc.ask_photo"], "text is not a photo"
    photo = Incoming("telegram", "coco", "coco", Kind.PHOTO, "AgACAgIAAxkBAAIBY2Zx")
    await coco._handle(photo)
    assert coco.keys == ["bc.draft"] and "Attachment: a photo" in coco.last.text
    await coco.press("Preview")
    assert coco.replies[0].photo == "AgACAgIAAxkBAAIBY2Zx"
    await coco.press("Send now")
    rec = Recorder()
    await deliver(app, rec)
    (message,) = rec.to("ana")
    assert (message.text, message.photo, message.location) == (HELLO, "AgACAgIAAxkBAAIBY2Zx", None)


async def test_a_draft_is_deleted_and_old_buttons_say_so(app, person):
    coco = await staff(app, person, "coco")
    d = await write(coco)
    await coco.press("Delete draft")
    assert coco.keys == ["bc.ask_delete"]
    await coco.press("Yes")
    assert coco.keys == ["bc.deleted"]
    for payload in (f"bc:d:{d}", f"bc:a:{d}", f"bc:t:{d}:v:1", f"bc:p:{d}"):
        await coco.press_payload(payload)
        assert coco.keys == ["common.expired"], payload
    await coco.press_payload(f"bc:go:{d}")
    assert coco.keys == ["bc.already"]


async def _to_state(app, person, n, step):
    co = await staff(app, person, f"st{n}")
    d = await write(co)
    payload = {"bc.text": "bc:new", "bc.tr": f"bc:tl:{d}:de", "bc.photo": f"bc:ph:{d}",
               "bc.when": f"bc:w:{d}"}[step]  # fmt: skip
    await co.press_payload(payload)
    return co, d


@pytest.mark.parametrize("step", ["bc.text", "bc.tr", "bc.photo", "bc.when"])
async def test_random_input_at_each_typed_step_gets_a_kind_answer(app, person, step, caplog):
    caplog.set_level(logging.ERROR)
    rng = random.Random(f"bc-{step}")
    for n in range(24):
        if n % 8 == 0:
            co, d = await _to_state(app, person, n, step)
        roll, who = rng.random(), co.user_id
        if roll < 0.4:
            incoming = Incoming.message("telegram", who, rng.choice(WEIRD))
        elif roll < 0.5:
            incoming = Incoming("telegram", who, who, Kind.LOCATION, location=Location(43, 22))
        elif roll < 0.6:
            incoming = Incoming("telegram", who, who, Kind.PHOTO, "x" * rng.choice((0, 5, 300)))
        else:
            tail = "".join(rng.choice("abc0123456789:-") for _ in range(rng.randint(0, 20)))
            incoming = Incoming.button("telegram", who, rng.choice(("bc:", f"bc:t:{d}:")) + tail)
        replies = await app.conversation.handle(incoming)
        assert replies and all(r.key != "common.error" for r in replies), (step, n)
    assert "update failed" not in caplog.text
