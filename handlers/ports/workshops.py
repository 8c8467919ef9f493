"""Workshops, their sessions and bookings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from handlers.model import Audience, Booking, Session, WorkshopKind


class WorkshopRepository(Protocol):
    """Workshops, sessions and places (never more confirmed than capacity)."""

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
    ) -> list[int]: ...

    async def find(
        self,
        *,
        centre_id: int,
        kind: WorkshopKind | None,
        start: datetime,
        end: datetime,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[Session], int]: ...

    async def session(self, session_id: int) -> Session | None: ...

    async def series(self, session_id: int, after: datetime) -> list[Session]: ...

    async def book(
        self,
        session_id: int,
        user_id: int,
        now: datetime,
        *,
        child_name: str | None = None,
        child_age: int | None = None,
    ) -> Booking: ...

    async def live_booking(
        self, session_id: int, user_id: int, child_name: str | None = None
    ) -> Booking | None: ...

    async def booking(self, booking_id: int) -> Booking | None: ...

    async def cancel(self, booking_id: int, now: datetime) -> Booking | None: ...

    async def mine(self, user_id: int, after: datetime) -> list[tuple[Booking, Session]]: ...

    async def people(self, session_id: int, status: str = "confirmed") -> list[Booking]: ...

    async def set_capacity(
        self, session_id: int, capacity: int, now: datetime
    ) -> list[Booking]: ...

    async def move(self, session_id: int, starts_at: datetime) -> Session: ...

    async def cancel_session(self, session_id: int, now: datetime) -> list[Booking]: ...

    async def mark(self, booking_id: int, attended: bool) -> None: ...
