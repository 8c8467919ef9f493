"""Coordinators and volunteers: requests, shifts step by step, today's coverage, check-in code."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.flows.start import CONSENT_VERSION
from handlers.model import Role, Task, VolunteerStatus
from handlers.notices import Notice
from handlers.qr import qr_png
from handlers.rules.shifts import STILL_COMING
from tests.support import START, table_rows
from tests.support.journeys import coordinator, joined, volunteers_page
from tests.support.outbox import Recorder, enqueue, tick, user_id, worker

BELGRADE = ZoneInfo("Europe/Belgrade")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Belgrade, in November 2026 (START is Monday 23rd, 10:00)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BELGRADE)


async def pirot(app):
    async with app.uow() as uow:
        return await uow.centres.by_slug("pirot")


async def request(app, person, name="vera", *, phone="064 123 4567", tasks=(Task.TRANSLATION,)):
    """Someone who went through onboarding and asked to volunteer at Pirot; the request id."""
    p = await joined(person, name)
    centre = await pirot(app)
    async with app.uow() as uow:
        found = await uow.volunteers.apply(
            user_id=await user_id(app, p), centre_id=centre.id, first_name=name.title(),
            tasks=tasks, phone=phone, now=app.clock.now(),
        )  # fmt: skip
        await uow.commit()
    return found.id


async def volunteer(app, name):
    """An approved volunteer at Pirot (stored directly); their user id."""
    centre = await pirot(app)
    async with app.uow() as uow:
        user = await uow.users.register(
            platform="telegram", external_id=name, chat_id=name, locale="en",
            centre_id=centre.id, consent_version=CONSENT_VERSION, now=START - timedelta(days=9),
        )  # fmt: skip
        found = await uow.volunteers.apply(
            user_id=user.id, centre_id=centre.id, first_name=name.title(), tasks=[Task.EVENTS],
            phone=None, now=START - timedelta(days=9),
        )  # fmt: skip
        await uow.volunteers.decide(found.id, approved=True, by=user.id, now=START)
        await uow.users.grant(user.id, Role.VOLUNTEER, START)
        await uow.commit()
    return user.id


async def shift(app, starts, ends, *, places=3, task=Task.TRANSLATION, people=()):
    """A shift at Pirot with these volunteers signed up (a week ago); its id and sign-up ids."""
    centre = await pirot(app)
    async with app.uow() as uow:
        sid = await uow.shifts.create(
            centre_id=centre.id, task=task, starts_at=starts, ends_at=ends, places=places,
            note="", now=START - timedelta(days=7),
        )  # fmt: skip
        signups = [
            (await uow.shifts.sign_up(sid, uid, START - timedelta(days=7))).id for uid in people
        ]
        await uow.commit()
    return sid, signups


async def test_only_coordinators_and_admins_get_in(app, person, engine):
    vid = await request(app, person, "vera")
    ana = await volunteer(app, "ana")
    sid, (signup,) = await shift(app, local(23, 9), local(23, 12), people=[ana])
    centre = (await pirot(app)).id
    ben = await joined(person, "ben")
    async with app.uow() as uow:  # a volunteer is not a coordinator either
        await uow.users.grant(await user_id(app, ben), Role.VOLUNTEER, START)
        await uow.commit()
    before = await table_rows(engine)
    payloads = [
        "cv:home", f"cv:h:{centre}", "cv:c", f"cv:rq:{centre}", f"cv:r:{vid}", f"cv:ok:{vid}",
        f"cv:no:{vid}", f"cv:l:{centre}:0", f"cv:s:{sid}", f"cv:x:{sid}", f"cv:xx:{sid}",
        f"cv:n:{centre}", f"cv:nt:{centre}:translation", "cv:nk", "cv:np", f"cv:t:{centre}",
        f"cv:ns:{signup}", f"cv:code:{centre}", f"cv:sc:{centre}",
    ]  # fmt: skip
    for payload in payloads:
        await ben.press_payload(payload)
        assert ben.keys == ["common.expired"], payload
    assert await table_rows(engine) == before, "nothing changed"


async def test_approving_a_request_makes_a_volunteer_who_is_told(app, person):
    vid = await request(app, person, "vera", tasks=(Task.TRANSLATION, Task.DRIVING))
    co = await volunteers_page(app, person)
    assert "Volunteers at Pirot" in co.last.text and "Requests waiting: 1" in co.last.text
    await co.press("Requests")
    assert co.keys == ["cv.requests"]
    await co.press(next(label for label in co.labels if "Vera" in label))
    assert co.keys == ["cv.request"]
    assert "Can help with: translation, driving" in co.last.text
    assert "Phone: 064 123 4567" in co.last.text and "Pirot" in co.last.text
    await co.press("Approve")
    assert co.keys == ["cv.approved"] and "Vera is now a volunteer at Pirot" in co.last.text

    async with app.uow() as uow:
        found = await uow.volunteers.get(vid)
        user = await uow.users.get(found.user_id)
    assert found.status is VolunteerStatus.APPROVED and found.phone == "064 123 4567"
    assert Role.VOLUNTEER in user.roles
    rec = Recorder()
    await tick(app, worker(app, rec))
    (notice,) = rec.to("vera")
    assert notice.key == "cv.you_approved" and "Pirot" in notice.text
    assert [b.payload for b in notice.buttons] == ["vol:home"]

    await co.press("Requests")
    assert co.keys == ["cv.no_requests"]


async def test_two_coordinators_answering_one_request(app, person):
    vid = await request(app, person, "vera")
    first, second = await coordinator(app, person, "co1"), await coordinator(app, person, "co2")
    for co in (first, second):
        await co.press_payload(f"cv:r:{vid}")  # the button in the coordinators' notice
        assert co.keys == ["cv.request"]
    await first.press("Approve")
    await second.press("Refuse")
    assert second.keys == ["cv.answered"]
    assert "already been answered: approved" in second.last.text
    async with app.uow() as uow:
        found = await uow.volunteers.get(vid)
    assert found.status is VolunteerStatus.APPROVED and found.phone, "the refusal did not happen"
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert [o.key for o in rec.to("vera")] == ["cv.you_approved"]


async def test_refusing_tells_kindly_and_erases_the_phone(app, person):
    vid = await request(app, person, "vera")
    co = await volunteers_page(app, person)
    await co.press_payload(f"cv:r:{vid}")
    await co.press("Refuse")
    assert co.keys == ["cv.refused"] and "phone number is deleted" in co.last.text
    async with app.uow() as uow:
        found = await uow.volunteers.get(vid)
        user = await uow.users.get(found.user_id)
    assert found.status is VolunteerStatus.REFUSED and found.phone is None
    assert Role.VOLUNTEER not in user.roles
    rec = Recorder()
    await tick(app, worker(app, rec))
    (notice,) = rec.to("vera")
    assert notice.key == "cv.you_refused" and notice.text.startswith("Thank you for offering")
    await co.press_payload(f"cv:r:{vid}")  # the old button again
    assert co.keys == ["cv.answered"] and "refused" in co.last.text


async def test_a_request_without_a_phone(app, person):
    vid = await request(app, person, "vera", phone=None)
    co = await volunteers_page(app, person)
    await co.press_payload(f"cv:r:{vid}")
    assert "Phone: no phone given" in co.last.text


async def test_a_shift_is_published_step_by_step(app, person):
    co = await volunteers_page(app, person)
    await co.press("New shift")
    assert co.keys == ["cv.ask_task"]
    await co.press("translation")
    assert co.keys == ["cv.ask_day"]
    for typed in ("32.13.2026", "22.11.2026", "tomorrow", "1.1.2099"):
        await co.send(typed)
        assert co.keys == ["cv.bad_day"], typed
    await co.send("23.11.2026")  # today is fine
    assert co.keys == ["cv.ask_time"]
    for typed in ("13:00-10:00", "later", "10:00", "25:00-26:00", "10:00-12:00-14:00"):
        await co.send(typed)
        assert co.keys == ["cv.bad_time"], typed
    await co.send("9:00-9:30")  # it is 10:00 already
    assert co.keys == ["cv.bad_past"]
    await co.send("14:00 – 17:00")
    assert co.keys == ["cv.ask_places"]
    for typed in ("0", "51", "three", "-2"):
        await co.send(typed)
        assert co.keys == ["cv.bad_places"], typed
    await co.send("3")
    assert co.keys == ["cv.ask_note"]
    await co.send("x" * 201)
    assert co.keys == ["cv.bad_note"]
    await co.press("No note")
    assert co.keys == ["cv.preview"]
    assert "translation, Pirot" in co.last.text and "until 17:00" in co.last.text
    assert "Volunteers needed: 3" in co.last.text
    await co.send("hello?")  # typing at the preview keeps the draft
    assert co.keys == ["cv.preview"]
    await co.press("Publish")
    assert co.keys == ["cv.published"] and "Volunteers at Pirot can sign up now" in co.last.text

    async with app.uow() as uow:
        (found,), total = await uow.shifts.listing(
            (await pirot(app)).id, START - timedelta(days=1), START + timedelta(days=30), limit=5
        )
    assert total == 1 and found.task is Task.TRANSLATION and found.places == 3
    assert found.starts_at == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert found.ends_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC) and found.note == ""

    await co.press_payload("cv:np")  # publishing twice from the old preview
    assert co.keys == ["common.expired"]
    await co.press_payload("cv:home")
    await co.press("Shifts")
    assert co.keys == ["cv.shifts"]
    assert "📅 Mon 23.11 14:00 · translation · 0/3" in co.labels


async def test_a_shift_with_a_note_and_a_start_that_passes_at_the_preview(app, person, clock):
    co = await volunteers_page(app, person)
    await co.press("New shift")
    await co.press("events")
    await co.send("24.11.")
    await co.send("10.00-12.30")
    await co.send("2")
    await co.send("Please  bring\nsports shoes")
    assert co.keys == ["cv.preview"] and "Note: Please bring sports shoes" in co.last.text
    clock.advance(days=1, hours=1)  # the coordinator comes back too late
    await co.press("Publish")
    assert co.keys == ["cv.bad_past"]
    await co.send("15:00-16:00")
    await co.send("2")
    await co.send("Sports shoes")
    await co.press("Publish")
    assert co.keys == ["cv.published"]
    async with app.uow() as uow:
        (found,), _ = await uow.shifts.listing(
            (await pirot(app)).id, START, START + timedelta(days=30), limit=5
        )
    assert found.starts_at == local(24, 15) and found.note == "Sports shoes"


async def test_old_and_forged_buttons_in_the_new_shift_steps(app, person):
    co = await volunteers_page(app, person)
    centre = (await pirot(app)).id
    for payload in ("cv:np", "cv:nk", f"cv:nt:{centre}:flying", "cv:nt:999999:school",
                    "cv:s:999999", f"cv:l:{centre}:x", "cv:r:²", "cv:ns:1"):  # fmt: skip
        await co.press_payload(payload)
        assert co.keys == ["common.expired"], payload
    await co.press_payload(f"cv:nt:{centre}:school")
    await co.press_payload("cv:nk")  # "No note" before the note step
    assert co.keys == ["common.expired"]


async def test_today_shows_where_everyone_is_and_no_shows_are_marked(app, person, clock):
    ana, bob, cid, dan, eve, fay, gus = [
        await volunteer(app, n) for n in ("ana", "bob", "cid", "dan", "eve", "fay", "gus")
    ]
    _, (a, b) = await shift(app, local(23, 8), local(23, 11), people=[ana, bob])
    _, (c, d, e) = await shift(app, local(23, 11, 30), local(23, 14), people=[cid, dan, eve])
    _, (f, _g) = await shift(app, local(23, 16), local(23, 18), places=2, people=[fay, gus])
    await shift(app, local(23, 19), local(23, 20), task=Task.EVENTS)
    await shift(app, local(24, 9), local(24, 12), people=[ana])  # tomorrow: not shown
    async with app.uow() as uow:
        await uow.shifts.check_in(a, local(23, 7, 55), "code")
        await uow.shifts.check_out(a, local(23, 11), auto=False)
        await uow.shifts.check_in(b, local(23, 8, 10), "location")
        await uow.shifts.check_out(b, local(23, 11), auto=True)
        await uow.shifts.check_in(c, local(23, 11, 20), "code")
        await uow.shifts.answer(f, "yes", START)
        await uow.commit()
    clock.advance(hours=2)  # 12:00 in Pirot

    co = await volunteers_page(app, person, centres=("pirot", "tutin"))
    await co.press("Today")
    assert co.keys == ["cv.today"]
    text = co.last.text
    for line in (
        "08:00–11:00 translation (2 of 3)",
        "✅ Ana: left at 11:00",
        "✅ Bob: left at 11:00 (closed automatically)",
        "11:30–14:00 translation (3 of 3)",
        "🟢 Cid: here since 11:20",
        "⏰ Dan: late, not checked in",
        "⏰ Eve: late, not checked in",
        "16:00–18:00 translation (2 of 2)",
        "👍 Fay: said they are coming",
        "❔ Gus: not confirmed yet",
        "19:00–20:00 events (0 of 3)\nnobody signed up",
    ):
        assert line in text, line
    assert text.count("Ana") == 1, "tomorrow's shift is not today"
    assert [label for label in co.labels if "No-show" in label] == [
        "❌ No-show: Dan", "❌ No-show: Eve",
    ]  # fmt: skip

    await co.press("No-show: Eve")
    assert co.keys == ["cv.today"] and "❌ Eve: did not come" in co.last.text
    assert [label for label in co.labels if "No-show" in label] == ["❌ No-show: Dan"]
    for payload in (f"cv:ns:{c}", f"cv:ns:{f}"):  # checked in; a shift not begun yet
        await co.press_payload(payload)
        assert co.keys == ["common.expired"], payload
    async with app.uow() as uow:
        marks = {s: (await uow.shifts.signup(s)).no_show for s in (c, d, e, f)}
    assert marks == {c: False, d: False, e: True, f: False}

    await co.press_payload("cv:c")
    await co.press("Tutin")
    await co.press("Today")
    assert co.keys == ["cv.no_today"] and "Tutin" in co.last.text


async def test_calling_off_a_shift_tells_the_volunteers(app, person):
    ana, bob = await volunteer(app, "ana"), await volunteer(app, "bob")
    sid, (a, _b) = await shift(app, local(24, 10), local(24, 13), people=[ana, bob])
    started, _ = await shift(app, local(23, 9), local(23, 12), people=[ana])
    # The day-before question is queued for later; calling off must drop it.
    question = Notice.of(STILL_COMING, task="translation", when="tomorrow", centre="Pirot")
    await enqueue(app, ana, question, at=START + timedelta(hours=1), ref=f"shift:{a}")
    co = await volunteers_page(app, person)
    await co.press("Shifts")
    await co.press("Tue 24.11 10:00 · translation · 2/3")
    assert co.keys == ["cv.shift"] and "Signed up: Ana, Bob" in co.last.text
    assert "Places taken: 2 of 3" in co.last.text
    await co.press("Call off")
    assert co.keys == ["cv.call_off_ask"] and "2 volunteers will be told" in co.last.text
    await co.press("Yes, call it off")
    assert co.keys == ["cv.called_off"] and "2 volunteers" in co.last.text
    await co.press_payload(f"cv:xx:{sid}")  # pressed again
    assert co.keys == ["common.expired"]

    app.clock.advance(hours=2)
    rec = Recorder()
    await tick(app, worker(app, rec))
    for name in ("ana", "bob"):
        assert [o.key for o in rec.to(name)] == ["vol.shift_called_off"], name
    assert "translation" in rec.to("bob")[0].text and "Pirot" in rec.to("bob")[0].text
    async with app.uow() as uow:
        assert (await uow.shifts.get(sid)).status == "cancelled"
        assert (await uow.shifts.signup(a)).status == "cancelled"

    await co.press_payload(f"cv:s:{started}")  # under way: it cannot be called off
    assert co.keys == ["cv.shift"] and not any("Call off" in label for label in co.labels)
    for payload in (f"cv:x:{started}", f"cv:xx:{started}"):
        await co.press_payload(payload)
        assert co.keys == ["common.expired"]
    async with app.uow() as uow:
        assert (await uow.shifts.get(started)).status == "scheduled"


async def test_the_check_in_code_changes_every_day(app, person, clock, monkeypatch):
    co = await volunteers_page(app, person)
    await co.press("Check-in code")
    assert co.keys == ["cv.code"] and "It changes every day" in co.last.text
    code = re.search(r"🔑 (\d+)\n", co.last.text).group(1)
    assert len(code) == 6, "six digits: with five tries a day, one in 200,000"
    doc = co.last.document
    assert doc.filename == "checkin-pirot-2026-11-23.png" and doc.mime_type == "image/png"
    assert doc.content.startswith(b"\x89PNG") and doc.content == qr_png(code)
    async with app.uow() as uow:
        assert await uow.shifts.code((await pirot(app)).id, local(23, 0).date()) == code

    await co.press_payload("cv:home")
    await co.press("Check-in code")
    assert f"🔑 {code}\n" in co.last.text, "the same code all day"

    # Tomorrow the random source first offers today's code again: it is never used twice.
    offers = iter([int(code), 7])
    monkeypatch.setattr(secrets, "randbelow", lambda _bound: next(offers))
    clock.advance(days=1)
    await co.press_payload("cv:home")
    await co.press("Check-in code")
    tomorrow = re.search(r"🔑 (\d+)\n", co.last.text).group(1)
    assert tomorrow == "000007" and co.last.document.filename == "checkin-pirot-2026-11-24.png"


async def test_a_coordinator_sets_their_own_code(app, person, clock):
    co = await volunteers_page(app, person)
    await co.press("Check-in code")
    yesterday = re.search(r"🔑 (\d+)\n", co.last.text).group(1)
    clock.advance(days=1)
    await co.press_payload("cv:home")
    await co.press("Check-in code")
    await co.press("Set my own code")
    assert co.keys == ["cv.ask_code"] and "exactly 6 digits" in co.last.text
    for typed in ("12", "2468", "12345", "1234567", "pirot7", "48o913", "١٢٣٤٥٦", "4809 13 1"):
        await co.send(typed)
        assert co.keys == ["cv.bad_code"], typed
        assert "exactly 6 digits" in co.last.text
    for typed in ("111111", "123456", "987654", "000000", yesterday):
        await co.send(typed)
        assert co.keys == ["cv.weak_code"], typed
    await co.send(" 480 913 ")
    assert co.keys == ["cv.code"] and "🔑 480913\n" in co.last.text
    assert co.last.document.content == qr_png("480913")
    centre = (await pirot(app)).id
    async with app.uow() as uow:
        assert await uow.shifts.code(centre, local(24, 0).date()) == "480913"
        assert await uow.shifts.code_days(centre, "480913") == [local(24, 0).date()]
    await co.send("135790")  # the step is over: typing again changes nothing
    async with app.uow() as uow:
        assert await uow.shifts.code(centre, local(24, 0).date()) == "480913"


async def test_another_centre(app, person):
    co = await volunteers_page(app, person, centres=("pirot", "tutin"))
    await co.press("Another centre")
    assert co.keys == ["cv.ask_centre"]
    await co.press("Tutin")
    assert co.keys == ["cv.home"] and "Volunteers at Tutin" in co.last.text
    await co.press("Shifts")
    assert co.keys == ["cv.no_shifts"] and "Tutin" in co.last.text


async def test_coordinators_opening_the_code_page_at_once_see_one_code(app, person):
    people = [await coordinator(app, person, f"co{n}") for n in range(6)]
    centre = (await pirot(app)).id
    await asyncio.gather(*(co.press_payload(f"cv:code:{centre}") for co in people))
    assert {tuple(co.keys) for co in people} == {("cv.code",)}
    assert len({co.last.text for co in people}) == 1
