"""Who may use a route, checked by the router on the parsed arguments before the handler runs.

A flow names one of these (`Flow("cv", guard=staff)`), a route may name a narrower one
(`@flow.on_button("h", guard=coordinator_of("centre"))`). Each answers from the roles the
person holds and the centres they are bound to, never from their own Settings; a refusal is
a `Stale` (the same "this button is from an older message" an old button gets).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from handlers.context import Context
from handlers.flows import lookup
from handlers.model import Role
from handlers.router import Guard, Stale, anyone
from handlers.rules.broadcasts import within

__all__ = [
    "adviser",
    "adviser_of",
    "announcement_writer",
    "anyone",
    "coordinates_some",
    "coordinator_of",
    "coordinator_of_or_none",
    "every",
    "own",
    "own_signup",
    "person",
    "staff",
    "volunteer",
]

Locate = Callable[[Context, Any], Awaitable[int | None]]
"""From an argument (a shift's id, a request's) to the centre it belongs to; None if none."""


async def person(ctx: Context, args: Mapping[str, Any]) -> None:
    """Someone who agreed to the notice."""
    lookup.signed_up(ctx)


async def staff(ctx: Context, args: Mapping[str, Any]) -> None:
    """A coordinator (bound to some centre) or an admin; enough for screens about no centre."""
    lookup.coordinator(ctx)


async def adviser(ctx: Context, args: Mapping[str, Any]) -> None:
    """A legal adviser."""
    if ctx.user is None or not ctx.user.has_role(Role.ADVISER):
        raise Stale


async def _centre(ctx: Context, args: Mapping[str, Any], arg: str, via: Locate | None) -> int:
    if arg not in args:
        raise Stale  # a stored step without the centre it needs
    value = args[arg]
    centre = await via(ctx, value) if via is not None else value
    if not isinstance(centre, int):
        raise Stale
    return centre


def coordinator_of(arg: str = "centre", *, via: Locate | None = None) -> Guard:
    """Staff who may coordinate the centre named by argument `arg` (or found from it `via`)."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        lookup.coordinator_of(ctx, await _centre(ctx, args, arg, via))

    return guard


def adviser_of(arg: str = "centre", *, via: Locate | None = None) -> Guard:
    """An adviser bound to the centre named by argument `arg` (or found from it `via`)."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        lookup.adviser_of(ctx, await _centre(ctx, args, arg, via))

    return guard


def every(*guards: Guard) -> Guard:
    """Each of these guards in turn: a route naming two things (a draft, a centre) checks both."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        for one in guards:
            await one(ctx, args)

    return guard


def coordinator_of_or_none(arg: str = "centre") -> Guard:
    """As `coordinator_of`, but 0 (a "none of them" button) names no centre and passes."""
    inner = coordinator_of(arg)

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        if args.get(arg) != 0:
            await inner(ctx, args)

    return guard


def announcement_writer(arg: str = "broadcast_id") -> Guard:
    """The writer of the announcement named by `arg` (or an admin), while its audience names only
    centres they are bound to (never widened by their own Settings centre)."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        user = lookup.coordinator(ctx)
        number = args.get(arg)
        found = await ctx.uow.broadcasts.get(number) if isinstance(number, int) else None
        if found is None or not (found.created_by == user.id or Role.ADMIN in user.roles):
            raise Stale
        if within(user, found.target) is None:
            raise Stale  # written for a centre the sender is no longer bound to

    return guard


async def volunteer(ctx: Context, args: Mapping[str, Any]) -> None:
    """An approved volunteer (the coordinators granted the volunteer role)."""
    if ctx.user is None or not ctx.user.has_role(Role.VOLUNTEER):
        raise Stale


def own_signup(arg: str = "signup_id") -> Guard:
    """An approved volunteer, and the shift sign-up named by argument `arg` is their own."""
    return every(volunteer, own(arg, via=_signup_owner))


async def _signup_owner(ctx: Context, signup_id: Any) -> int | None:
    signup = await ctx.uow.shifts.signup(signup_id) if isinstance(signup_id, int) else None
    return signup.user_id if signup is not None else None


async def coordinates_some(ctx: Context, args: Mapping[str, Any]) -> None:
    """Staff who may coordinate at least one centre (before a step names which one)."""
    if not await lookup.coordinated_centres(ctx):
        raise Stale


Whose = Callable[[Context, Any], Awaitable[int | None]]
"""From an argument (a booking's id, a reminder's) to the person it belongs to; None if none."""


def own(arg: str, *, via: Whose) -> Guard:
    """Someone who agreed, acting on a thing of their own: argument `arg`, whose `via` says."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        user = lookup.signed_up(ctx)
        if arg not in args or await via(ctx, args[arg]) != user.id:
            raise Stale

    return guard
