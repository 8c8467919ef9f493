"""What the core needs from the outside world, as Protocols: time, storage, translations.

One module per area; every name is re-exported here, so `from handlers.ports import X` is
the way to import a port. No port imports handlers.notices (whose Notice type lives in
handlers.messages), so the two never import each other.
"""

from handlers.ports.broadcasts import BroadcastRepository
from handlers.ports.centres import CentreRepository
from handlers.ports.clock import Clock
from handlers.ports.legal import CallbackRepository, LegalRepository
from handlers.ports.observer import NoObserver, Observer
from handlers.ports.outbox import Outbox, ReminderRepository
from handlers.ports.people import AttemptRepository, StateRepository, UpdateLog, UserRepository
from handlers.ports.translator import Translator
from handlers.ports.unit_of_work import Conflict, UnitOfWork, UnitOfWorkFactory
from handlers.ports.volunteers import ShiftRepository, VolunteerRepository
from handlers.ports.workshops import WorkshopRepository

__all__ = [
    "AttemptRepository",
    "BroadcastRepository",
    "CallbackRepository",
    "CentreRepository",
    "Clock",
    "Conflict",
    "LegalRepository",
    "NoObserver",
    "Observer",
    "Outbox",
    "ReminderRepository",
    "ShiftRepository",
    "StateRepository",
    "Translator",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UpdateLog",
    "UserRepository",
    "VolunteerRepository",
    "WorkshopRepository",
]
