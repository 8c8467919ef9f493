"""Announcements to many people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from handlers.model import Broadcast, Session, Target


class BroadcastRepository(Protocol):
    """Announcements: drafts, their audience (counted and queued in the database), reports."""

    async def create(
        self, *, created_by: int, texts: dict[str, str], default_locale: str, now: datetime
    ) -> Broadcast: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

    async def edit(
        self,
        broadcast_id: int,
        *,
        texts: dict[str, str] | None = None,
        default_locale: str | None = None,
        target: Target | None = None,
        photo: str | None = None,
        pin_centre: int | None = None,
        clear_attachment: bool = False,
    ) -> bool: ...

    async def count(self, target: Target, now: datetime) -> dict[str, int]: ...

    # How many of the audience are on Viber outside its free window (their messages are paid).
    async def paid(self, target: Target, now: datetime) -> int: ...

    async def schedule(self, broadcast_id: int, send_at: datetime | None, by: int) -> bool: ...

    async def start(self, broadcast_id: int, by: int | None, now: datetime) -> int | None: ...

    async def due(self, now: datetime) -> list[int]: ...

    async def stop(self, broadcast_id: int, now: datetime) -> bool: ...

    async def report(self, broadcast_id: int) -> dict[str, int]: ...

    async def finish(self, now: datetime) -> list[Broadcast]: ...

    async def recent(
        self, *, limit: int, offset: int = 0, created_by: int | None = None
    ) -> list[Broadcast]: ...

    async def many(self, ids: Sequence[int]) -> dict[int, Broadcast]: ...

    async def workshops_ahead(self, centre_ids: Sequence[int], now: datetime) -> list[Session]: ...
