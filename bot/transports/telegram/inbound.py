"""Telegram Update -> the core's Incoming. Nothing here decides what to answer."""

from __future__ import annotations

import logging

from aiogram.enums import ChatType
from aiogram.types import Update

from handlers.messages import Incoming, Kind, Location

PLATFORM = "telegram"
log = logging.getLogger("reintegrate.telegram")


def to_incoming(update: Update) -> Incoming | None:
    """The core's view of an update, or None for updates the bot ignores (groups, edits) and
    for odd ones no Telegram app sends (a location that is not a number, an id too long);
    never raises."""
    try:
        return _incoming(update)
    except (TypeError, ValueError) as exc:  # Incoming refused what it was given
        log.warning(
            "telegram update not understood",
            extra={"update_id": update.update_id, "error": type(exc).__name__},
        )
        return None


def _incoming(update: Update) -> Incoming | None:
    uid = str(update.update_id)
    query = update.callback_query
    if query is not None:
        chat_id = str(query.message.chat.id) if query.message else str(query.from_user.id)
        return Incoming.button(
            PLATFORM,
            str(query.from_user.id),
            query.data or "",
            chat_id=chat_id,
            lang_hint=query.from_user.language_code,
            update_id=uid,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != ChatType.PRIVATE:
        return None
    user, chat, hint = (
        str(message.from_user.id),
        str(message.chat.id),
        message.from_user.language_code,
    )
    if message.location is not None:
        # Numbers only (never a string or a bool); whether they are a real point (NaN, off the
        # map) the core decides, so every platform is held to the same check.
        lat, lon = message.location.latitude, message.location.longitude
        loc = Location(lat, lon) if _number(lat) and _number(lon) else None
        return Incoming(PLATFORM, user, chat, Kind.LOCATION, "", "", hint, loc, uid)
    if message.contact is not None:
        return Incoming(
            PLATFORM, user, chat, Kind.CONTACT, message.contact.phone_number, "", hint, None, uid
        )
    if message.photo:
        # Telegram sends one photo in several sizes: keep the largest one's file_id. The
        # caption is not read (a coordinator's text for an announcement comes as a message).
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return Incoming(PLATFORM, user, chat, Kind.PHOTO, largest.file_id, "", hint, None, uid)
    # Stickers and voice notes arrive as empty text: the core answers "use the buttons".
    text = message.text or message.caption or ""
    return Incoming.message(PLATFORM, user, text, chat_id=chat, lang_hint=hint, update_id=uid)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def callback_message_id(update: Update) -> int | None:
    """The id of the message whose button was pressed (the one to edit), if any."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    return query.message.message_id
