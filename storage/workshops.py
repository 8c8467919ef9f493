"""Workshops, their sessions and bookings; places are never given beyond capacity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.model import Audience, Booking, Session, WorkshopKind
from handlers.ports import Conflict
from storage.db import lock_row
from storage.models import BookingRow, SessionRow, WorkshopRow

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
_bookings = cast(Table, BookingRow.__table__)
_sessions = cast(Table, SessionRow.__table__)

# Confirmed places per session, joined into every session listing.
_TAKEN = (
    select(_bookings.c.session_id, func.count().label("taken"))
    .where(_bookings.c.status == CONFIRMED)
    .group_by(_bookings.c.session_id)
    .subquery()
)


def child_key(name: str | None) -> str:
    """The same child however their name is typed ('ana', ' Ana ')."""
    return (name or "").strip().casefold()


class SqlWorkshops:
    """Implements handlers.ports.WorkshopRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # -- programme ----------------------------------------------------------------------------
    async def create(
        self,
        *,
        centre_id: int,
        titles: dict[str, str],
        kind: WorkshopKind,
        audience: Audience,
        language: str,
        starts: Sequence[datetime],
        minutes: int,
        capacity: int,
        now: datetime,
    ) -> list[int]:
        """A workshop with one session per start time; the sessions' ids."""
        workshop = WorkshopRow(
            centre_id=centre_id, titles=dict(titles), kind=kind.value,
            audience=audience.value, language=language, created_at=now,
        )  # fmt: skip
        self._s.add(workshop)
        await self._s.flush()
        rows = [
            SessionRow(
                workshop_id=workshop.id,
                centre_id=centre_id,
                starts_at=at,
                minutes=minutes,
                capacity=capacity,
                status="scheduled",
            )
            for at in sorted(starts)
        ]
        self._s.add_all(rows)
        await self._s.flush()
        return [r.id for r in rows]

    def _listing(self) -> Any:
        later = aliased(SessionRow)
        # How many sessions of the series there are from this one on ("sign up for all").
        series = (
            select(func.count())
            .where(
                later.workshop_id == SessionRow.workshop_id,
                later.status == "scheduled",
                later.starts_at >= SessionRow.starts_at,
            )
            .correlate(SessionRow)
            .scalar_subquery()
        )
        return (
            select(SessionRow, WorkshopRow, func.coalesce(_TAKEN.c.taken, 0), series)
            .join(WorkshopRow, WorkshopRow.id == SessionRow.workshop_id)
            .outerjoin(_TAKEN, _TAKEN.c.session_id == SessionRow.id)
        )

    async def find(
        self,
        *,
        centre_id: int,
        kind: WorkshopKind | None,
        start: datetime,
        end: datetime,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[Session], int]:
        """Scheduled sessions at a centre in [start, end), by time; a page and the total."""
        where = [
            SessionRow.centre_id == centre_id,
            SessionRow.status == "scheduled",
            SessionRow.starts_at >= start,
            SessionRow.starts_at < end,
        ]
        if kind is not None:
            where.append(WorkshopRow.kind == kind.value)
        total = (
            await self._s.execute(
                select(func.count())
                .select_from(SessionRow)
                .join(WorkshopRow, WorkshopRow.id == SessionRow.workshop_id)
                .where(*where)
            )
        ).scalar_one()
        rows = await self._s.execute(
            self._listing()
            .where(*where)
            .order_by(SessionRow.starts_at, SessionRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_session(*r) for r in rows.all()], int(total)

    async def session(self, session_id: int) -> Session | None:
        """One session with its workshop and places taken."""
        row = (
            await self._s.execute(self._listing().where(SessionRow.id == session_id))
        ).one_or_none()
        return _session(*row) if row else None

    async def series(self, session_id: int, after: datetime) -> list[Session]:
        """The scheduled sessions of the same workshop from `after` on, by time."""
        workshop = select(SessionRow.workshop_id).where(SessionRow.id == session_id)
        rows = await self._s.execute(
            self._listing()
            .where(
                SessionRow.workshop_id == workshop.scalar_subquery(),
                SessionRow.status == "scheduled",
                SessionRow.starts_at >= after,
            )
            .order_by(SessionRow.starts_at)
        )
        return [_session(*r) for r in rows.all()]

    # -- places -------------------------------------------------------------------------------
    async def _lock(self, session_id: int) -> None:
        """Serialise changes to one session's places."""
        await lock_row(self._s, SessionRow, session_id)

    async def book(
        self,
        session_id: int,
        user_id: int,
        now: datetime,
        *,
        child_name: str | None = None,
        child_age: int | None = None,
    ) -> Booking:
        """A confirmed place if one is free, else a waiting-list entry.

        Raises Conflict if this person (or this child) already holds one in the session.
        """
        await self._lock(session_id)
        taken = (
            select(func.count())
            .select_from(_bookings)
            .where(_bookings.c.session_id == session_id, _bookings.c.status == CONFIRMED)
            .scalar_subquery()
        )
        capacity = select(_sessions.c.capacity).where(_sessions.c.id == session_id)
        # One statement decides and inserts, so no other writer can slip in between.
        status = select(
            literal(session_id),
            literal(user_id),
            literal(child_key(child_name)),
            literal(child_name, _bookings.c.child_name.type),
            literal(child_age, _bookings.c.child_age.type),
            case((taken < capacity.scalar_subquery(), CONFIRMED), else_=WAITING),
            literal(now, _bookings.c.created_at.type),
            literal(now, _bookings.c.updated_at.type),
        )
        # Only into a session still scheduled and not yet begun (checked under the lock).
        status = status.where(
            select(_sessions.c.id)
            .where(
                _sessions.c.id == session_id,
                _sessions.c.status == "scheduled",
                _sessions.c.starts_at > literal(now, _sessions.c.starts_at.type),
            )
            .exists()
        )
        insert = _bookings.insert().from_select(
            ["session_id", "user_id", "child_key", "child_name", "child_age", "status",
             "created_at", "updated_at"],
            status,
        )  # fmt: skip
        try:
            result = await self._s.execute(insert)
        except IntegrityError as exc:
            # Two taps at once: the unit of work is retried and then finds the first one.
            raise Conflict("already booked") from exc
        if not getattr(result, "rowcount", 1):
            # Cancelled or begun meanwhile: the retry finds out which.
            raise Conflict("session no longer open")
        booked = await self.live_booking(session_id, user_id, child_name)
        assert booked is not None  # inserted just above, in this transaction
        return booked

    async def live_booking(
        self, session_id: int, user_id: int, child_name: str | None = None
    ) -> Booking | None:
        """This person's (or child's) place or waiting entry in a session, if any."""
        row = (
            await self._s.execute(
                select(BookingRow).where(
                    BookingRow.session_id == session_id,
                    BookingRow.user_id == user_id,
                    BookingRow.child_key == child_key(child_name),
                    BookingRow.status != CANCELLED,
                )
            )
        ).scalar_one_or_none()
        return _booking(row) if row else None

    async def booking(self, booking_id: int) -> Booking | None:
        """A booking by id."""
        row = await self._s.get(BookingRow, booking_id)
        return _booking(row) if row else None

    async def cancel(self, booking_id: int, now: datetime) -> Booking | None:
        """Give a place (or a waiting entry) back; the first waiting person, if any, gets it.

        Returns the promoted booking.
        """
        row = await self._s.get(BookingRow, booking_id)
        if row is None or row.status == CANCELLED:
            return None
        await self._lock(row.session_id)
        await self._s.refresh(row)
        was = row.status
        row.status, row.updated_at = CANCELLED, now
        await self._s.flush()
        if was != CONFIRMED:
            return None
        return await self._promote(row.session_id, now)

    async def _promote(self, session_id: int, now: datetime) -> Booking | None:
        """Confirm the longest-waiting entry if a place is free."""
        session = await self._s.get(SessionRow, session_id)
        taken = (
            await self._s.execute(
                select(func.count()).where(
                    BookingRow.session_id == session_id, BookingRow.status == CONFIRMED
                )
            )
        ).scalar_one()
        if session is None or session.status != "scheduled" or taken >= session.capacity:
            return None
        first = (
            await self._s.execute(
                select(BookingRow)
                .where(BookingRow.session_id == session_id, BookingRow.status == WAITING)
                .order_by(BookingRow.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        if first is None:
            return None
        first.status, first.updated_at = CONFIRMED, now
        await self._s.flush()
        return _booking(first)

    async def mine(self, user_id: int, after: datetime) -> list[tuple[Booking, Session]]:
        """A person's live bookings in sessions from `after` on, by time."""
        rows = await self._s.execute(
            select(BookingRow)
            .join(SessionRow, SessionRow.id == BookingRow.session_id)
            .where(
                BookingRow.user_id == user_id,
                BookingRow.status != CANCELLED,
                SessionRow.status == "scheduled",
                SessionRow.starts_at >= after,
            )
            .order_by(SessionRow.starts_at, BookingRow.id)
        )
        bookings = [_booking(r) for r in rows.scalars()]
        ids = {b.session_id for b in bookings}
        sessions = {
            s.id: s
            for s in (
                _session(*r)
                for r in (
                    await self._s.execute(self._listing().where(SessionRow.id.in_(ids)))
                ).all()
            )
        }
        return [(b, sessions[b.session_id]) for b in bookings]

    async def people(self, session_id: int, status: str = CONFIRMED) -> list[Booking]:
        """The session's bookings in one status, in the order they were made."""
        rows = await self._s.execute(
            select(BookingRow)
            .where(BookingRow.session_id == session_id, BookingRow.status == status)
            .order_by(BookingRow.id)
        )
        return [_booking(r) for r in rows.scalars()]

    async def set_capacity(self, session_id: int, capacity: int, now: datetime) -> list[Booking]:
        """Change the places; refused (Conflict) below those taken. Returns people promoted."""
        await self._lock(session_id)
        taken = len(await self.people(session_id))
        if capacity < taken:
            raise Conflict(f"{taken} places are taken")
        await self._s.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(capacity=capacity)
        )
        self._s.expire_all()
        promoted = []
        while (booking := await self._promote(session_id, now)) is not None:
            promoted.append(booking)
        return promoted

    async def move(self, session_id: int, starts_at: datetime) -> Session:
        """Give a session a new start time; places are kept."""
        await self._lock(session_id)
        await self._s.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(starts_at=starts_at)
        )
        self._s.expire_all()
        moved = await self.session(session_id)
        assert moved is not None
        return moved

    async def cancel_session(self, session_id: int, now: datetime) -> list[Booking]:
        """Call a session off; the live bookings it had (to tell those people)."""
        await self._lock(session_id)
        live = await self.people(session_id) + await self.people(session_id, WAITING)
        await self._s.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(status=CANCELLED)
        )
        await self._s.execute(
            update(BookingRow)
            .where(BookingRow.session_id == session_id, BookingRow.status != CANCELLED)
            .values(status=CANCELLED, updated_at=now)
        )
        return live

    async def mark(self, booking_id: int, attended: bool) -> None:
        """Record attendance."""
        await self._s.execute(
            update(BookingRow).where(BookingRow.id == booking_id).values(attended=attended)
        )


def _session(row: SessionRow, workshop: WorkshopRow, taken: int, series: int) -> Session:
    return Session(
        id=row.id,
        workshop_id=row.workshop_id,
        titles=dict(workshop.titles),
        kind=WorkshopKind(workshop.kind),
        audience=Audience(workshop.audience),
        language=workshop.language,
        centre_id=row.centre_id,
        starts_at=row.starts_at,
        minutes=row.minutes,
        capacity=row.capacity,
        taken=int(taken),
        status=row.status,
        series_size=int(series),
    )


def _booking(row: BookingRow) -> Booking:
    return Booking(
        id=row.id,
        session_id=row.session_id,
        user_id=row.user_id,
        status=row.status,
        child_name=row.child_name,
        child_age=row.child_age,
        attended=row.attended,
    )
