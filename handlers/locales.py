"""The languages we speak, their names, and how platform language codes map onto them."""

from __future__ import annotations

LOCALES: tuple[str, ...] = ("en", "sr", "sr_Cyrl", "bs", "de", "rom")
SOURCE_LOCALE = "en"

# Each language named in itself, so a person finds theirs without reading another.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "sr": "Srpski",
    "sr_Cyrl": "Српски",
    "bs": "Bosanski",
    "de": "Deutsch",
    "rom": "Romani",
}

# Our catalog `sr` is Serbian Latin, but Babel's plain `sr` is Cyrillic; Babel has no Romani,
# so Romani borrows the Serbian Latin patterns (its own day and month names come from our catalog).
BABEL_LOCALES: dict[str, str] = {
    "en": "en",
    "sr": "sr_Latn",
    "sr_Cyrl": "sr_Cyrl",
    "bs": "bs",
    "de": "de",
    "rom": "sr_Latn",
}

_HINTS: dict[str, str] = {
    "en": "en",
    "sr": "sr",
    "sr-latn": "sr",
    "sr_latn": "sr",
    "sr-cyrl": "sr_Cyrl",
    "sr_cyrl": "sr_Cyrl",
    "hr": "bs",
    "bs": "bs",
    "sh": "sr",
    "cnr": "sr",
    "de": "de",
    "rom": "rom",
    "rmc": "rom",
    "rmy": "rom",
    "rmn": "rom",
}


def match_locale(hint: str | None) -> str | None:
    """Map a platform's language code (`sr-Latn`, `de-AT`, `bs`) to one of ours, or None."""
    if not hint:
        return None
    code = hint.strip().lower().replace(" ", "")
    if code in _HINTS:
        return _HINTS[code]
    base = code.replace("_", "-").split("-", 1)[0]
    return _HINTS.get(base)


def is_locale(value: str) -> bool:
    """True if value names one of our locales exactly."""
    return value in LOCALES
