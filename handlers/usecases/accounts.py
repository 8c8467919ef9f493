"""Accounts the bot can no longer reach: what follows when a platform says one is gone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.ports import UnitOfWorkFactory


async def account_gone(
    uows: UnitOfWorkFactory, platform: str, external_id: str, now: datetime
) -> None:
    """The account blocked the bot, was deactivated or unsubscribed: mark it unreachable and
    drop what is queued for it (the person's other accounts keep theirs)."""
    await accounts_gone(uows, [(platform, external_id)], now)


async def accounts_gone(
    uows: UnitOfWorkFactory, accounts: Iterable[tuple[str, str]], now: datetime
) -> None:
    """`account_gone` for several (platform, external id) accounts, in one transaction."""
    async with uows() as uow:
        # In a fixed order, so two workers (or a worker and a webhook) never wait on each
        # other's locks.
        for platform, external_id in sorted(set(accounts)):
            await uow.users.mark_unreachable(platform, external_id, now)
            await uow.outbox.drop_for_account(platform, external_id, now)
        await uow.commit()
