"""One transaction over every repository, and the error a colliding change raises."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from handlers.ports.broadcasts import BroadcastRepository
from handlers.ports.centres import CentreRepository
from handlers.ports.legal import CallbackRepository, LegalRepository
from handlers.ports.outbox import Outbox, ReminderRepository
from handlers.ports.people import AttemptRepository, StateRepository, UpdateLog, UserRepository
from handlers.ports.volunteers import ShiftRepository, VolunteerRepository
from handlers.ports.workshops import WorkshopRepository


class Conflict(Exception):
    """Raised by storage when a change collides with a concurrent one (a unique key)."""


class UnitOfWork(Protocol):
    """One transaction over all repositories; nothing is stored until `commit`.

    The repositories are read-only properties, not attributes: a unit of work may hold a more
    specific repository (storage's SqlUsers for UserRepository) and still match this port.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def centres(self) -> CentreRepository: ...

    @property
    def states(self) -> StateRepository: ...

    @property
    def updates(self) -> UpdateLog: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def reminders(self) -> ReminderRepository: ...

    @property
    def workshops(self) -> WorkshopRepository: ...

    @property
    def legal(self) -> LegalRepository: ...

    @property
    def callbacks(self) -> CallbackRepository: ...

    @property
    def volunteers(self) -> VolunteerRepository: ...

    @property
    def shifts(self) -> ShiftRepository: ...

    @property
    def broadcasts(self) -> BroadcastRepository: ...

    @property
    def attempts(self) -> AttemptRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work."""

    def __call__(self) -> UnitOfWork: ...
