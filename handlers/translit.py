"""Serbian Latin to Cyrillic transliteration, leaving placeholders, markup and names intact."""

from __future__ import annotations

import re

_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "dz\u030c": "џ"}
_LETTERS = dict(
    zip(
        "abvgdđežzijklmnoprstćufhcčš",
        "абвгдђежзијклмнопрстћуфхцчш",
        strict=True,
    )
)

# Words that stay in Latin script: brand names, commands and anything with non-Serbian letters.
_KEEP = re.compile(
    r"(\{[^{}]*\}"  # str.format placeholders
    r"|<[^<>]+>"  # markup
    r"|/[a-z_]+"  # commands
    r"|https?://\S+"
    r"|\S+@\S+"
    r"|RE!NTEGRATE|Telegram|Viber"
    r"|\b\w*[qwxyQWXY]\w*\b)"
)


def _convert_word(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        low = pair.lower()
        if low in _DIGRAPHS and len(pair) == 2:
            digraph = _DIGRAPHS[low]
            out.append(digraph.upper() if pair[0].isupper() else digraph)
            i += 2
            continue
        ch = text[i]
        letter = _LETTERS.get(ch.lower())
        out.append(ch if letter is None else (letter.upper() if ch.isupper() else letter))
        i += 1
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Transliterate Serbian Latin text to Cyrillic, keeping `{placeholders}` and markup."""
    parts: list[str] = []
    last = 0
    for m in _KEEP.finditer(text):
        parts.append(_convert_word(text[last : m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(_convert_word(text[last:]))
    return "".join(parts)
