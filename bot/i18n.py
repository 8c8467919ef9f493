"""Catalogs and Babel formatting: the Translator the core speaks through.

The `.po` files are read and compiled in memory at start-up, so there is no separate compile
step to forget; `sr_Cyrl` is generated from `sr` by transliteration, never kept by hand.
`reintegrate-bot locales` writes the same catalogs out as `.po`/`.mo` files for packaging.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_day_names,
    get_month_names,
)
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from handlers.locales import BABEL_LOCALES, LOCALES
from handlers.texts import N_
from handlers.translit import to_cyrillic

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Babel has no Romani: its day and month names come from our own catalog.
WEEKDAYS = (
    N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
    N_("Friday"), N_("Saturday"), N_("Sunday"),
)  # fmt: skip
MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)  # fmt: skip
OWN_NAMES = {"rom"}


def po_path(locale: str, root: Path = LOCALE_DIR) -> Path:
    """Where a locale's catalog lives."""
    return root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str, root: Path = LOCALE_DIR) -> Catalog:
    """One locale's catalog; `sr_Cyrl` is transliterated from `sr`."""
    if locale == "sr_Cyrl":
        return cyrillic_catalog(read_catalog("sr", root))
    with po_path(locale, root).open("rb") as fh:
        # Babel knows no Romani locale: read that catalog without one.
        return read_po(fh, locale=None if locale in OWN_NAMES else locale)


def cyrillic_catalog(latin: Catalog) -> Catalog:
    """Serbian Cyrillic from Serbian Latin, message by message."""
    cyr = copy.deepcopy(latin)
    cyr.locale = "sr_Cyrl"
    for message in cyr:
        if not message.id:
            continue
        if isinstance(message.string, tuple | list):
            message.string = tuple(to_cyrillic(s) for s in message.string)
        elif message.string:
            message.string = to_cyrillic(message.string)
    return cyr


def compiled(catalog: Catalog) -> dict[str, str]:
    """msgid -> translation, leaving out empty and fuzzy entries (they fall back to English)."""
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def write_compiled(root: Path = LOCALE_DIR) -> list[Path]:
    """Write every locale's `.mo` file (and the generated `sr_Cyrl` `.po`) for packaging."""
    written: list[Path] = []
    for locale in LOCALES:
        catalog = read_catalog(locale, root)
        po = po_path(locale, root)
        po.parent.mkdir(parents=True, exist_ok=True)
        if locale == "sr_Cyrl":
            with po.open("wb") as fh:
                write_po(fh, catalog)
            written.append(po)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


KEYWORDS = {"T": (2,), "N_": None, "_": None}
SOURCE_DIRS = ("handlers", "bot")


def extract(project: Path = LOCALE_DIR.parent) -> Catalog:
    """Every translatable string in the code, as a template catalog."""
    template = Catalog(project="RE!NTEGRATE bot", fuzzy=False)
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            project / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            template.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def update_catalogs(root: Path = LOCALE_DIR) -> list[Path]:
    """Refresh messages.pot from the code and merge it into every hand-kept catalog."""
    template = extract(root.parent)
    with (root / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True, no_location=True)
    written = [root / f"{DOMAIN}.pot"]
    for locale in LOCALES:
        if locale == "sr_Cyrl":
            continue
        path = po_path(locale, root)
        if path.exists():
            catalog = read_catalog(locale, root)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=None if locale in OWN_NAMES else locale)
        catalog.update(template, update_header_comment=False)
        if locale in OWN_NAMES:
            catalog.language_team = locale
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, no_location=True, include_previous=True)
        written.append(path)
    return written


class BabelTranslator:
    """Implements handlers.ports.Translator with our catalogs and Babel's CLDR data."""

    def __init__(self, timezone: str = "Europe/Belgrade", root: Path = LOCALE_DIR) -> None:
        self.tz = ZoneInfo(timezone)
        self._messages = {loc: compiled(read_catalog(loc, root)) for loc in LOCALES}

    def gettext(self, locale: str, msgid: str) -> str:
        """The translation, or the English source if there is none."""
        return self._messages.get(locale, {}).get(msgid) or msgid

    def format_datetime(self, locale: str, value: datetime) -> str:
        """Date and time in the programme's timezone, written the local way."""
        local = value.astimezone(self.tz)
        babel = BABEL_LOCALES[locale]
        day = self._own_names(locale, format_date(local.date(), "full", locale=babel))
        clock = format_time(local.time(), "HH:mm", locale=babel)
        # Babel declares a DateTimePattern but gives the pattern's text; str() holds for both.
        pattern = str(get_datetime_format("long", locale=babel))
        return pattern.replace("'", "").format(clock, day)

    def format_date(self, locale: str, value: date) -> str:
        """A date written the local way, with the weekday."""
        return self._own_names(locale, format_date(value, "full", locale=BABEL_LOCALES[locale]))

    def weekday_name(self, locale: str, weekday: int) -> str:
        """A weekday's name (0 = Monday)."""
        if locale in OWN_NAMES:
            return self.gettext(locale, WEEKDAYS[weekday])
        name = str(get_day_names("wide", locale=BABEL_LOCALES[locale])[weekday])
        return name[:1].upper() + name[1:]

    def _own_names(self, locale: str, text: str) -> str:
        """Swap the borrowed Serbian day and month names for our own (Romani)."""
        if locale not in OWN_NAMES:
            return text
        babel = BABEL_LOCALES[locale]
        days = get_day_names("wide", locale=babel)
        months = get_month_names("wide", locale=babel)
        for i, msgid in enumerate(WEEKDAYS):
            text = text.replace(str(days[i]), self.gettext(locale, msgid))
        # Longest first, so that no month's name is replaced inside another's.
        for i in sorted(range(12), key=lambda i: -len(str(months[i + 1]))):
            text = text.replace(str(months[i + 1]), self.gettext(locale, MONTHS[i]))
        return text
