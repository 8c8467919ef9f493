"""Keyboards too long for one Viber screen, kept per account so the ◀ / ▶ buttons can page them.

Viber shows at most 24 rows of buttons; our longest lists (e.g. the workshops an announcement
can be about) go beyond that now and then. The pages are cut from the stored keyboard, so any
process behind the webhook can show the next one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Button, Keyboard
from storage.models import KeyboardRow


class SqlKeyboards:
    """The last long keyboard of each account."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def keep(
        self, platform: str, external_id: str, text: str, keyboard: Keyboard, now: datetime
    ) -> None:
        """Remember the text and keyboard last sent (replacing the one before)."""
        rows = [[[b.label, b.payload] for b in row] for row in keyboard]
        await self._s.merge(
            KeyboardRow(platform=platform, external_id=external_id, text=text[:8000],
                        keyboard=rows, updated_at=now)
        )  # fmt: skip
        await self._s.flush()

    async def last(self, platform: str, external_id: str) -> tuple[str, Keyboard] | None:
        """The text and keyboard last kept for the account, if any."""
        row = await self._s.get(KeyboardRow, (platform, external_id))
        if row is None:
            return None
        keyboard = tuple(
            tuple(Button(label, payload) for label, payload in r) for r in row.keyboard
        )
        return row.text, keyboard

    async def forget(self, platform: str, external_id: str) -> None:
        """Drop the account's kept keyboard (its person deleted their data)."""
        await self._s.execute(
            delete(KeyboardRow).where(
                KeyboardRow.platform == platform, KeyboardRow.external_id == external_id
            )
        )
