"""Outgoing -> Viber messages: the 6-column grid, paging, text parts, pins, files, sizes."""

from __future__ import annotations

import logging

import pytest

from bot.transports.viber.render import (
    MAX_ROWS,
    PAGE_PREFIX,
    REQUEST_LIMIT,
    TEXT_LIMIT,
    keyboard_page,
    min_api_version,
    pages,
    render,
    render_keyboard,
    request_size,
    split,
)
from handlers.messages import Button, Document, Keyboard, Location, Outgoing


def row(n: int, prefix: str = "b") -> tuple[Button, ...]:
    return tuple(Button(f"{prefix}{i}", f"{prefix}:{i}") for i in range(n))


def out(text: str = "Izaberite:", keyboard: Keyboard = (), **kw) -> Outgoing:
    return Outgoing("U1", text, "test.key", keyboard, **kw)


def columns(keyboard: dict) -> list[int]:
    return [b["Columns"] for b in keyboard["Buttons"]]


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, [6]), (2, [3, 3]), (3, [2, 2, 2]), (4, [3, 3, 3, 3]), (5, [2, 2, 2, 3, 3])],
)
def test_each_row_fills_the_six_columns(n, expected):
    kb = render_keyboard((row(n),))
    assert kb is not None
    assert columns(kb) == expected  # 4 -> two rows of 2, 5 -> a row of 3 and a row of 2
    assert {"Type": "keyboard", "DefaultHeight": False}.items() <= kb.items()


def test_buttons_reply_with_the_payload_and_escaped_label():
    kb = render_keyboard(((Button("<Nazad> & dalje", "ws:reg:12"),), (Button("Meni", "menu"),)))
    assert kb is not None
    assert kb["Buttons"][0] == {
        "Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "ws:reg:12",
        "Text": "&lt;Nazad&gt; &amp; dalje", "TextSize": "regular",
    }  # fmt: skip
    assert [b["ActionBody"] for b in kb["Buttons"]] == ["ws:reg:12", "menu"]


def test_no_buttons_no_keyboard():
    assert render_keyboard(()) is None
    assert "keyboard" not in render(out("Zdravo"))[0]


def test_more_than_24_rows_are_paged():
    keyboard = tuple((Button(f"Radionica {i}", f"ws:{i}"),) for i in range(50))
    assert pages(keyboard) == 3
    first = render_keyboard(keyboard, 0)
    assert first is not None
    bodies = [b["ActionBody"] for b in first["Buttons"]]
    assert len(first["Buttons"]) <= MAX_ROWS  # one button per row here
    assert bodies[:22] == [f"ws:{i}" for i in range(22)] and bodies[22:] == ["viber:page:1"]

    second = render_keyboard(keyboard, keyboard_page("viber:page:1") or 0)
    assert second is not None
    nav = second["Buttons"][-2:]
    assert [b["ActionBody"] for b in nav] == [f"{PAGE_PREFIX}0", f"{PAGE_PREFIX}2"]
    assert [b["Columns"] for b in nav] == [3, 3]  # ◀ and ▶ side by side in one row
    assert second["Buttons"][0]["ActionBody"] == "ws:22"

    last = render_keyboard(keyboard, 2)
    assert last is not None
    assert [b["ActionBody"] for b in last["Buttons"]][-1] == f"{PAGE_PREFIX}1"
    assert last["Buttons"][-2]["ActionBody"] == "ws:49"
    assert render_keyboard(keyboard, 99) == last  # past the end: the last page

    # Every button reachable through the pages, exactly once.
    seen = [b["ActionBody"] for p in range(3) for b in render_keyboard(keyboard, p)["Buttons"]]  # type: ignore[index]
    assert sorted(x for x in seen if x.startswith("ws:")) == sorted(f"ws:{i}" for i in range(50))


def test_exactly_24_rows_need_no_paging():
    keyboard = tuple((Button(f"{i}", f"x:{i}"),) for i in range(24))
    kb = render_keyboard(keyboard)
    assert kb is not None and len(kb["Buttons"]) == 24 and pages(keyboard) == 1


def test_page_payloads_are_told_apart_from_ours():
    assert keyboard_page("viber:page:3") == 3
    assert keyboard_page("ws:reg:3") is None
    assert keyboard_page("viber:page:x") is None


