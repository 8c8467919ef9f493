"""Workshop places changing hands: the notices people get, and a booking's event reference.

What follows such a change (reminders, notices through the outbox) is in
`handlers.usecases.workshops`.
"""

from __future__ import annotations

from handlers.model import Booking
from handlers.texts import T

PLACE_FREED = T(
    "ws.place_freed",
    "Good news: a place freed up for you in {what}, {when}. It is yours now. "
    "If you cannot come, please give it back so someone else can.",
)
SESSION_CANCELLED = T(
    "ws.session_cancelled",
    "Sorry, {what} on {when} at {where} is cancelled. Your place is cancelled too.",
)
SESSION_MOVED = T(
    "ws.session_moved",
    "{what} at {where} has moved. It is now on {when}. Your place is kept.",
)
SESSION_MOVED_WAITING = T(
    "ws.session_moved_waiting",
    "{what} at {where} has moved. It is now on {when}. You are still on the waiting list.",
)


def ref(booking: Booking) -> str:
    """The event reference of a booking, for its reminders and outbox rows."""
    return f"ws:{booking.id}"
