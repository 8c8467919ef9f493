"""Legal advice: advisers' hours, appointments and call-back requests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from handlers.model import Adviser, Appointment, Callback, Topic
from handlers.rules.slots import WeeklyHours


class LegalRepository(Protocol):
    """Advisers' hours and absences, and appointments (one per adviser and slot)."""

    async def hours(self, centre_id: int) -> tuple[list[WeeklyHours], dict[int, int]]: ...

    async def busy(
        self, adviser_ids: Sequence[int], start: datetime, end: datetime
    ) -> tuple[list[tuple[int, datetime, datetime]], list[tuple[int, datetime, datetime]]]: ...

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
    ) -> Appointment | None: ...

    async def upcoming(self, user_id: int, after: datetime) -> Appointment | None: ...

    async def get(self, appointment_id: int) -> Appointment | None: ...

    async def cancel(self, appointment_id: int) -> None: ...

    async def adviser_of(self, user_id: int) -> int | None: ...

    async def agenda(
        self,
        adviser_id: int,
        start: datetime,
        end: datetime,
        *,
        centres: Collection[int] | None = None,
    ) -> list[Appointment]: ...

    async def mark(self, appointment_id: int, status: str) -> None: ...

    async def block(self, adviser_id: int, start: datetime, end: datetime) -> list[Appointment]: ...

    async def advisers(self, centres: Collection[int] | None = None) -> list[Adviser]: ...

    async def add_hours(
        self, adviser_id: int, centre_id: int, weekday: int, starts: str, ends: str
    ) -> None: ...

    async def remove_hours(self, hours_id: int) -> None: ...

    async def set_slot(self, adviser_id: int, minutes: int) -> None: ...


class CallbackRepository(Protocol):
    """ "Call me back" requests for advisers (the phone number is erased once called)."""

    async def request(
        self, *, user_id: int, centre_id: int, topic: Topic, phone: str, now: datetime
    ) -> int: ...

    async def open_for(
        self, adviser_id: int, *, centres: Collection[int] | None = None
    ) -> list[Callback]: ...

    async def done(self, callback_id: int) -> Callback | None: ...

    async def advisers_at(self, centre_id: int) -> list[int]: ...
