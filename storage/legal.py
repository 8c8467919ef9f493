"""Legal advice: advisers' hours and absences, and appointments no two people can share."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, time
from typing import cast

from sqlalchemy import Table, exists, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Adviser, AdviserHours, Appointment, Role, Topic
from handlers.ports import Conflict
from handlers.rules.slots import WeeklyHours
from storage.models import (
    AdviserAbsenceRow,
    AdviserHoursRow,
    AdviserRow,
    AppointmentRow,
    RoleRow,
    StaffCentreRow,
)

BOOKED, CANCELLED = "booked", "cancelled"
_appointments = cast(Table, AppointmentRow.__table__)


class SqlLegal:
    """Implements handlers.ports.LegalRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def hours(self, centre_id: int) -> tuple[list[WeeklyHours], dict[int, int]]:
        """Every adviser's weekly hours at a centre, and each adviser's slot length."""
        rows = await self._s.execute(
            select(AdviserHoursRow, AdviserRow.slot_minutes)
            .join(AdviserRow, AdviserRow.id == AdviserHoursRow.adviser_id)
            .where(AdviserHoursRow.centre_id == centre_id)
        )
        hours, minutes = [], {}
        for h, slot in rows.all():
            hours.append(
                WeeklyHours(h.adviser_id, h.centre_id, h.weekday,
                            time.fromisoformat(h.starts), time.fromisoformat(h.ends))
            )  # fmt: skip
            minutes[h.adviser_id] = slot
        return hours, minutes

    async def busy(
        self, adviser_ids: Sequence[int], start: datetime, end: datetime
    ) -> tuple[list[tuple[int, datetime, datetime]], list[tuple[int, datetime, datetime]]]:
        """Absences and bookings (both as intervals) of these advisers around [start, end)."""
        absences = await self._s.execute(
            select(AdviserAbsenceRow).where(
                AdviserAbsenceRow.adviser_id.in_(adviser_ids),
                AdviserAbsenceRow.starts_at < end,
                AdviserAbsenceRow.ends_at > start,
            )
        )
        booked = await self._s.execute(
            select(
                AppointmentRow.adviser_id, AppointmentRow.starts_at, AppointmentRow.ends_at
            ).where(
                AppointmentRow.adviser_id.in_(adviser_ids),
                AppointmentRow.status != CANCELLED,
                AppointmentRow.starts_at < end,
                AppointmentRow.ends_at > start,
            )
        )
        return (
            [(a.adviser_id, a.starts_at, a.ends_at) for a in absences.scalars()],
            [(a, s, e) for a, s, e in booked.all()],
        )

    async def book(
        self,
        *,
        adviser_id: int,
        user_id: int,
        centre_id: int,
        topic: Topic,
        starts_at: datetime,
        ends_at: datetime,
        now: datetime,
    ) -> Appointment | None:
        """Hold the slot; None if someone holds it already.

        Raises Conflict when another booking of the same slot commits at the same moment
        (the unique index): the unit of work is retried and then finds the slot taken.
        """
        taken = (
            select(_appointments.c.id)
            .where(
                _appointments.c.adviser_id == adviser_id,
                _appointments.c.starts_at == literal(starts_at, _appointments.c.starts_at.type),
                _appointments.c.status != CANCELLED,
            )
            .exists()
        )
        values = select(
            literal(adviser_id), literal(user_id), literal(centre_id), literal(topic.value),
            literal(starts_at, _appointments.c.starts_at.type),
            literal(ends_at, _appointments.c.ends_at.type), literal(BOOKED),
            literal(now, _appointments.c.created_at.type),
        ).where(~taken)  # fmt: skip
        insert = _appointments.insert().from_select(
            ["adviser_id", "user_id", "centre_id", "topic", "starts_at", "ends_at", "status",
             "created_at"],
            values,
        )  # fmt: skip
        try:
            result = await self._s.execute(insert)
        except IntegrityError as exc:
            raise Conflict("slot taken") from exc
        if not getattr(result, "rowcount", 1):
            return None
        row = (
            await self._s.execute(
                select(AppointmentRow).where(
                    AppointmentRow.adviser_id == adviser_id,
                    AppointmentRow.starts_at == starts_at,
                    AppointmentRow.status == BOOKED,
                )
            )
        ).scalar_one()
        return await self._appointment(row)

    async def upcoming(self, user_id: int, after: datetime) -> Appointment | None:
        """The person's next booked appointment, if any."""
        row = (
            await self._s.execute(
                select(AppointmentRow)
                .where(
                    AppointmentRow.user_id == user_id,
                    AppointmentRow.status == BOOKED,
                    AppointmentRow.starts_at > after,
                )
                .order_by(AppointmentRow.starts_at)
                .limit(1)
            )
        ).scalar_one_or_none()
        return await self._appointment(row) if row else None

    async def get(self, appointment_id: int) -> Appointment | None:
        """An appointment by id."""
        row = await self._s.get(AppointmentRow, appointment_id)
        return await self._appointment(row) if row else None

    async def cancel(self, appointment_id: int) -> None:
        """Release the slot."""
        await self._s.execute(
            update(AppointmentRow)
            .where(AppointmentRow.id == appointment_id)
            .values(status=CANCELLED)
        )

    async def _appointment(self, row: AppointmentRow) -> Appointment:
        adviser = await self._s.get(AdviserRow, row.adviser_id)
        return Appointment(
            id=row.id, adviser_id=row.adviser_id, user_id=row.user_id, centre_id=row.centre_id,
            topic=Topic(row.topic), starts_at=row.starts_at, ends_at=row.ends_at,
            status=row.status, adviser_user_id=adviser.user_id if adviser else None,
        )  # fmt: skip

    async def adviser_of(self, user_id: int) -> int | None:
        """The adviser record of a person, if they are one."""
        found: int | None = (
            await self._s.execute(select(AdviserRow.id).where(AdviserRow.user_id == user_id))
        ).scalar_one_or_none()
        return found

    async def agenda(
        self,
        adviser_id: int,
        start: datetime,
        end: datetime,
        *,
        centres: Collection[int] | None = None,
    ) -> list[Appointment]:
        """The adviser's appointments in [start, end) that are not cancelled, by time.

        With `centres`, only those at these centres (what an adviser bound to them may see).
        """
        stmt = (
            select(AppointmentRow)
            .where(
                AppointmentRow.adviser_id == adviser_id,
                AppointmentRow.status != CANCELLED,
                AppointmentRow.starts_at >= start,
                AppointmentRow.starts_at < end,
            )
            .order_by(AppointmentRow.starts_at)
        )
        if centres is not None:
            stmt = stmt.where(AppointmentRow.centre_id.in_(list(centres)))
        rows = await self._s.execute(stmt)
        return [await self._appointment(r) for r in rows.scalars()]

    async def mark(self, appointment_id: int, status: str) -> None:
        """Attended or no-show."""
        await self._s.execute(
            update(AppointmentRow).where(AppointmentRow.id == appointment_id).values(status=status)
        )

    async def block(self, adviser_id: int, start: datetime, end: datetime) -> list[Appointment]:
        """The adviser is away in [start, end): no times are offered; the booked ones returned."""
        self._s.add(AdviserAbsenceRow(adviser_id=adviser_id, starts_at=start, ends_at=end))
        await self._s.flush()
        return [a for a in await self.agenda(adviser_id, start, end) if a.status == BOOKED]

    async def link_adviser(self, user_id: int, name: str) -> int:
        """Make a person the adviser called `name` (a new adviser record if there is none)."""
        row = (
            await self._s.execute(select(AdviserRow).where(AdviserRow.name == name))
        ).scalar_one_or_none()
        if row is None:
            row = AdviserRow(name=name, slot_minutes=30)
            self._s.add(row)
        row.user_id = user_id
        await self._s.flush()
        return row.id

    async def adviser_centres(self, name: str) -> list[int]:
        """The centres where the adviser called `name` has weekly hours."""
        stmt = (
            select(AdviserHoursRow.centre_id)
            .join(AdviserRow, AdviserRow.id == AdviserHoursRow.adviser_id)
            .where(AdviserRow.name == name)
            .distinct()
            .order_by(AdviserHoursRow.centre_id)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def replace_hours(
        self,
        name: str,
        slot_minutes: int,
        hours: Sequence[tuple[int, int, str, str]],
        days_off: Sequence[tuple[datetime, datetime]],
    ) -> int:
        """Give the adviser `name` (a new record if there is none) exactly these weekly hours.

        `hours` are (centre id, weekday 0 = Monday, "HH:MM", "HH:MM") in local time; every
        earlier row of the adviser's hours is dropped. `days_off` are added as absences unless
        the same one is stored already, so importing a file twice adds them once. The id.
        """
        from sqlalchemy import delete

        first = select(AdviserRow).where(AdviserRow.name == name).order_by(AdviserRow.id).limit(1)
        row = (await self._s.execute(first)).scalar_one_or_none()
        if row is None:
            row = AdviserRow(name=name, user_id=None)
            self._s.add(row)
        row.slot_minutes = slot_minutes
        await self._s.flush()
        await self._s.execute(delete(AdviserHoursRow).where(AdviserHoursRow.adviser_id == row.id))
        stored = await self._s.execute(
            select(AdviserAbsenceRow.starts_at, AdviserAbsenceRow.ends_at).where(
                AdviserAbsenceRow.adviser_id == row.id
            )
        )
        known = {(s, e) for s, e in stored}
        self._s.add_all(
            AdviserHoursRow(adviser_id=row.id, centre_id=centre_id, weekday=weekday,
                            starts=starts, ends=ends)
            for centre_id, weekday, starts, ends in hours
        )  # fmt: skip
        self._s.add_all(
            AdviserAbsenceRow(adviser_id=row.id, starts_at=start, ends_at=end)
            for start, end in dict.fromkeys(days_off)
            if (start, end) not in known
        )
        await self._s.flush()
        return row.id

    async def advisers(self, centres: Collection[int] | None = None) -> list[Adviser]:
        """Every adviser with all their weekly hours, by name.

        With `centres`, only the advisers of these centres: with hours at one of them, or whose
        chat account is bound to one as an adviser (or programme-wide), hours not set yet.
        """
        stmt = select(AdviserRow).order_by(AdviserRow.name)
        if centres is not None:
            ids = list(centres)
            works = exists().where(
                AdviserHoursRow.adviser_id == AdviserRow.id, AdviserHoursRow.centre_id.in_(ids)
            )
            bound = exists().where(
                StaffCentreRow.user_id == AdviserRow.user_id,
                StaffCentreRow.role == Role.ADVISER.value,
                StaffCentreRow.centre_id.in_(ids),
            )
            everywhere = exists().where(
                RoleRow.user_id == AdviserRow.user_id,
                RoleRow.role == Role.ADVISER.value,
                RoleRow.all_centres,
            )
            stmt = stmt.where(or_(works, bound, everywhere))
        rows = (await self._s.execute(stmt)).scalars()
        found = []
        for row in rows.all():
            hours = await self._s.execute(
                select(AdviserHoursRow)
                .where(AdviserHoursRow.adviser_id == row.id)
                .order_by(AdviserHoursRow.weekday, AdviserHoursRow.starts)
            )
            found.append(
                Adviser(
                    id=row.id, name=row.name, slot_minutes=row.slot_minutes, user_id=row.user_id,
                    hours=tuple(
                        AdviserHours(h.id, h.centre_id, h.weekday, h.starts, h.ends)
                        for h in hours.scalars()
                    ),
                )
            )  # fmt: skip
        return found

    async def add_hours(
        self, adviser_id: int, centre_id: int, weekday: int, starts: str, ends: str
    ) -> None:
        """Add weekly hours (the caller checks they do not overlap)."""
        self._s.add(
            AdviserHoursRow(adviser_id=adviser_id, centre_id=centre_id, weekday=weekday,
                            starts=starts, ends=ends)
        )  # fmt: skip
        await self._s.flush()

    async def remove_hours(self, hours_id: int) -> None:
        """Remove one line of weekly hours."""
        row = await self._s.get(AdviserHoursRow, hours_id)
        if row is not None:
            await self._s.delete(row)
            await self._s.flush()

    async def set_slot(self, adviser_id: int, minutes: int) -> None:
        """Change the length of an appointment with this adviser."""
        await self._s.execute(
            update(AdviserRow).where(AdviserRow.id == adviser_id).values(slot_minutes=minutes)
        )
