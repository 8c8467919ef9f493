"""Volunteering: requests to volunteer, shifts and sign-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from handlers.model import Shift, ShiftSignup, Task, Volunteer


class VolunteerRepository(Protocol):
    """Requests to volunteer, and who decides them (a centre's coordinators)."""

    async def apply(
        self,
        *,
        user_id: int,
        centre_id: int,
        first_name: str,
        tasks: Sequence[Task],
        phone: str | None,
        now: datetime,
    ) -> Volunteer: ...

    async def of_user(self, user_id: int) -> Volunteer | None: ...

    async def get(self, volunteer_id: int) -> Volunteer | None: ...

    async def pending(self, centre_id: int) -> list[Volunteer]: ...

    async def decide(
        self, volunteer_id: int, *, approved: bool, by: int, now: datetime
    ) -> Volunteer | None: ...

    async def coordinators_at(self, centre_id: int) -> list[int]: ...


class ShiftRepository(Protocol):
    """Volunteer shifts and sign-ups (never more than the places, never two at once)."""

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
    ) -> int: ...

    async def get(self, shift_id: int) -> Shift | None: ...

    async def listing(
        self, centre_id: int, start: datetime, end: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Shift], int]: ...

    async def sign_up(self, shift_id: int, user_id: int, now: datetime) -> ShiftSignup | None: ...

    async def overlapping(self, user_id: int, start: datetime, end: datetime) -> Shift | None: ...

    async def signup(self, signup_id: int) -> ShiftSignup | None: ...

    async def mine(self, user_id: int, after: datetime) -> list[tuple[ShiftSignup, Shift]]: ...

    async def cancel(
        self, signup_id: int, now: datetime, reason: str | None = None
    ) -> ShiftSignup | None: ...

    async def answer(self, signup_id: int, answer: str, now: datetime) -> None: ...

    async def check_in(self, signup_id: int, at: datetime, method: str) -> bool: ...

    async def check_out(self, signup_id: int, at: datetime, *, auto: bool = False) -> bool: ...

    async def mark_no_show(self, signup_id: int, no_show: bool) -> None: ...

    async def people(self, shift_id: int) -> list[ShiftSignup]: ...

    async def worked(self, user_id: int) -> list[tuple[datetime, datetime, datetime, datetime]]: ...

    async def to_ask(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]: ...

    async def unanswered(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]: ...

    async def open_check_ins(
        self, ended_before: datetime, limit: int
    ) -> list[tuple[ShiftSignup, Shift]]: ...

    async def flag(self, signup_id: int, what: str, now: datetime) -> bool: ...

    async def cancel_shift(self, shift_id: int, now: datetime) -> list[ShiftSignup]: ...

    async def code(self, centre_id: int, day: date) -> str | None: ...

    async def set_code(self, centre_id: int, day: date, code: str, now: datetime) -> None: ...

    async def keep_code(self, centre_id: int, day: date, code: str, now: datetime) -> str: ...

    async def code_days(self, centre_id: int, code: str) -> list[date]: ...

    async def take_turn(self, user_id: int) -> None: ...
