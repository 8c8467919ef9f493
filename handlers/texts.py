"""Message texts: a stable key for tests and the outbox, an English msgid for gettext."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    """One message: `key` names it for code and tests, `msgid` is the English source."""

    key: str
    msgid: str


REGISTRY: dict[str, Text] = {}


def T(key: str, msgid: str) -> Text:  # noqa: N802 - short on purpose; Babel extracts T's 2nd arg
    """Declare a message text once, at import time, under a unique key."""
    known = REGISTRY.get(key)
    if known is not None and known.msgid != msgid:
        raise ValueError(f"message key {key!r} declared twice with different texts")
    text = Text(key, msgid)
    REGISTRY[key] = text
    return text


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for translation where it is declared; it is translated where it is shown."""
    return msgid
