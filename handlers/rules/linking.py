"""Link codes: how they are made, shown and read back, and the try limit for guessing them.

The use cases that count tries are in `handlers.usecases.linking`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

# No 0/O, 1/I/L: a code read off one phone and typed into another is not mistyped.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31**8 ≈ 8.5e11 codes; with TRY_LIMIT tries an hour, guessing one is hopeless
CODE_TTL = timedelta(minutes=10)
SCOPE = "link"
TRY_LIMIT = 5  # wrong codes per account ...
TRY_WINDOW = timedelta(hours=1)  # ... in this long
# How the bot names each platform in a sentence (brand names: the same in every language).
PLATFORM_NAMES = {"telegram": "Telegram", "viber": "Viber", "console": "Console"}


def new_code() -> str:
    """A fresh code as stored: LENGTH characters of ALPHABET, from a secure source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """A code as people see it, in groups of four: `ABCD-EFGH`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def read(typed: str) -> str | None:
    """A typed code as stored (any case, spaces and hyphens ignored); None if it cannot be one."""
    code = "".join(c for c in typed.upper() if not c.isspace() and c not in "-‐‑–—")
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def platform_name(platform: str) -> str:
    """A platform's name for a sentence."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


def subject(platform: str, external_id: str) -> str:
    """Who is counted by the try limit: the account that types (stored as a digest)."""
    return f"{platform}:{external_id}"
