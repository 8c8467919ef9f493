"""The thin Viber client and the outbox sender against the fake Viber API over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest

from bot.delivery import Verdict
from bot.transports.viber.client import ViberClient, ViberError, ViberUnavailable
from bot.transports.viber.outbox import STATUSES, ViberOutboxSender, status_of
from handlers.messages import Button, Document, Location, Outgoing
from tests.fakes.viber_api import TOKEN, FakeViber

USER = "01234567890A="
OUT = Outgoing(USER, "Podsetnik: sutra u 10:00 – Šabac", "reminder.event",
               ((Button("Da", "rem:yes:1"), Button("Ne", "rem:no:1")),))  # fmt: skip


@pytest.fixture
async def vb() -> AsyncIterator[FakeViber]:
    async with FakeViber() as fake:
        yield fake


@pytest.fixture
async def client(vb: FakeViber) -> AsyncIterator[ViberClient]:
    c = ViberClient(vb.url, TOKEN, timeout=0.5)
    yield c
    await c.close()


async def test_send_message_posts_json_with_the_token(vb, client):
    answer = await client.send_message(USER, {"type": "text", "text": "Ćao, šta ima?"})

    assert answer["status"] == 0 and isinstance(answer["message_token"], int)
    call = vb.of("send_message")[0]
    assert call.headers["X-Viber-Auth-Token"] == TOKEN
    assert call.headers["Content-Type"].startswith("application/json")
    # The bot's own name as sender, asked once from get_account_info.
    assert call.body == {"receiver": USER, "type": "text", "text": "Ćao, šta ima?",
                         "sender": {"name": "Reintegrate"}}  # fmt: skip
    assert "Ćao".encode() in call.raw  # UTF-8 as is, not \u escapes (the 30 KB limit)
    await client.send_message(USER, {"type": "text", "text": "again"})
    assert [c.method for c in vb.calls] == ["get_account_info", "send_message", "send_message"]


async def test_a_given_sender_name_is_used_and_cut_to_28(vb):
    c = ViberClient(vb.url, TOKEN, sender_name="Program reintegracije povratnika Srbija")
    try:
        await c.send_message(USER, {"type": "text", "text": "x", "min_api_version": 3})
    finally:
        await c.close()
    body = vb.sent()[0]
    assert body["sender"] == {"name": "Program reintegracije povratn"[:28]}
    assert body["min_api_version"] == 3  # travels when the message carries it
    assert [c.method for c in vb.calls] == ["send_message"]


async def test_set_webhook_with_event_types(vb, client):
    events = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
    answer = await client.set_webhook("https://bot.example.org/viber/webhook", events)

    assert answer["event_types"] == events
    call = vb.of("set_webhook")[0]
    assert call.body == {"url": "https://bot.example.org/viber/webhook", "event_types": events}
    assert call.headers["X-Viber-Auth-Token"] == TOKEN
    with pytest.raises(ViberError) as refused:
        await client.set_webhook("http://not-https.example.org/", events)
    assert (refused.value.status, refused.value.message) == (1, "invalidUrl")


async def test_get_account_info(vb, client):
    await client.set_webhook("https://bot.example.org/viber/webhook", ["message"])
    info = await client.get_account_info()
    assert info["name"] == "Reintegrate"
    assert info["webhook"] == "https://bot.example.org/viber/webhook"
    assert vb.of("get_account_info")[0].body == {}


async def test_errors_become_exceptions(vb, client):
    vb.fail_next(6)
    with pytest.raises(ViberError) as gone:
        await client.send_message(USER, {"type": "text", "text": "x"})
    assert (gone.value.status, gone.value.message) == (6, "receiverNotSubscribed")

    wrong = ViberClient(vb.url, "wrong-token", sender_name="Bot")
    try:
        with pytest.raises(ViberError) as token:
            await wrong.get_account_info()
        assert token.value.status == 2
    finally:
        await wrong.close()

    vb.http_error_next(502)
    with pytest.raises(ViberUnavailable):
        await client.get_account_info()
    vb.hang_next()
    with pytest.raises(ViberUnavailable):
        await client.get_account_info()


async def test_an_unreachable_server_is_unavailable():
    async with FakeViber() as gone:
        url = gone.url
    c = ViberClient(url, TOKEN, sender_name="Bot", timeout=0.5)
    try:
        with pytest.raises(ViberUnavailable):
            await c.send_message(USER, {"type": "text", "text": "x"})
    finally:
        await c.close()


# -- the outbox sender -------------------------------------------------------------------------
async def test_sent_gives_the_message_token(vb, client):
    result = await ViberOutboxSender(client).send(USER, OUT)

    assert result.verdict is Verdict.SENT
    body = vb.sent()[-1]
    assert result.message_id == str(vb.tokens[0])
    assert body["text"] == OUT.text and body["receiver"] == USER
    assert [b["ActionBody"] for b in body["keyboard"]["Buttons"]] == ["rem:yes:1", "rem:no:1"]


@pytest.mark.parametrize("code", sorted(STATUSES))
async def test_each_viber_status_becomes_its_verdict(vb, client, code, caplog):
    caplog.set_level(logging.INFO, logger="reintegrate.viber")
    expected = STATUSES[code]
    vb.fail_next(code)

    result = await ViberOutboxSender(client).send(USER, OUT)

    assert result.verdict is expected.verdict
    if code:
        assert expected.name in (result.error or "")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert bool(errors) == bool(expected.alarm)


def test_the_table_says_what_the_issue_asks():
    assert {c for c, s in STATUSES.items() if s.verdict is Verdict.GONE} == {5, 6, 11}
    assert STATUSES[12].verdict is Verdict.RETRY, "per person: only this message waits"
    for code in (23, 24):
        assert STATUSES[code].verdict is Verdict.FAILED
        assert (STATUSES[code].alarm or "").startswith("Viber billing")
    for code in (2, 7, 8, 9, 10, 15):  # the channel itself is broken: keep the queue
        assert STATUSES[code].alarm and STATUSES[code].verdict is Verdict.RETRY
    assert status_of(999).verdict is Verdict.FAILED


async def test_billing_errors_are_loud_but_not_a_flood(vb, client, caplog):
    caplog.set_level(logging.INFO, logger="reintegrate.viber")
    now = [0.0]
    sender = ViberOutboxSender(client, monotonic=lambda: now[0])
    vb.fail_for(USER, 23)
    for _ in range(5):
        assert (await sender.send(USER, OUT)).verdict is Verdict.FAILED
    vb.fail_for(USER, 24)
    await sender.send(USER, OUT)
    now[0] = 61.0
    vb.fail_for(USER, 23)
    await sender.send(USER, OUT)

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3  # 23, 24, then 23 again a minute later
    assert all(m.startswith("Viber billing") for m in errors)
    assert "free quota" in errors[0] and "no balance" in errors[1]


async def test_server_trouble_is_retried(vb, client):
    sender = ViberOutboxSender(client)
    vb.http_error_next(500)
    assert (await sender.send(USER, OUT)).verdict is Verdict.RETRY
    vb.hang_next()
    hung = await sender.send(USER, OUT)
    assert hung.verdict is Verdict.RETRY and "TimeoutError" in (hung.error or "")
    assert (await sender.send(USER, OUT)).verdict is Verdict.SENT


async def test_a_message_in_several_parts_stops_at_the_first_refusal(vb, client, caplog):
    pin = Outgoing(USER, "Centar na mapi", "centres.pin", ((Button("Meni", "menu"),),),
                   location=Location(44.8, 20.4))  # fmt: skip
    sender = ViberOutboxSender(client)
    ok = await sender.send(USER, pin)
    assert ok.verdict is Verdict.SENT
    assert [b["type"] for b in vb.sent()] == ["location", "text"]
    assert ok.message_id == str(vb.tokens[-1])  # the text's, which carries the keyboard

    vb.fail_next(0)  # the pin goes …
    vb.fail_next(12)  # … the text is refused
    limited = await sender.send(USER, pin)
    assert limited.verdict is Verdict.RETRY
    assert any(r.getMessage() == "viber: message sent only in part" for r in caplog.records)


async def test_files_go_by_url_and_render_errors_are_retried(vb, client):
    ics = Document("termin.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    booked = Outgoing(USER, "Zakazano.", "legal.booked", document=ics)
    urls: list[str] = []

    def file_url(doc: Document) -> str:
        urls.append(doc.filename)
        return f"https://bot.example.org/files/{doc.filename}?sig=abc"

    assert (await ViberOutboxSender(client, file_url).send(USER, booked)).verdict is Verdict.SENT
    file_body = vb.sent()[0]
    assert file_body["type"] == "file" and file_body["size"] == len(ics.content)
    assert json.dumps(file_body["media"]).count("sig=abc") == 1 and urls == ["termin.ics"]

    def broken(doc: Document) -> str:
        raise OSError("disk full")

    result = await ViberOutboxSender(client, broken).send(USER, booked)
    assert result.verdict is Verdict.RETRY and "OSError" in (result.error or "")
