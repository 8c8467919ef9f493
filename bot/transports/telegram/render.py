"""The core's Outgoing -> Telegram's HTML text and inline keyboards."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.messages import Keyboard

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024  # a photo's caption, counted after HTML is parsed


def escape(text: str) -> str:
    """Our texts are plain: escape them for HTML parse mode."""
    return html.escape(text, quote=False)


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut text into messages of at most `limit` characters, at line breaks where possible."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a message: cut it hard
            if current:
                parts.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = (
                cut
                if cut > limit // 2 and not _inside_entity(line, cut)
                else _safe_cut(line, limit)
            )
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]


def _inside_entity(text: str, index: int) -> bool:
    amp = text.rfind("&", 0, index)
    return amp != -1 and text.find(";", amp) >= index


def _safe_cut(text: str, limit: int) -> int:
    """A cut at `limit` that does not split an HTML entity like `&amp;`."""
    amp = text.rfind("&", max(0, limit - 8), limit)
    return amp if amp > 0 and text.find(";", amp) >= limit else limit


def caption_fits(text: str, limit: int = CAPTION_LIMIT) -> bool:
    """Whether our plain `text` fits a caption.

    Telegram counts after parsing, i.e. the unescaped text; counting UTF-16 code units (an
    emoji outside the BMP is two) errs on the safe side whichever unit Telegram uses.
    """
    return len(text.encode("utf-16-le")) // 2 <= limit


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Inline keyboard rows; payloads were checked for Telegram's 64 bytes when built."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row]
            for row in keyboard
        ]
    )
