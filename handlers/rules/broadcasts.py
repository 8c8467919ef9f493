"""Announcements: who a coordinator may reach, and the texts of the message and its report.

The audience itself is chosen and queued by storage in one statement; these rules decide
what a sender may ask for. Starting scheduled ones and reporting are in
`handlers.usecases.broadcasts`.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.model import Role, Target, User
from handlers.texts import T

MESSAGE = T("bc.message", "{text}")
REPORT = T(
    "bc.report",
    "Your announcement of {when} has been sent.\nDelivered: {delivered}\n"
    "Not delivered (blocked the bot or left): {blocked}\nFailed: {failed}",
)
MAX_TEXT = 3500  # leaves room within Telegram's 4,096 and Viber's 7,000 characters


def may_broadcast(user: User | None) -> bool:
    """Only coordinators and admins send announcements."""
    return user is not None and user.has_role(Role.COORDINATOR, Role.ADMIN)


def allowed_centres(user: User) -> tuple[int, ...] | None:
    """The centres whose people a sender may reach: None for admins and programme-wide
    coordinators (everyone); else the centres they are bound to, never their Settings centre."""
    found = user.centres_for(Role.COORDINATOR, Role.ADMIN)
    return None if found is None else tuple(sorted(found))


def scoped(user: User, target: Target) -> Target | None:
    """The target limited to what the sender may reach; None if they may reach no one.

    A coordinator's announcement always carries their centres, so an "everyone" from them
    means everyone at the centres they are bound to, and a forged centre outside them is dropped
    (`within` refuses it instead).
    """
    allowed = allowed_centres(user)
    if allowed is None:
        return target
    if not allowed:
        return None
    centres = tuple(c for c in target.centres if c in allowed) or allowed
    legal = target.legal_centre if target.legal_centre in allowed else None
    if target.legal_centre is not None and legal is None:
        return None
    return replace(target, centres=centres, legal_centre=legal)


def within(user: User, target: Target) -> Target | None:
    """The target as the sender may send it; None if it names a centre they are not bound to."""
    found = scoped(user, target)
    if found is None or not set(target.centres) <= set(found.centres):
        return None
    return found


def still_reachable(written: Target, allowed: Target) -> bool:
    """False if scoping changed the centres the announcement was written for: the sender was
    unbound from one of them, or it was written for everyone and they no longer reach everyone."""
    return written.centres == allowed.centres
