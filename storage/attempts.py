"""Wrong guesses at codes, counted per scope and subject in a time window (try limits)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FailedAttemptRow


def digest(scope: str, subject: str) -> str:
    """The stored form of a subject: a digest, so the table names no account or person."""
    return hashlib.sha256(f"{scope}\0{subject}".encode()).hexdigest()


class SqlAttempts:
    """Implements handlers.ports.AttemptRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def failed(self, scope: str, subject: str, now: datetime) -> None:
        """Record one wrong guess by `subject` (an account or a person) in `scope`."""
        self._s.add(FailedAttemptRow(scope=scope, subject=digest(scope, subject), at=now))
        await self._s.flush()

    async def count(self, scope: str, subject: str, since: datetime) -> int:
        """Wrong guesses by `subject` in `scope` at or after `since`."""
        stmt = select(func.count()).where(
            FailedAttemptRow.scope == scope,
            FailedAttemptRow.subject == digest(scope, subject),
            FailedAttemptRow.at >= since,
        )
        return int(await self._s.scalar(stmt) or 0)

    async def oldest(self, scope: str, subject: str, since: datetime) -> datetime | None:
        """The first wrong guess at or after `since` (when the window frees a try again)."""
        stmt = select(func.min(FailedAttemptRow.at)).where(
            FailedAttemptRow.scope == scope,
            FailedAttemptRow.subject == digest(scope, subject),
            FailedAttemptRow.at >= since,
        )
        return await self._s.scalar(stmt)

    async def forget(self, scope: str, subject: str, *, before: datetime | None = None) -> None:
        """Drop a subject's wrong guesses in a scope (deleting one's data).

        With `before`, only those older than it: guesses still counting towards a try limit
        stay, or deleting one's data and starting again would reset the limit.
        """
        stmt = delete(FailedAttemptRow).where(
            FailedAttemptRow.scope == scope,
            FailedAttemptRow.subject == digest(scope, subject),
        )
        if before is not None:
            stmt = stmt.where(FailedAttemptRow.at < before)
        await self._s.execute(stmt)

    async def prune(self, before: datetime) -> int:
        """Drop guesses older than any window still counts."""
        result = await self._s.execute(delete(FailedAttemptRow).where(FailedAttemptRow.at < before))
        return int(getattr(result, "rowcount", 0) or 0)
