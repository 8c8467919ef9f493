"""Announcements: starting the scheduled ones when their time comes, and the final report."""

from __future__ import annotations

from datetime import datetime

from handlers.model import Broadcast
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, when
from handlers.ports import UnitOfWork
from handlers.rules.broadcasts import REPORT, may_broadcast, scoped, still_reachable
from handlers.texts import N_


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
    from handlers.flows.announce import report  # here: the flow imports these use cases

    done = await uow.broadcasts.finish(now)
    for broadcast in done:
        to = broadcast.sent_by or broadcast.created_by
        if to is None:
            continue
        notice = Notice.of(
            REPORT,
            [[NoticeButton(N_("See the report"), report.show.link(broadcast.id), "📊")]],
            when=when(broadcast.started_at or now),
            **{k: broadcast.report.get(k, 0) for k in ("delivered", "blocked", "failed")},
        )
        await uow.outbox.enqueue(to, notice, not_before=now, now=now, priority=PRIORITY_DIRECT)
    return done
