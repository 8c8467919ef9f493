"""The unit of work: one session, one transaction, all repositories."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.ports import Conflict, UnitOfWorkFactory
from storage.attempts import SqlAttempts
from storage.broadcasts import SqlBroadcasts
from storage.callbacks import SqlCallbacks
from storage.files import SqlFiles
from storage.keyboards import SqlKeyboards
from storage.legal import SqlLegal
from storage.outbox import SqlOutbox
from storage.reminders import SqlReminders
from storage.repositories import SqlCentres, SqlStates, SqlUpdates, SqlUsers
from storage.volunteers import SqlShifts, SqlVolunteers
from storage.workshops import SqlWorkshops


class SqlUnitOfWork:
    """Implements handlers.ports.UnitOfWork over an SQLAlchemy async session."""

    users: SqlUsers
    centres: SqlCentres
    states: SqlStates
    updates: SqlUpdates
    outbox: SqlOutbox
    reminders: SqlReminders
    workshops: SqlWorkshops
    legal: SqlLegal
    callbacks: SqlCallbacks
    volunteers: SqlVolunteers
    shifts: SqlShifts
    broadcasts: SqlBroadcasts
    files: SqlFiles
    keyboards: SqlKeyboards
    attempts: SqlAttempts

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.users = SqlUsers(self._session)
        self.centres = SqlCentres(self._session)
        self.states = SqlStates(self._session)
        self.updates = SqlUpdates(self._session)
        self.outbox = SqlOutbox(self._session)
        self.reminders = SqlReminders(self._session)
        self.workshops = SqlWorkshops(self._session)
        self.legal = SqlLegal(self._session)
        self.callbacks = SqlCallbacks(self._session)
        self.volunteers = SqlVolunteers(self._session)
        self.shifts = SqlShifts(self._session)
        self.broadcasts = SqlBroadcasts(self._session)
        self.files = SqlFiles(self._session)
        self.keyboards = SqlKeyboards(self._session)
        self.attempts = SqlAttempts(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        """Store everything done in this unit of work."""
        assert self._session is not None
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise Conflict(type(exc.orig).__name__) from exc

    async def rollback(self) -> None:
        """Forget everything done in this unit of work so far."""
        assert self._session is not None
        await self._session.rollback()


class SqlUnitOfWorkFactory:
    """Opens SqlUnitOfWork instances on one session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)


if TYPE_CHECKING:
    # mypy holds storage to the core's port here, not only where a caller happens to pass it.
    def _matches_the_port(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory
