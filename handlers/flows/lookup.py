"""Reading ids from payloads and typed text, and the records they name; Stale when they don't."""

from __future__ import annotations

import re

from handlers.context import Context
from handlers.model import Centre, User
from handlers.router import Stale


def parse_id(text: str) -> int | None:
    """A database id or small number from a payload or typed text; None if it is not one."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def signed_up(ctx: Context) -> User:
    """The person, who agreed to the notice; Stale for anyone else."""
    if ctx.user is None:
        raise Stale
    return ctx.user


async def open_centre(ctx: Context, centre_id: str) -> Centre:
    """The centre an id in a payload or state names; Stale if there is none."""
    number = parse_id(centre_id)
    centre = await ctx.uow.centres.get(number) if number is not None else None
    if centre is None:
        raise Stale
    return centre
