"""How each kind of event is cancelled, so "I can't come" on a reminder takes the normal path.

Each event flow (workshops, legal advice, shifts) registers its own cancel use case for its
reference kind; the reminder buttons call it and never touch bookings themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.context import Context
from handlers.router import Reply

Canceller = Callable[[Context, str], Awaitable[Reply]]
CANCELLERS: dict[str, Canceller] = {}


def cancels(kind: str) -> Callable[[Canceller], Canceller]:
    """Register the cancel use case for references `<kind>:<id>`."""

    def register(handler: Canceller) -> Canceller:
        if kind in CANCELLERS:
            raise ValueError(f"event kind {kind!r} has two cancel paths")
        CANCELLERS[kind] = handler
        return handler

    return register


def canceller_for(ref: str) -> Canceller | None:
    """The cancel use case for an event reference, if its kind has one."""
    return CANCELLERS.get(ref.split(":", 1)[0])
