"""Link codes' try limit: when an account that guessed wrong may try again, and forgetting tries."""

from __future__ import annotations

from datetime import datetime

from handlers.ports import UnitOfWork
from handlers.rules.linking import SCOPE, TRY_LIMIT, TRY_WINDOW, subject


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
