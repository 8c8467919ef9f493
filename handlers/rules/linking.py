"""Link codes: how they are made, shown and read back, and the try limit for guessing them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from handlers.ports import UnitOfWork

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


async def locked_until(uow: UnitOfWork, who: str, now: datetime) -> datetime | None:
    """When the account may try again, if it used up its tries; None if it may try now."""
    since = now - TRY_WINDOW
    if await uow.attempts.count(SCOPE, who, since) < TRY_LIMIT:
        return None
    oldest = await uow.attempts.oldest(SCOPE, who, since)
    return (oldest or now) + TRY_WINDOW


async def forget_tries(uow: UnitOfWork, accounts: list[tuple[str, str]], now: datetime) -> None:
    """Deleting one's data: drop the accounts' old wrong tries.

    Tries still inside the window stay (a digest, pruned within days): otherwise deleting
    one's data and starting again would give an account fresh tries at once.
    """
    for platform, external_id in accounts:
        await uow.attempts.forget(SCOPE, subject(platform, external_id), before=now - TRY_WINDOW)
