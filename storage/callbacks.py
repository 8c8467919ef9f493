"""Call-back requests: who wants an adviser to phone them, about what, at which centre."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Callback, Topic
from storage.models import AdviserHoursRow, AdviserRow, CallbackRow

OPEN, DONE = "open", "done"


class SqlCallbacks:
    """Implements handlers.ports.CallbackRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def request(
        self, *, user_id: int, centre_id: int, topic: Topic, phone: str, now: datetime
    ) -> int:
        """Record a request; an open one of the same person is replaced (one at a time)."""
        await self._s.execute(
            update(CallbackRow)
            .where(CallbackRow.user_id == user_id, CallbackRow.status == OPEN)
            .values(status=DONE, phone=None)
        )
        row = CallbackRow(
            user_id=user_id, centre_id=centre_id, topic=topic.value, phone=phone,
            status=OPEN, created_at=now,
        )  # fmt: skip
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def open_for(self, adviser_id: int) -> list[Callback]:
        """Open requests at the centres where this adviser works, oldest first."""
        centres = select(AdviserHoursRow.centre_id).where(AdviserHoursRow.adviser_id == adviser_id)
        rows = await self._s.execute(
            select(CallbackRow)
            .where(CallbackRow.centre_id.in_(centres), CallbackRow.status == OPEN)
            .order_by(CallbackRow.id)
        )
        return [_callback(r) for r in rows.scalars()]

    async def done(self, callback_id: int) -> Callback | None:
        """An adviser called: close it and erase the number."""
        row = await self._s.get(CallbackRow, callback_id)
        if row is None or row.status != OPEN:
            return None
        found = _callback(row)
        row.status, row.phone = DONE, None
        await self._s.flush()
        return found

    async def advisers_at(self, centre_id: int) -> list[int]:
        """The chat accounts (user ids) of advisers who work at a centre."""
        rows = await self._s.execute(
            select(AdviserRow.user_id)
            .join(AdviserHoursRow, AdviserHoursRow.adviser_id == AdviserRow.id)
            .where(AdviserHoursRow.centre_id == centre_id, AdviserRow.user_id.is_not(None))
            .distinct()
        )
        return [uid for (uid,) in rows.all() if uid is not None]


def _callback(row: CallbackRow) -> Callback:
    return Callback(
        id=row.id, user_id=row.user_id, centre_id=row.centre_id, topic=Topic(row.topic),
        phone=row.phone or "", created_at=row.created_at,
    )  # fmt: skip
