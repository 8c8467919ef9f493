"""Call-back requests: who wants an adviser to phone them, about what, at which centre."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Callback, Role, Topic
from storage.models import AdviserHoursRow, AdviserRow, CallbackRow, RoleRow, StaffCentreRow

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

    async def open_for(
        self, adviser_id: int, *, centres: Collection[int] | None = None
    ) -> list[Callback]:
        """Open requests at the centres where this adviser works, oldest first.

        With `centres`, only at these of them (the centres the adviser is bound to).
        """
        works = select(AdviserHoursRow.centre_id).where(AdviserHoursRow.adviser_id == adviser_id)
        stmt = (
            select(CallbackRow)
            .where(CallbackRow.centre_id.in_(works), CallbackRow.status == OPEN)
            .order_by(CallbackRow.id)
        )
        if centres is not None:
            stmt = stmt.where(CallbackRow.centre_id.in_(list(centres)))
        rows = await self._s.execute(stmt)
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
        """The chat accounts (user ids) of advisers who work at a centre and are bound to it."""
        rows = await self._s.execute(
            select(AdviserRow.user_id)
            .join(AdviserHoursRow, AdviserHoursRow.adviser_id == AdviserRow.id)
            .where(AdviserHoursRow.centre_id == centre_id, AdviserRow.user_id.is_not(None))
            .where(_reaches(centre_id))
            .distinct()
        )
        return [uid for (uid,) in rows.all() if uid is not None]


def _reaches(centre_id: int) -> ColumnElement[bool]:
    """The adviser's chat account may act on the centre: bound to it, programme-wide or admin.

    Only they can see the request, so only they are told of it.
    """
    bound = exists().where(
        StaffCentreRow.user_id == AdviserRow.user_id,
        StaffCentreRow.role == Role.ADVISER.value,
        StaffCentreRow.centre_id == centre_id,
    )
    wide = exists().where(
        RoleRow.user_id == AdviserRow.user_id,
        or_(
            (RoleRow.role == Role.ADVISER.value) & RoleRow.all_centres,
            RoleRow.role == Role.ADMIN.value,
        ),
    )
    return or_(bound, wide)


def _callback(row: CallbackRow) -> Callback:
    return Callback(
        id=row.id, user_id=row.user_id, centre_id=row.centre_id, topic=Topic(row.topic),
        phone=row.phone or "", created_at=row.created_at,
    )  # fmt: skip
