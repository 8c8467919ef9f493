"""What a messenger's transport receives from the composition root (bot/bootstrap.py).

A transport gets the few things it uses, never the whole application: the conversation core
to answer with, the callback for an account the platform says is gone, the settings it reads,
the metrics it counts into, and (for Viber) units of work and the clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from handlers.messages import Incoming, Outgoing

# Called with (platform, external id) when the platform says the account is gone (blocked,
# unsubscribed, deleted): the person is marked unreachable and their queued messages dropped.
AccountGone = Callable[[str, str], Awaitable[None]]


class Core(Protocol):
    """The conversation core as a transport uses it (handlers.conversation.Conversation)."""

    async def handle(self, incoming: Incoming) -> list[Outgoing]: ...

    async def slow_down(self, incoming: Incoming) -> Outgoing: ...
