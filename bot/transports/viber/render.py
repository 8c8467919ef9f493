"""The core's Outgoing -> Viber messages (dicts for send_message, without `receiver`).

- Text: plain, cut at line breaks into parts of at most 7,000 characters (Viber's limit).
- Keyboard: Viber's grid is 6 columns wide; each of our rows fills it (1 button: 6 columns,
  2: 3 each, 3: 2 each); a row of more than 3 is spread evenly over rows of at most 3.
  Every button replies with our payload as `ActionBody`, so a press comes back as a message
  whose text is the payload.
- Paging: Viber shows at most 24 rows of buttons. Our menus rarely come near that; when one
  does, a page holds up to 22 of its rows plus a row with "◀" / "▶" buttons whose
  `ActionBody` is the reserved payload `viber:page:<n>`. Pages are a pure function of the
  keyboard, so the webhook can answer a press with `render_keyboard(keyboard, n)` for the
  keyboard it last sent (it must keep that keyboard, e.g. with the conversation state; the
  core never sees `viber:page:` payloads: see `keyboard_page`).
- Size: a whole request stays under 30 KB: a page holds fewer rows if its buttons are long,
  and text parts shrink to leave room for the keyboard on the last one.
- Location: a `location` message, then the text (with the place's name and address when the
  text does not already say them).
- Files (the .ics calendar entry, the check-in QR picture): Viber fetches them by URL, so the
  caller passes `file_url(document) -> str` (our HTTP server serves the bytes at a signed,
  expiring address). PNG/JPEG pictures go as `picture`, anything else as `file`. Without
  `file_url` the file is left out (logged) and the text still goes.
- Photo: Viber needs a public URL; a Telegram file_id cannot be sent, so it is left out and
  the text goes alone.

The attachment comes first and the text after it; the keyboard rides on the last message,
since Viber shows the keyboard of the latest message only.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from handlers.messages import Button, Document, Keyboard, Location, Outgoing

log = logging.getLogger("reintegrate.viber")

TEXT_LIMIT = 7000  # characters in one text message
REQUEST_LIMIT = 30_000  # bytes in one send_message request (Viber: 30 KB)
# Room left in every request for what send_message adds: receiver (a 24-character id),
# sender name (28 characters), and the JSON around them.
ENVELOPE = 400
GRID_COLUMNS = 6
ROW_BUTTONS = 3  # at most this many buttons side by side, or labels become unreadable
MAX_ROWS = 24  # Viber's limit of button rows in one keyboard
PAGE_ROWS = MAX_ROWS - 2  # our rows per page, leaving room for the ◀ / ▶ row
KEYBOARD_BUDGET = 15_000  # bytes one keyboard page may take; the text gets the rest
PAGE_PREFIX = "viber:page:"
PICTURE_TYPES = {"image/png", "image/jpeg"}
PICTURE_LIMIT = 1_000_000  # bytes; larger pictures go as files
BUTTON_TEXT_LIMIT = 250  # Viber's limit for a button's Text

# min_api_version: everything we send (text, picture, file, location messages; keyboards
# with Columns, Rows, ActionType "reply", ActionBody, Text, TextSize, DefaultHeight) is API
# level 1, Viber's default, so we do not ask for more. Only level-3 keyboard parameters
# (InputFieldState, Frame, …; Viber 7.6+) would need `min_api_version: 3`, and asking for a
# level a person's app lacks makes Viber refuse the message (status 13), so it is set only
# when a message uses such a parameter.
LEVEL_3_KEYBOARD_KEYS = frozenset({"InputFieldState", "ButtonsGroupColumns", "ButtonsGroupRows"})
LEVEL_3_BUTTON_KEYS = frozenset({"Frame", "MediaPlayer", "InternalBrowser"})

FileUrl = Callable[[Document], str]
Message = dict[str, Any]


def render(
    out: Outgoing,
    file_url: FileUrl | None = None,
    *,
    page: int = 0,
    more: str = "▶",
    back: str = "◀",
) -> list[Message]:
    """One Outgoing as Viber messages, in sending order (without `receiver`)."""
    messages: list[Message] = []
    text = out.text
    if out.location is not None:
        messages.append(location_message(out.location))
        text = _with_place(text, out.location)
    if out.photo is not None:
        if out.photo.startswith(("https://", "http://")):
            messages.append({"type": "picture", "text": "", "media": out.photo})
        else:
            log.info("viber: photo left out, it is not a URL", extra={"key": out.key})
    if out.document is not None:
        if file_url is None:
            log.warning(
                "viber: file left out, no file_url given",
                extra={"key": out.key, "file": out.document.filename},
            )
        else:
            messages.append(file_message(out.document, file_url(out.document)))
    keyboard = render_keyboard(out.keyboard, page, more=more, back=back)
    room = REQUEST_LIMIT - ENVELOPE - (_size(keyboard) if keyboard else 0)
    messages += [{"type": "text", "text": part} for part in split(text, max_bytes=room)]
    if keyboard is not None:
        if messages:
            messages[-1]["keyboard"] = keyboard
        else:  # a keyboard alone: Viber allows it, with a text that says nothing
            messages.append({"type": "text", "text": "…", "keyboard": keyboard})
    for message in messages:
        version = min_api_version(message)
        if version > 1:
            message["min_api_version"] = version
    return messages


def min_api_version(message: Message) -> int:
    """The API level a message needs (1, Viber's default, unless it uses level-3 features)."""
    keyboard = message.get("keyboard") or {}
    buttons = keyboard.get("Buttons", [])
    if LEVEL_3_KEYBOARD_KEYS & keyboard.keys() or any(
        LEVEL_3_BUTTON_KEYS & b.keys() for b in buttons
    ):
        return 3
    return 1


# -- keyboards -------------------------------------------------------------------------------
def grid(keyboard: Keyboard) -> list[tuple[Button, ...]]:
    """Our rows as Viber rows: rows longer than ROW_BUTTONS spread evenly over several."""
    rows: list[tuple[Button, ...]] = []
    for row in keyboard:
        if not row:
            continue
        count = -(-len(row) // ROW_BUTTONS)  # ceil: how many Viber rows this one needs
        size, extra = divmod(len(row), count)
        start = 0
        for i in range(count):
            end = start + size + (1 if i < extra else 0)
            rows.append(tuple(row[start:end]))
            start = end
    return rows


def button(label: str, payload: str, columns: int) -> dict[str, Any]:
    """One reply button on the grid."""
    return {
        "Columns": columns,
        "Rows": 1,
        "ActionType": "reply",
        "ActionBody": payload,
        "Text": html.escape(label[:BUTTON_TEXT_LIMIT], quote=False),  # Text is HTML for Viber
        "TextSize": "regular",
    }


def _row(labels_payloads: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    columns = GRID_COLUMNS // len(labels_payloads)
    return [button(label, payload, columns) for label, payload in labels_payloads]


def _keyboard(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}


def page_rows(keyboard: Keyboard, *, more: str = "▶", back: str = "◀") -> int:
    """How many of our rows one page holds: PAGE_ROWS, fewer if the buttons are long."""
    rows = grid(keyboard)
    if len(rows) <= MAX_ROWS and _size(_layout(rows, len(rows), 0, more, back)) <= KEYBOARD_BUDGET:
        return len(rows) or 1  # all on one page, no ◀ / ▶
    per_page = PAGE_ROWS
    while per_page > 1 and any(
        _size(_layout(rows, per_page, p, more, back)) > KEYBOARD_BUDGET
        for p in range(-(-len(rows) // per_page))
    ):
        per_page -= 1
    return per_page


def pages(keyboard: Keyboard, *, more: str = "▶", back: str = "◀") -> int:
    """How many pages the keyboard takes."""
    rows = grid(keyboard)
    return max(1, -(-len(rows) // page_rows(keyboard, more=more, back=back)))


def render_keyboard(
    keyboard: Keyboard, page: int = 0, *, more: str = "▶", back: str = "◀"
) -> dict[str, Any] | None:
    """Page `page` (from 0) of the keyboard as Viber's keyboard object; None if no buttons.

    The webhook calls this with the page from `keyboard_page(payload)` to show another page
    of the keyboard it last sent. A page number past the end shows the last page.
    """
    rows = grid(keyboard)
    if not rows:
        return None
    per_page = page_rows(keyboard, more=more, back=back)
    last = -(-len(rows) // per_page) - 1
    if last > 0:
        log.info("viber: keyboard paged", extra={"rows": len(rows), "pages": last + 1})
    return _layout(rows, per_page, min(max(page, 0), last), more, back)


def _layout(
    rows: list[tuple[Button, ...]], per_page: int, page: int, more: str, back: str
) -> dict[str, Any]:
    shown = rows[page * per_page : (page + 1) * per_page]
    buttons = [b for row in shown for b in _row([(x.label, x.payload) for x in row])]
    nav: list[tuple[str, str]] = []
    if page > 0:
        nav.append((back, f"{PAGE_PREFIX}{page - 1}"))
    if (page + 1) * per_page < len(rows):
        nav.append((more, f"{PAGE_PREFIX}{page + 1}"))
    if nav:
        buttons += _row(nav)
    return _keyboard(buttons)


def keyboard_page(payload: str) -> int | None:
    """The page a ◀ / ▶ press asks for, or None if `payload` is not one (then it is ours)."""
    if not payload.startswith(PAGE_PREFIX):
        return None
    number = payload[len(PAGE_PREFIX) :]
    return int(number) if number.isdigit() else None


# -- other messages --------------------------------------------------------------------------
def location_message(location: Location) -> Message:
    """A map pin (Viber shows no name with it: the text after it does)."""
    return {"type": "location", "location": {"lat": location.latitude, "lon": location.longitude}}


def _with_place(text: str, location: Location) -> str:
    extra = [s for s in (location.title, location.address) if s and s not in text]
    return "\n".join([text, *extra]) if text else "\n".join(extra)


def file_message(document: Document, url: str) -> Message:
    """A file Viber fetches from `url`: pictures inline, anything else as a file."""
    size = len(document.content)
    if document.mime_type in PICTURE_TYPES and size <= PICTURE_LIMIT:
        return {"type": "picture", "text": "", "media": url}
    return {"type": "file", "media": url, "size": size, "file_name": document.filename[:256]}


# -- text ------------------------------------------------------------------------------------
def _size(obj: Any) -> int:
    """Bytes `obj` takes in the request body (as client.encode writes it)."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def request_size(message: Message) -> int:
    """Bytes of a send_message request for `message`, with room for receiver and sender."""
    return _size(message) + ENVELOPE


def split(text: str, limit: int = TEXT_LIMIT, *, max_bytes: int | None = None) -> list[str]:
    """Cut text into parts of at most `limit` characters (and `max_bytes` as JSON), at line
    breaks where possible, else at a space, else anywhere."""
    budget = max_bytes if max_bytes is not None else REQUEST_LIMIT - ENVELOPE

    def fits(part: str) -> bool:
        return len(part) <= limit and _size(part) + 20 <= budget  # 20: {"type":"text",…}

    if not text.strip():
        return []
    if fits(text):
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while not fits(line):  # one line longer than a message: cut it
            if current:
                parts.append(current)
                current = ""
            cut = _longest_fit(line, fits)
            space = line.rfind(" ", 0, cut)
            cut = space if space > cut // 2 else cut
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if fits(candidate):
            current = candidate
        else:
            parts.append(current)
            current = line
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()]


def _longest_fit(line: str, fits: Callable[[str], bool]) -> int:
    """The longest prefix of `line` that fits (binary search; at least one character)."""
    low, high = 1, len(line)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(line[:mid]):
            low = mid
        else:
            high = mid - 1
    return low
