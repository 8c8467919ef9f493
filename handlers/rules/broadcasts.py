"""Announcements: who a coordinator may reach, starting scheduled ones, and the final report.

The audience itself is chosen and queued by storage in one statement; these rules decide
what a sender may ask for and tell them how it went.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.model import Broadcast, Role, Target, User
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, when
from handlers.ports import UnitOfWork
from handlers.texts import N_, T

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


async def release_due(uow: UnitOfWork, now: datetime) -> int:
    """Start every scheduled announcement whose time has come; how many messages queued."""
    queued = 0
    for broadcast_id in await uow.broadcasts.due(now):
        broadcast = await uow.broadcasts.get(broadcast_id)
        sender = await uow.users.get(broadcast.sent_by) if broadcast and broadcast.sent_by else None
        # Checked again at the time of sending against the sender's bindings (never their
        # Settings centre): they may have lost the role or been unbound from a centre.
        allowed = broadcast is not None and sender is not None and may_broadcast(sender)
        target = scoped(sender, broadcast.target) if allowed and sender and broadcast else None
        if broadcast and target and not still_reachable(broadcast.target, target):
            target = None  # written for centres the sender no longer has: never others
        if broadcast is None or target is None:
            await uow.broadcasts.stop(broadcast_id, now)
            continue
        await uow.broadcasts.edit(broadcast_id, target=target)
        queued += await uow.broadcasts.start(broadcast_id, None, now) or 0
    return queued


async def report_finished(uow: UnitOfWork, now: datetime) -> list[Broadcast]:
    """Close announcements whose every message has an outcome; tell their senders how it went."""
    done = await uow.broadcasts.finish(now)
    for broadcast in done:
        to = broadcast.sent_by or broadcast.created_by
        if to is None:
            continue
        notice = Notice.of(
            REPORT,
            [[NoticeButton(N_("See the report"), f"bc:r:{broadcast.id}", "📊")]],
            when=when(broadcast.started_at or now),
            **{k: broadcast.report.get(k, 0) for k in ("delivered", "blocked", "failed")},
        )
        await uow.outbox.enqueue(to, notice, not_before=now, now=now, priority=PRIORITY_DIRECT)
    return done
