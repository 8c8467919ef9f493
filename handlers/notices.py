"""Notices: what the bot says on its own, stored as a message key with parameters.

A notice is rendered only when it is sent, in the language the person has at that moment,
so parameters are stored as plain JSON: strings and numbers as they are, and three marked
kinds that are written out at render time — a moment (`when`), a translatable word (`word`)
and a proper name (`name`, shown in Cyrillic to Serbian Cyrillic readers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from handlers.messages import Button, Keyboard, Location, Outgoing

# Notice and NoticeButton live beside the other message types, so the outbox port can name
# them without importing this module (which needs the Translator port); re-exported here.
from handlers.messages import Notice as Notice
from handlers.messages import NoticeButton as NoticeButton
from handlers.model import Broadcast, Centre
from handlers.ports import Translator
from handlers.texts import REGISTRY
from handlers.translit import to_cyrillic

# Lower goes first. A direct notice to one person overtakes a broadcast's queue.
PRIORITY_DIRECT = 0
PRIORITY_BULK = 10


def when(value: datetime) -> dict[str, str]:
    """A moment, written in the recipient's language and the programme's timezone."""
    if value.tzinfo is None:
        raise ValueError("a notice's time must be timezone-aware")
    return {"$when": value.isoformat()}


def word(msgid: str) -> dict[str, str]:
    """An English word or phrase (marked with N_), translated for the recipient."""
    return {"$word": msgid}


def titles(values: dict[str, str]) -> dict[str, dict[str, str]]:
    """A title given in several languages: the recipient's, else Serbian, English, any."""
    return {"$titles": dict(values)}


def name(value: str) -> dict[str, str]:
    """A proper name (a centre, a street), in the recipient's script."""
    return {"$name": value}


def about(user_id: int) -> str:
    """The outbox reference of a notice to staff that names this person (their first name, a
    reason they typed): deleting the person's data deletes such notices too."""
    return f"about:{user_id}"


def broadcast_of(params: dict[str, Any]) -> int | None:
    """The announcement a stored notice carries the text of, if it is one."""
    marker = params.get("text")
    if isinstance(marker, dict) and isinstance(marker.get("$broadcast"), int):
        return int(marker["$broadcast"])
    return None


def broadcast_text(broadcast: Broadcast, locale: str) -> str:
    """The announcement in the person's language if written, else in its default language.

    Serbian Cyrillic readers get the Serbian text in Cyrillic, but never another language
    transliterated.
    """
    text = broadcast.text_for(locale)
    if locale == "sr_Cyrl" and broadcast.texts.get("sr") and text == broadcast.texts["sr"]:
        return to_cyrillic(text)
    return text


def with_attachment(
    out: Outgoing, broadcast: Broadcast, centre: Centre | None, locale: str
) -> Outgoing:
    """An announcement's photo or centre pin added to its message."""
    if broadcast.photo:
        return replace(out, photo=broadcast.photo)
    if centre is not None:
        cyrillic = locale == "sr_Cyrl"
        title = to_cyrillic(centre.name) if cyrillic else centre.name
        address = to_cyrillic(centre.address) if cyrillic else centre.address
        return replace(out, location=Location(centre.latitude, centre.longitude, title, address))
    return out


def pick_title(values: dict[str, str], locale: str) -> str:
    """The title in `locale`, else Serbian, English or any; Cyrillic readers get Cyrillic."""
    base = "sr" if locale == "sr_Cyrl" else locale
    found = next((values[k] for k in (base, "sr", "en") if values.get(k)), "")
    found = found or next(iter(values.values()), "")
    return to_cyrillic(found) if locale == "sr_Cyrl" else found


class UnknownMessage(Exception):
    """A stored notice names a message key this version of the bot does not know."""


def render(
    tr: Translator,
    locale: str,
    chat_id: str,
    key: str,
    params: dict[str, Any],
    buttons: Sequence[Sequence[Sequence[str]]],
) -> Outgoing:
    """A stored notice as an Outgoing message in `locale`."""
    text = REGISTRY.get(key)
    if text is None:
        raise UnknownMessage(key)
    values = {k: _value(tr, locale, v) for k, v in params.items()}
    keyboard: Keyboard = tuple(
        tuple(_button(tr, locale, label, payload, icon) for label, payload, icon in row)
        for row in buttons
        if row
    )
    return Outgoing(
        chat_id=chat_id,
        text=tr.gettext(locale, text.msgid).format(**values),
        key=key,
        keyboard=keyboard,
        params=values,
    )


def _button(tr: Translator, locale: str, label: str, payload: str, icon: str) -> Button:
    shown = tr.gettext(locale, label)
    return Button(f"{icon} {shown}" if icon else shown, payload)


def _value(tr: Translator, locale: str, value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "$when":
            return tr.format_datetime(locale, datetime.fromisoformat(raw))
        if kind == "$word":
            return tr.gettext(locale, raw)
        if kind == "$name":
            return to_cyrillic(raw) if locale == "sr_Cyrl" else raw
        if kind == "$titles":
            return pick_title(raw, locale)
    return value
