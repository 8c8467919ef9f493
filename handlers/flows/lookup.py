"""Reading ids, names and numbers from payloads and typed text; who may act; Stale if not."""

from __future__ import annotations

import re

from handlers.context import Context
from handlers.model import Centre, Role, User
from handlers.router import Stale


def parse_id(text: str) -> int | None:
    """A database id or small number from a payload or typed text; None if it is not one."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def signed_up(ctx: Context) -> User:
    """The person, who agreed to the notice; Stale for anyone else."""
    if ctx.user is None:
        raise Stale
    return ctx.user


async def open_centre(ctx: Context, centre_id: int | str) -> Centre:
    """The centre an id (typed, or text still to be read) names; Stale if there is none."""
    number = parse_id(centre_id) if isinstance(centre_id, str) else centre_id
    centre = await ctx.uow.centres.get(number) if number is not None else None
    if centre is None:
        raise Stale
    return centre


STAFF = (Role.COORDINATOR, Role.ADMIN)


def coordinator(ctx: Context) -> User:
    """The person, if they hold a coordinator's role at all; Stale otherwise.

    Enough only for screens that show nothing of a centre; anything about a centre's
    workshops, shifts, people or announcements checks `coordinator_of` as well.
    """
    if ctx.user is None or not ctx.user.has_role(*STAFF):
        raise Stale
    return ctx.user


def coordinator_of(ctx: Context, centre_id: int) -> User:
    """The person, if they may coordinate this centre (bound to it, or admin); Stale if not."""
    user = coordinator(ctx)
    if not user.may_act_on(centre_id, *STAFF):
        raise Stale
    return user


async def coordinated_centre(ctx: Context, centre_id: str) -> Centre:
    """The centre a payload names, if the person may coordinate it; Stale otherwise."""
    centre = await open_centre(ctx, centre_id)
    coordinator_of(ctx, centre.id)
    return centre


async def coordinated_centres(ctx: Context) -> list[Centre]:
    """The centres the person may coordinate, in the usual order (all of them for admins)."""
    allowed = coordinator(ctx).centres_for(*STAFF)
    return [c for c in await ctx.uow.centres.all() if allowed is None or c.id in allowed]


def adviser_of(ctx: Context, centre_id: int) -> User:
    """The person, if they are a legal adviser bound to this centre; Stale if not."""
    user = ctx.user
    if user is None or not user.has_role(Role.ADVISER):
        raise Stale
    if not user.may_act_on(centre_id, Role.ADVISER, Role.ADMIN):
        raise Stale
    return user


def first_name(text: str) -> str | None:
    """A typed first name: letters (and space, hyphen, apostrophe), up to 30; else None."""
    name = " ".join(text.split())
    too_long = len(name) > 30 or len(name.casefold()) > 40
    if not name or too_long or not all(ch.isalpha() or ch in " -'" for ch in name):
        return None
    return name


def phone_number(text: str) -> str | None:
    """`+381 64 123-4567`, `064/1234567` … as typed, if it has 6 to 15 digits."""
    cleaned = text.strip()
    digits = [c for c in cleaned if c.isdigit()]
    allowed = all(c.isdigit() or c in " +-/()." for c in cleaned)
    return cleaned if allowed and 6 <= len(digits) <= 15 and len(cleaned) <= 32 else None
