"""Translations and locale-aware formatting, as the core needs them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Translator(Protocol):
    """Translated strings and locale-aware formatting in the programme's timezone."""

    def gettext(self, locale: str, msgid: str) -> str: ...

    def format_datetime(self, locale: str, value: datetime) -> str: ...

    def format_date(self, locale: str, value: date) -> str: ...

    def weekday_name(self, locale: str, weekday: int) -> str: ...
