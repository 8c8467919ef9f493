"""Neutral message types exchanged between transports and the conversation core, and the
Notice the core queues in the outbox for later (rendered by handlers/notices.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from handlers.texts import Text

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; Viber's ActionBody is far larger.
MAX_ID_CHARS = 64  # platform, account, chat and update ids are stored in 64-character columns


class Kind(StrEnum):
    """What an incoming update carries."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    LOCATION = "location"
    CONTACT = "contact"
    PHOTO = "photo"  # the platform's file reference travels in Incoming.text


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the map, optionally with a title and an address."""

    latitude: float
    longitude: float
    title: str = ""
    address: str = ""

    def __post_init__(self) -> None:
        # Numbers, not strings or booleans; whether they are finite and on the map is for the
        # step reading them to judge (the transports already refuse NaN and infinities).
        for value in (self.latitude, self.longitude):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError("a location's coordinates are numbers")


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent to the person, e.g. a calendar entry."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update from a person, already translated out of the platform's format."""

    platform: str
    user_id: str
    chat_id: str
    kind: Kind
    text: str = ""
    command: str = ""
    lang_hint: str | None = None
    location: Location | None = None
    update_id: str | None = None

    def __post_init__(self) -> None:
        # The transports translate what the platforms send; this is the last guard that
        # nothing odd (a number for a text, a list for an id) reaches the flows.
        for value in (self.platform, self.user_id, self.chat_id):
            if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
                raise ValueError("ids are non-empty strings of at most 64 characters")
        if not isinstance(self.update_id, str | None) or len(self.update_id or "") > MAX_ID_CHARS:
            raise ValueError("an update id is a string of at most 64 characters")
        if not isinstance(self.kind, Kind):
            raise TypeError("kind is a Kind")
        if not isinstance(self.text, str) or not isinstance(self.command, str):
            raise TypeError("text and command are strings")
        if not isinstance(self.lang_hint, str | None):
            raise TypeError("a language hint is a string")
        if not isinstance(self.location, Location | None):
            raise TypeError("a location is a Location")

    @classmethod
    def message(
        cls,
        platform: str,
        user_id: str,
        text: str,
        *,
        chat_id: str | None = None,
        lang_hint: str | None = None,
        update_id: str | None = None,
    ) -> Incoming:
        """A typed message; a leading slash makes it a command (`/start centre-tutin`)."""
        chat = chat_id or user_id
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            head, _, arg = text[1:].partition(" ")
            command = head.split("@", 1)[0].lower()
            return cls(
                platform,
                user_id,
                chat,
                Kind.COMMAND,
                arg.strip(),
                command,
                lang_hint,
                update_id=update_id,
            )
        return cls(platform, user_id, chat, Kind.TEXT, text, "", lang_hint, update_id=update_id)

    @classmethod
    def button(
        cls,
        platform: str,
        user_id: str,
        payload: str,
        *,
        chat_id: str | None = None,
        lang_hint: str | None = None,
        update_id: str | None = None,
    ) -> Incoming:
        """A pressed button carrying its payload."""
        return cls(
            platform,
            user_id,
            chat_id or user_id,
            Kind.BUTTON,
            payload,
            "",
            lang_hint,
            update_id=update_id,
        )


@dataclass(frozen=True, slots=True)
class Button:
    """A button with a label for people and a short payload for us."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        size = len(self.payload.encode())
        if not 1 <= size <= MAX_PAYLOAD_BYTES:
            raise ValueError(
                f"button payload must be 1-{MAX_PAYLOAD_BYTES} bytes: {self.payload!r}"
            )


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: text with a message key, optional buttons, pin or file."""

    chat_id: str
    text: str
    key: str
    keyboard: Keyboard = ()
    replace: bool = False
    location: Location | None = None
    document: Document | None = None
    params: dict[str, object] = field(default_factory=dict, compare=False)
    # A photo the platform already holds (Telegram's file_id of a photo a coordinator sent).
    photo: str | None = None

    @property
    def buttons(self) -> list[Button]:
        """All buttons, row by row."""
        return [b for row in self.keyboard for b in row]


@dataclass(frozen=True, slots=True)
class NoticeButton:
    """A button on a notice: an English msgid label, translated when sent."""

    label: str
    payload: str
    icon: str = ""

    def __post_init__(self) -> None:
        Button(self.label, self.payload)  # the same payload rules as every other button


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to one person, to be sent later through the outbox."""

    text: Text
    params: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[NoticeButton, ...], ...] = ()

    @classmethod
    def of(
        cls, text: Text, buttons: Iterable[Sequence[NoticeButton]] = (), **params: Any
    ) -> Notice:
        """A notice with `params` (use when/word/name for values written out when sent)."""
        return cls(text, dict(params), tuple(tuple(row) for row in buttons if row))

    def buttons_json(self) -> list[list[list[str]]]:
        """The buttons as stored: rows of [label, payload, icon]."""
        return [[[b.label, b.payload, b.icon] for b in row] for row in self.buttons]