def test_long_text_is_split_at_line_breaks_with_the_keyboard_on_the_last_part():
    lines = [f"{i:05d} " + "ж" * 93 for i in range(200)]  # 100 characters a line, Cyrillic
    text = "\n".join(lines)
    messages = render(out(text, (row(2),)))

    assert len(messages) >= 3
    assert all(m["type"] == "text" and len(m["text"]) <= TEXT_LIMIT for m in messages)
    assert "\n".join(m["text"] for m in messages) == text  # cut only at line breaks
    assert ["keyboard" in m for m in messages] == [False] * (len(messages) - 1) + [True]
    assert all(request_size(m) <= REQUEST_LIMIT for m in messages)


def test_split_cuts_an_overlong_line_at_a_space():
    text = ("riječ " * 3000).strip()  # one line of 17,999 characters
    parts = split(text)
    assert all(len(p) <= TEXT_LIMIT for p in parts) and len(parts) == 3
    assert " ".join(parts) == text
    assert split("   ") == []


def test_location_then_text_with_the_place():
    pin = Location(44.8125, 20.4612, "Centar Beograd", "Kneza Miloša 1")
    messages = render(out("Centar Beograd na mapi", (row(1),), location=pin))

    assert messages[0] == {"type": "location", "location": {"lat": 44.8125, "lon": 20.4612}}
    assert messages[1]["text"] == "Centar Beograd na mapi\nKneza Miloša 1"  # name not twice
    assert "keyboard" in messages[1] and "keyboard" not in messages[0]


def test_a_file_goes_by_the_url_the_caller_makes():
    ics = Document("radionica.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    asked: list[Document] = []

    def file_url(doc: Document) -> str:
        asked.append(doc)
        return "https://bot.example.org/f/abc?exp=1&sig=x"

    messages = render(out("Prijavljeni ste.", (row(1),), document=ics), file_url)
    assert messages[0] == {
        "type": "file", "media": "https://bot.example.org/f/abc?exp=1&sig=x",
        "size": len(ics.content), "file_name": "radionica.ics",
    }  # fmt: skip
    assert messages[1]["text"] == "Prijavljeni ste." and "keyboard" in messages[1]
    assert asked == [ics]

    png = Document("checkin.png", b"\x89PNG" + b"0" * 100, "image/png")
    picture = render(out("Kod", document=png), file_url)[0]
    assert picture == {"type": "picture", "text": "", "media": file_url(png)}


def test_without_a_url_maker_the_file_is_left_out(caplog):
    caplog.set_level(logging.INFO, logger="reintegrate.viber")
    ics = Document("radionica.ics", b"BEGIN:VCALENDAR", "text/calendar")
    messages = render(out("Prijavljeni ste.", document=ics))
    assert [m["type"] for m in messages] == ["text"]
    assert any("file left out" in r.getMessage() for r in caplog.records)


def test_a_photo_goes_only_as_a_url():
    url = "https://cdn.example.org/plakat.jpg"
    assert render(out("Plakat", photo=url))[0] == {"type": "picture", "text": "", "media": url}
    telegram_file_id = "AgACAgIAAxkBAAIB"
    assert [m["type"] for m in render(out("Plakat", photo=telegram_file_id))] == ["text"]


def test_min_api_version_only_when_needed():
    messages = render(out("Izaberite:", (row(3),)))
    assert "min_api_version" not in messages[0]  # our keyboards are API level 1
    assert min_api_version({"keyboard": {"InputFieldState": "hidden", "Buttons": []}}) == 3
    assert min_api_version({"type": "text"}) == 1


def test_every_request_stays_under_30_kb():
    # 30 rows of three buttons with long Cyrillic labels and 64-byte payloads.
    keyboard = tuple(
        tuple(Button("Радионица " + "ш" * 60, f"p:{r:02d}:{c}:" + "x" * 56) for c in range(3))
        for r in range(30)
    )
    text = "Ђ" * 6999
    for page in range(pages(keyboard)):
        messages = render(out(text, keyboard), page=page)
        assert all(request_size(m) <= REQUEST_LIMIT for m in messages)
        assert "keyboard" in messages[-1]
    assert pages(keyboard) >= 2
    total = {b["ActionBody"] for p in range(pages(keyboard))
             for b in render_keyboard(keyboard, p)["Buttons"]}  # type: ignore[index]  # fmt: skip
    assert {b.payload for r in keyboard for b in r} <= total  # nothing lost, only paged
