"""The announcements flow, its guards, its typed steps' data, and the announcement a route names.

Who may: the flow is for staff; a route naming an announcement lets in only its writer or an
admin, and only while its audience names centres they are bound to (`OWN`, `OWN_STEP`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from handlers.context import Context
from handlers.flows.guards import announcement_writer, staff
from handlers.flows.lookup import signed_up
from handlers.model import Broadcast, BroadcastStatus, Centre, Target, User
from handlers.payloads import Step
from handlers.router import Flow, Stale
from handlers.rules.broadcasts import allowed_centres, within

flow = Flow("bc", guard=staff)
OWN = announcement_writer("broadcast_id")  # its writer or an admin, within their centres
OWN_STEP = announcement_writer("id")  # the same, for the draft a typed step adds to
Written = Literal["en", "sr", "bs", "de", "rom"]  # Serbian Cyrillic readers get `sr` transliterated
WRITTEN: tuple[Written, ...] = get_args(Written)


@dataclass(frozen=True)
class Draft(Step):
    """The draft a typed step adds to (a photo, the time to send it)."""

    id: int


@dataclass(frozen=True)
class Translation(Step):
    """The draft and the language a typed text is for."""

    id: int
    lang: Written


# -- who may, and which announcement -------------------------------------------------------------
def sender(ctx: Context) -> User:
    """The person sending: the flow's guard lets in only coordinators and admins."""
    return signed_up(ctx)


async def announcement(ctx: Context, broadcast_id: int, *status: BroadcastStatus) -> Broadcast:
    """The announcement a route names (its guard checked whose it is); Stale if it is gone or,
    when `status` is given, in none of them: an old button, sent, scheduled or cancelled since."""
    found = await ctx.uow.broadcasts.get(broadcast_id)
    if found is None or (status and found.status not in status):
        raise Stale
    return found


async def editable(ctx: Context, broadcast_id: int) -> Broadcast:
    """A draft to change (any unfinished step ends); Stale if it is no longer a draft."""
    ctx.clear_state()
    return await announcement(ctx, broadcast_id, BroadcastStatus.DRAFT)


def scope(ctx: Context, target: Target) -> Target:
    """What the sender may reach of `target`; Stale if it names a centre beyond their bindings."""
    found = within(sender(ctx), target)
    if found is None:
        raise Stale
    return found


async def sender_centres(ctx: Context) -> list[Centre]:
    """The centres the sender may name, in the usual order (every centre for admins)."""
    allowed = allowed_centres(sender(ctx))
    return [c for c in await ctx.uow.centres.all() if allowed is None or c.id in allowed]
