"""Volunteer requests, shifts, sign-ups, check-ins and the centres' daily check-in codes.

A shift never gets more volunteers than places and a volunteer never holds two overlapping
shifts: both are decided by the one statement that inserts the sign-up, under a row lock on
the shift and on the person (PostgreSQL; SQLite has a single writer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.model import Role, Shift, ShiftSignup, Task, Volunteer, VolunteerStatus
from handlers.ports import Conflict
from storage.db import lock_row
from storage.models import (
    CheckinCodeRow,
    RoleRow,
    ShiftRow,
    ShiftSignupRow,
    StaffCentreRow,
    UserRow,
    VolunteerRow,
)
from storage.repositories import _insert_for

SIGNED, CANCELLED = "signed", "cancelled"
_signups = cast(Table, ShiftSignupRow.__table__)
_shifts = cast(Table, ShiftRow.__table__)

# Volunteers signed up per shift, joined into listings.
_TAKEN = (
    select(_signups.c.shift_id, func.count().label("taken"))
    .where(_signups.c.status == SIGNED)
    .group_by(_signups.c.shift_id)
    .subquery()
)


class SqlVolunteers:
    """Implements handlers.ports.VolunteerRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def apply(
        self,
        *,
        user_id: int,
        centre_id: int,
        first_name: str,
        tasks: Sequence[Task],
        phone: str | None,
        now: datetime,
    ) -> Volunteer:
        """Store (or renew) a person's request; it waits for a coordinator's decision."""
        row = (
            await self._s.execute(select(VolunteerRow).where(VolunteerRow.user_id == user_id))
        ).scalar_one_or_none()
        if row is None:
            row = VolunteerRow(user_id=user_id, created_at=now)
            self._s.add(row)
        row.centre_id, row.first_name, row.phone = centre_id, first_name, phone
        row.tasks = [t.value for t in tasks]
        row.status, row.decided_by, row.decided_at = VolunteerStatus.PENDING.value, None, None
        row.created_at = now
        try:
            await self._s.flush()
        except IntegrityError as exc:
            raise Conflict("request sent twice at once") from exc
        return _volunteer(row)

    async def of_user(self, user_id: int) -> Volunteer | None:
        """The person's request, whatever its status."""
        row = (
            await self._s.execute(select(VolunteerRow).where(VolunteerRow.user_id == user_id))
        ).scalar_one_or_none()
        return _volunteer(row) if row else None

    async def get(self, volunteer_id: int) -> Volunteer | None:
        """A request by id."""
        row = await self._s.get(VolunteerRow, volunteer_id, populate_existing=True)
        return _volunteer(row) if row else None

    async def pending(self, centre_id: int) -> list[Volunteer]:
        """Requests at a centre waiting for a decision, oldest first."""
        rows = await self._s.execute(
            select(VolunteerRow)
            .where(
                VolunteerRow.centre_id == centre_id,
                VolunteerRow.status == VolunteerStatus.PENDING.value,
            )
            .order_by(VolunteerRow.created_at, VolunteerRow.id)
        )
        return [_volunteer(r) for r in rows.scalars()]

    async def decide(
        self, volunteer_id: int, *, approved: bool, by: int, now: datetime
    ) -> Volunteer | None:
        """Approve or refuse a pending request; None if it was not pending (already decided).

        A refusal erases the phone number: there is no reason left to keep it.
        """
        status = VolunteerStatus.APPROVED if approved else VolunteerStatus.REFUSED
        values: dict[str, Any] = {"status": status.value, "decided_by": by, "decided_at": now}
        if not approved:
            values["phone"] = None
        result = await self._s.execute(
            update(VolunteerRow)
            .where(
                VolunteerRow.id == volunteer_id,
                VolunteerRow.status == VolunteerStatus.PENDING.value,
            )
            .values(**values)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.get(volunteer_id)

    async def coordinators_at(self, centre_id: int) -> list[int]:
        """Who hears about a centre's volunteers: its coordinators, else every admin."""
        for role, same_centre in ((Role.COORDINATOR, True), (Role.ADMIN, False)):
            stmt = select(RoleRow.user_id).where(RoleRow.role == role.value)
            if same_centre:
                # Bound to the centre (or programme-wide), never by their own Settings centre.
                bound = exists().where(
                    StaffCentreRow.user_id == RoleRow.user_id,
                    StaffCentreRow.role == RoleRow.role,
                    StaffCentreRow.centre_id == centre_id,
                )
                stmt = stmt.where(or_(RoleRow.all_centres, bound))
            found = list((await self._s.execute(stmt.order_by(RoleRow.user_id))).scalars())
            if found:
                return found
        return []


class SqlShifts:
    """Implements handlers.ports.ShiftRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- shifts -------------------------------------------------------------------------------
    async def create(
        self,
        *,
        centre_id: int,
        task: Task,
        starts_at: datetime,
        ends_at: datetime,
        places: int,
        note: str,
        now: datetime,
    ) -> int:
        """A new shift; its id."""
        row = ShiftRow(
            centre_id=centre_id, task=task.value, note=note, starts_at=starts_at,
            ends_at=ends_at, places=places, status="scheduled", created_at=now,
        )  # fmt: skip
        self._s.add(row)
        await self._s.flush()
        return row.id

    def _with_taken(self) -> Any:
        return select(ShiftRow, func.coalesce(_TAKEN.c.taken, 0)).outerjoin(
            _TAKEN, _TAKEN.c.shift_id == ShiftRow.id
        )

    async def get(self, shift_id: int) -> Shift | None:
        """A shift with its places taken."""
        row = (await self._s.execute(self._with_taken().where(ShiftRow.id == shift_id))).first()
        return _shift(row[0], row[1]) if row else None

    async def listing(
        self, centre_id: int, start: datetime, end: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Shift], int]:
        """Scheduled shifts at a centre starting in [start, end), by time; and how many."""
        where = (
            ShiftRow.centre_id == centre_id,
            ShiftRow.status == "scheduled",
            ShiftRow.starts_at >= start,
            ShiftRow.starts_at < end,
        )
        rows = await self._s.execute(
            self._with_taken()
            .where(*where)
            .order_by(ShiftRow.starts_at, ShiftRow.id)
            .limit(limit)
            .offset(offset)
        )
        total = await self._s.scalar(select(func.count()).select_from(ShiftRow).where(*where))
        return [_shift(r[0], r[1]) for r in rows], int(total or 0)

    async def cancel_shift(self, shift_id: int, now: datetime) -> list[ShiftSignup]:
        """Call a shift off; the volunteers who were signed up (to be told)."""
        await self._lock(ShiftRow, shift_id)
        people = await self.people(shift_id)
        await self._s.execute(
            update(ShiftRow).where(ShiftRow.id == shift_id).values(status="cancelled")
        )
        await self._s.execute(
            update(ShiftSignupRow)
            .where(ShiftSignupRow.shift_id == shift_id, ShiftSignupRow.status == SIGNED)
            .values(status=CANCELLED, updated_at=now)
        )
        return people

    # -- signing up ---------------------------------------------------------------------------
    async def sign_up(self, shift_id: int, user_id: int, now: datetime) -> ShiftSignup | None:
        """A place if the shift is open, has one free and the person is free then; else None.

        Raises Conflict if the person already holds a place in this shift.
        """
        await self._lock(ShiftRow, shift_id)
        await self._lock(UserRow, user_id)
        shift = await self._s.get(ShiftRow, shift_id, populate_existing=True)
        if shift is None:
            return None
        taken = (
            select(func.count())
            .select_from(_signups)
            .where(_signups.c.shift_id == shift_id, _signups.c.status == SIGNED)
            .scalar_subquery()
        )
        busy = (
            select(_signups.c.id)
            .join(_shifts, _shifts.c.id == _signups.c.shift_id)
            .where(
                _signups.c.user_id == user_id,
                _signups.c.status == SIGNED,
                _shifts.c.status == "scheduled",
                _shifts.c.starts_at < literal(shift.ends_at, _shifts.c.starts_at.type),
                _shifts.c.ends_at > literal(shift.starts_at, _shifts.c.ends_at.type),
            )
            .exists()
        )
        open_shift = (
            select(_shifts.c.id)
            .where(
                _shifts.c.id == shift_id,
                _shifts.c.status == "scheduled",
                _shifts.c.starts_at > literal(now, _shifts.c.starts_at.type),
                _shifts.c.places > taken,
            )
            .exists()
        )
        # One statement checks the places and the person's other shifts and inserts.
        values = select(
            literal(shift_id),
            literal(user_id),
            literal(SIGNED),
            literal(False),
            literal(False),
            literal(now, _signups.c.created_at.type),
            literal(now, _signups.c.updated_at.type),
        ).where(open_shift, ~busy)
        insert = _signups.insert().from_select(
            ["shift_id", "user_id", "status", "auto_checkout", "no_show", "created_at",
             "updated_at"],
            values,
        )  # fmt: skip
        try:
            result = await self._s.execute(insert)
        except IntegrityError as exc:
            raise Conflict("already signed up") from exc
        if not getattr(result, "rowcount", 1):
            return None
        row = (
            await self._s.execute(
                select(ShiftSignupRow).where(
                    ShiftSignupRow.shift_id == shift_id,
                    ShiftSignupRow.user_id == user_id,
                    ShiftSignupRow.status == SIGNED,
                )
            )
        ).scalar_one()
        return _signup(row)

    async def overlapping(self, user_id: int, start: datetime, end: datetime) -> Shift | None:
        """A shift the person holds that overlaps [start, end), if any."""
        row = (
            await self._s.execute(
                self._with_taken()
                .join(ShiftSignupRow, ShiftSignupRow.shift_id == ShiftRow.id)
                .where(
                    ShiftSignupRow.user_id == user_id,
                    ShiftSignupRow.status == SIGNED,
                    ShiftRow.status == "scheduled",
                    ShiftRow.starts_at < end,
                    ShiftRow.ends_at > start,
                )
                .limit(1)
            )
        ).first()
        return _shift(row[0], row[1]) if row else None

    async def signup(self, signup_id: int) -> ShiftSignup | None:
        """A sign-up by id, as stored now."""
        row = await self._s.get(ShiftSignupRow, signup_id, populate_existing=True)
        return _signup(row) if row else None

    async def mine(self, user_id: int, after: datetime) -> list[tuple[ShiftSignup, Shift]]:
        """The person's live sign-ups to scheduled shifts ending after `after`, by time."""
        rows = await self._s.execute(
            select(ShiftSignupRow, ShiftRow)
            .join(ShiftRow, ShiftRow.id == ShiftSignupRow.shift_id)
            .where(
                ShiftSignupRow.user_id == user_id,
                ShiftSignupRow.status == SIGNED,
                ShiftRow.status == "scheduled",
                ShiftRow.ends_at > after,
            )
            .order_by(ShiftRow.starts_at)
        )
        return [(_signup(s), _shift(sh, 0)) for s, sh in rows]

    async def cancel(
        self, signup_id: int, now: datetime, reason: str | None = None
    ) -> ShiftSignup | None:
        """Give the place back; the sign-up as it was, or None if it was not live."""
        before = await self.signup(signup_id)
        if before is None or before.status != SIGNED:
            return None
        result = await self._s.execute(
            update(ShiftSignupRow)
            .where(ShiftSignupRow.id == signup_id, ShiftSignupRow.status == SIGNED)
            .values(status=CANCELLED, cancel_reason=reason, updated_at=now)
        )
        return before if getattr(result, "rowcount", 0) else None

    async def answer(self, signup_id: int, answer: str, now: datetime) -> None:
        """Store the answer to "Are you still coming?"."""
        await self._set(signup_id, answer=answer, updated_at=now)

    async def check_in(self, signup_id: int, at: datetime, method: str) -> bool:
        """Record arrival once; False if already checked in."""
        return await self._set(
            signup_id,
            ShiftSignupRow.checked_in_at.is_(None),
            checked_in_at=at, check_in_method=method, no_show=False, updated_at=at,
        )  # fmt: skip

    async def check_out(self, signup_id: int, at: datetime, *, auto: bool = False) -> bool:
        """Record leaving once, after a check-in; False otherwise."""
        return await self._set(
            signup_id,
            ShiftSignupRow.checked_in_at.is_not(None),
            ShiftSignupRow.checked_out_at.is_(None),
            checked_out_at=at, auto_checkout=auto, updated_at=at,
        )  # fmt: skip

    async def mark_no_show(self, signup_id: int, no_show: bool) -> None:
        """A coordinator marks (or unmarks) a volunteer who did not come."""
        await self._set(signup_id, ShiftSignupRow.checked_in_at.is_(None), no_show=no_show)

    async def people(self, shift_id: int) -> list[ShiftSignup]:
        """The volunteers signed up for a shift, with their first names, in sign-up order."""
        rows = await self._s.execute(
            select(ShiftSignupRow, VolunteerRow.first_name)
            .outerjoin(VolunteerRow, VolunteerRow.user_id == ShiftSignupRow.user_id)
            .where(ShiftSignupRow.shift_id == shift_id, ShiftSignupRow.status == SIGNED)
            .order_by(ShiftSignupRow.id)
        )
        return [_signup(s, name or "") for s, name in rows]

    async def worked(self, user_id: int) -> list[tuple[datetime, datetime, datetime, datetime]]:
        """Check-in, check-out, shift start and end of every shift the person worked."""
        rows = await self._s.execute(
            select(
                ShiftSignupRow.checked_in_at,
                ShiftSignupRow.checked_out_at,
                ShiftRow.starts_at,
                ShiftRow.ends_at,
            )
            .join(ShiftRow, ShiftRow.id == ShiftSignupRow.shift_id)
            .where(
                ShiftSignupRow.user_id == user_id,
                ShiftSignupRow.checked_in_at.is_not(None),
                ShiftSignupRow.checked_out_at.is_not(None),
            )
        )
        return [(a, b, c, d) for a, b, c, d in rows if a is not None and b is not None]

    # -- the scheduler's work -----------------------------------------------------------------
    async def to_ask(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]:
        """Sign-ups not yet asked "Are you still coming?" whose shift starts by `until`."""
        return await self._due(
            ShiftSignupRow.asked_at.is_(None),
            ShiftSignupRow.answer.is_(None),
            ShiftRow.starts_at <= until,
            limit=limit,
        )

    async def unanswered(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]:
        """Sign-ups asked but silent, coordinators not yet told, shift starting by `until`."""
        return await self._due(
            ShiftSignupRow.asked_at.is_not(None),
            ShiftSignupRow.answer.is_(None),
            ShiftSignupRow.alerted_at.is_(None),
            ShiftRow.starts_at <= until,
            limit=limit,
        )

    async def open_check_ins(
        self, ended_before: datetime, limit: int
    ) -> list[tuple[ShiftSignup, Shift]]:
        """Checked in, never checked out, shift over before `ended_before`."""
        return await self._due(
            ShiftSignupRow.checked_in_at.is_not(None),
            ShiftSignupRow.checked_out_at.is_(None),
            ShiftRow.ends_at <= ended_before,
            limit=limit,
        )

    async def _due(self, *where: Any, limit: int) -> list[tuple[ShiftSignup, Shift]]:
        rows = await self._s.execute(
            select(ShiftSignupRow, ShiftRow)
            .join(ShiftRow, ShiftRow.id == ShiftSignupRow.shift_id)
            .where(ShiftSignupRow.status == SIGNED, ShiftRow.status == "scheduled", *where)
            .order_by(ShiftRow.starts_at, ShiftSignupRow.id)
            .limit(limit)
        )
        return [(_signup(s), _shift(sh, 0)) for s, sh in rows]

    async def flag(self, signup_id: int, what: str, now: datetime) -> bool:
        """Mark a sign-up `asked` or `alerted` once; False if another process already did."""
        column = {"asked": ShiftSignupRow.asked_at, "alerted": ShiftSignupRow.alerted_at}[what]
        return await self._set(signup_id, column.is_(None), **{column.key: now})

    # -- check-in codes -----------------------------------------------------------------------
    async def code(self, centre_id: int, day: date) -> str | None:
        """A centre's check-in code of a day, if one was made."""
        row = await self._s.get(CheckinCodeRow, (centre_id, day), populate_existing=True)
        return row.code if row else None

    async def set_code(self, centre_id: int, day: date, code: str, now: datetime) -> None:
        """Set (or replace) a centre's code of a day."""
        await self._s.merge(CheckinCodeRow(centre_id=centre_id, day=day, code=code, created_at=now))
        await self._s.flush()

    async def keep_code(self, centre_id: int, day: date, code: str, now: datetime) -> str:
        """The centre's code of the day: `code`, unless one was stored first (then that one).

        Two coordinators opening the code page at once both get the code stored first.
        """
        await self._s.execute(
            _insert_for(self._s)(CheckinCodeRow)
            .values(centre_id=centre_id, day=day, code=code, created_at=now)
            .on_conflict_do_nothing()
        )
        return await self.code(centre_id, day) or code

    async def code_days(self, centre_id: int, code: str) -> list[date]:
        """The days on which this was the centre's code, newest first."""
        rows = await self._s.execute(
            select(CheckinCodeRow.day)
            .where(
                CheckinCodeRow.centre_id == centre_id,
                func.upper(CheckinCodeRow.code) == code.upper(),
            )
            .order_by(CheckinCodeRow.day.desc())
        )
        return list(rows.scalars())

    async def take_turn(self, user_id: int) -> None:
        """Hold the person until the transaction ends, so their check-in tries take turns.

        Two codes typed at once in two processes are then counted one after the other: the
        try limit cannot be overrun and the coordinators are told once.
        """
        await self._lock(UserRow, user_id)

    # -- helpers ------------------------------------------------------------------------------
    async def _set(self, signup_id: int, *where: Any, **values: Any) -> bool:
        result = await self._s.execute(
            update(ShiftSignupRow)
            .where(ShiftSignupRow.id == signup_id, ShiftSignupRow.status == SIGNED, *where)
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def _lock(self, table: type[ShiftRow] | type[UserRow], row_id: int) -> None:
        """Serialise sign-ups per shift and per person."""
        await lock_row(self._s, table, row_id)


def _volunteer(row: VolunteerRow) -> Volunteer:
    return Volunteer(
        id=row.id, user_id=row.user_id, centre_id=row.centre_id, first_name=row.first_name,
        tasks=tuple(Task(t) for t in row.tasks), phone=row.phone,
        status=VolunteerStatus(row.status), created_at=row.created_at,
    )  # fmt: skip


def _shift(row: ShiftRow, taken: int) -> Shift:
    return Shift(
        id=row.id, centre_id=row.centre_id, task=Task(row.task), starts_at=row.starts_at,
        ends_at=row.ends_at, places=row.places, taken=int(taken), note=row.note,
        status=row.status,
    )  # fmt: skip


def _signup(row: ShiftSignupRow, first_name: str = "") -> ShiftSignup:
    return ShiftSignup(
        id=row.id, shift_id=row.shift_id, user_id=row.user_id, status=row.status,
        answer=row.answer, checked_in_at=row.checked_in_at, checked_out_at=row.checked_out_at,
        auto_checkout=row.auto_checkout, no_show=row.no_show, cancel_reason=row.cancel_reason,
        first_name=first_name,
    )  # fmt: skip
