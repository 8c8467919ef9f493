"""Announcements: the audience is chosen, counted and queued inside the database.

Starting an announcement is one transaction: the status moves from draft (or scheduled) to
sending only if it was still there, and one INSERT … SELECT puts a row per recipient into the
outbox. So the audience is fixed at that moment, two coordinators pressing Send queue it once,
and a crash either queued everyone or no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, exists, func, literal, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from handlers.model import (
    VIBER_FREE_WINDOW,
    Broadcast,
    BroadcastStatus,
    Session,
    Target,
    VolunteerStatus,
)
from handlers.notices import PRIORITY_BULK
from handlers.rules.broadcasts import MESSAGE
from handlers.usecases.delivery import Reason
from storage.models import (
    AppointmentRow,
    BookingRow,
    BroadcastRow,
    IdentityRow,
    OutboxRow,
    RoleRow,
    SessionRow,
    UserRow,
    VolunteerRow,
)
from storage.workshops import SqlWorkshops

_outbox = cast(Table, OutboxRow.__table__)
STARTABLE = (BroadcastStatus.DRAFT.value, BroadcastStatus.SCHEDULED.value)
# The delivery worker's error for a Viber message not sent because it would be paid
# (VIBER_PAID_MESSAGES=session-only); reports count these apart.
OUTSIDE_WINDOW = Reason.OUTSIDE_WINDOW.value


def ref(broadcast_id: int) -> str:
    """The outbox reference of an announcement's messages."""
    return f"bc:{broadcast_id}"


def audience(target: Target, now: datetime) -> Select[int, str, str, str]:
    """Recipients: user id and the newest reachable account, for every criterion of `target`.

    Everyone in `users` agreed to the data notice (deleting one's data deletes the row), so
    consent needs no check; accounts that blocked the bot or left are unreachable.
    """
    other = aliased(IdentityRow)
    newest = (  # the reachable account the person used last (else the newest)
        select(other.id)
        .where(other.user_id == UserRow.id, other.unreachable_at.is_(None))
        .order_by(other.last_incoming_at.desc().nulls_last(), other.id.desc())
        .limit(1)
        .correlate(UserRow)
        .scalar_subquery()
    )
    stmt = select(
        UserRow.id, IdentityRow.platform, IdentityRow.external_id, IdentityRow.chat_id
    ).join(IdentityRow, IdentityRow.id == newest)
    if target.centres:
        stmt = stmt.where(UserRow.centre_id.in_(target.centres))
    if target.status is not None:
        stmt = stmt.where(UserRow.status == target.status.value)
    if target.locales:
        stmt = stmt.where(UserRow.locale.in_(target.locales))
    if target.volunteers:
        stmt = stmt.where(
            exists().where(RoleRow.user_id == UserRow.id, RoleRow.role == "volunteer")
        )
        if target.centres:  # volunteers at these centres, not those of another who moved here
            stmt = stmt.where(
                exists().where(
                    VolunteerRow.user_id == UserRow.id,
                    VolunteerRow.status == VolunteerStatus.APPROVED.value,
                    VolunteerRow.centre_id.in_(target.centres),
                )
            )
    if target.workshop_id is not None:
        booked = exists().where(
            BookingRow.user_id == UserRow.id,
            BookingRow.status.in_(("confirmed", "waiting")),
            SessionRow.id == BookingRow.session_id,
            SessionRow.workshop_id == target.workshop_id,
            SessionRow.status == "scheduled",
            SessionRow.starts_at > now,
        )
        if target.centres:  # sessions at these centres only: another centre's are not theirs
            booked = booked.where(SessionRow.centre_id.in_(target.centres))
        stmt = stmt.where(booked)
    if target.legal_centre is not None:
        stmt = stmt.where(
            exists().where(
                AppointmentRow.user_id == UserRow.id,
                AppointmentRow.centre_id == target.legal_centre,
                AppointmentRow.status == "booked",
                AppointmentRow.starts_at > now,
            )
        )
    return stmt


class SqlBroadcasts:
    """Implements handlers.ports.BroadcastRepository."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def create(
        self, *, created_by: int, texts: dict[str, str], default_locale: str, now: datetime
    ) -> Broadcast:
        """A new draft."""
        row = BroadcastRow(
            created_by=created_by, status=BroadcastStatus.DRAFT.value, texts=dict(texts),
            default_locale=default_locale, target={}, created_at=now, recipients=0, report={},
        )  # fmt: skip
        self._s.add(row)
        await self._s.flush()
        return _broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """An announcement as stored now."""
        row = await self._s.get(BroadcastRow, broadcast_id, populate_existing=True)
        return _broadcast(row) if row else None

    async def many(self, ids: Sequence[int]) -> dict[int, Broadcast]:
        """Several announcements by id (the delivery worker renders a batch with them)."""
        if not ids:
            return {}
        rows = await self._s.execute(select(BroadcastRow).where(BroadcastRow.id.in_(set(ids))))
        return {r.id: _broadcast(r) for r in rows.scalars()}

    async def edit(
        self,
        broadcast_id: int,
        *,
        texts: dict[str, str] | None = None,
        default_locale: str | None = None,
        target: Target | None = None,
        photo: str | None = None,
        pin_centre: int | None = None,
        clear_attachment: bool = False,
    ) -> bool:
        """Change a draft (or a scheduled one); False once sending began or it was cancelled."""
        values: dict[str, Any] = {}
        if texts is not None:
            values["texts"] = dict(texts)
        if default_locale is not None:
            values["default_locale"] = default_locale
        if target is not None:
            values["target"] = target.to_json()
        if clear_attachment:
            values["photo"], values["pin_centre"] = None, None
        if photo is not None:
            values["photo"], values["pin_centre"] = photo, None
        if pin_centre is not None:
            values["photo"], values["pin_centre"] = None, pin_centre
        if not values:
            return True
        result = await self._s.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.status.in_(STARTABLE))
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def count(self, target: Target, now: datetime) -> dict[str, int]:
        """How many people the audience has now, per platform."""
        who = audience(target, now).subquery()
        rows = await self._s.execute(select(who.c.platform, func.count()).group_by(who.c.platform))
        return {platform: int(n) for platform, n in rows}

    async def paid(self, target: Target, now: datetime) -> int:
        """How many of the audience would get a paid message: on Viber, and silent (or never
        heard from) for the whole free window before `now`."""
        who = audience(target, now).subquery()
        account = (IdentityRow.platform == who.c.platform) & (
            IdentityRow.external_id == who.c.external_id
        )
        n = await self._s.scalar(
            select(func.count())
            .select_from(who)
            .join(IdentityRow, account)
            .where(
                who.c.platform == "viber",
                or_(
                    IdentityRow.last_incoming_at.is_(None),
                    IdentityRow.last_incoming_at <= now - VIBER_FREE_WINDOW,
                ),
            )
        )
        return int(n or 0)

    async def schedule(self, broadcast_id: int, send_at: datetime | None, by: int) -> bool:
        """Send at a time (draft → scheduled), or back to a draft with None."""
        status = BroadcastStatus.SCHEDULED if send_at else BroadcastStatus.DRAFT
        result = await self._s.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.status.in_(STARTABLE))
            .values(status=status.value, send_at=send_at, sent_by=by)
        )
        return bool(getattr(result, "rowcount", 0))

    async def start(self, broadcast_id: int, by: int | None, now: datetime) -> int | None:
        """Fix the audience and queue a message to each; None if it was not startable."""
        values: dict[str, Any] = {"status": BroadcastStatus.SENDING.value, "started_at": now}
        if by is not None:
            values["sent_by"] = by
        moved = await self._s.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.status.in_(STARTABLE))
            .values(**values)
        )
        if not getattr(moved, "rowcount", 0):
            return None  # someone else started (or cancelled) it first
        row = await self._s.get(BroadcastRow, broadcast_id, populate_existing=True)
        assert row is not None
        who = audience(Target.from_json(row.target), now).subquery()
        params = {"text": {"$broadcast": broadcast_id}}
        rows = select(
            who.c.id, who.c.platform, who.c.external_id, who.c.chat_id,
            literal(MESSAGE.key), literal(params, _outbox.c.params.type),
            literal([], _outbox.c.buttons.type), literal(PRIORITY_BULK),
            literal(now, _outbox.c.not_before.type), null(), literal(ref(broadcast_id)),
            literal("queued"), literal(0), literal(now, _outbox.c.created_at.type),
            literal(now, _outbox.c.updated_at.type),
        )  # fmt: skip
        columns = [
            "user_id", "platform", "external_id", "chat_id", "key", "params", "buttons",
            "priority", "not_before", "expires_at", "ref", "status", "attempts", "created_at",
            "updated_at",
        ]  # fmt: skip
        result = await self._s.execute(_outbox.insert().from_select(columns, rows))
        count = int(getattr(result, "rowcount", 0) or 0)
        row.recipients = count
        await self._s.flush()
        return count

    async def due(self, now: datetime) -> list[int]:
        """Scheduled announcements whose time has come."""
        rows = await self._s.execute(
            select(BroadcastRow.id)
            .where(
                BroadcastRow.status == BroadcastStatus.SCHEDULED.value,
                BroadcastRow.send_at <= now,
            )
            .order_by(BroadcastRow.send_at, BroadcastRow.id)
        )
        return list(rows.scalars())

    async def stop(self, broadcast_id: int, now: datetime) -> bool:
        """Cancel before sending, or stop while sending (messages not yet sent stay unsent)."""
        result = await self._s.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.status.in_(STARTABLE))
            .values(status=BroadcastStatus.CANCELLED.value, finished_at=now)
        )
        if getattr(result, "rowcount", 0):
            return True
        result = await self._s.execute(
            update(BroadcastRow)
            .where(
                BroadcastRow.id == broadcast_id,
                BroadcastRow.status == BroadcastStatus.SENDING.value,
            )
            .values(status=BroadcastStatus.STOPPED.value, finished_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return False
        # Rows a worker is sending at this moment go out: they are already on their way.
        await self._s.execute(
            update(_outbox)
            .where(_outbox.c.ref == ref(broadcast_id), _outbox.c.status == "queued")
            .values(status="dropped", last_error="stopped", updated_at=now)
        )
        row = await self._s.get(BroadcastRow, broadcast_id, populate_existing=True)
        assert row is not None
        row.report = await self.report(broadcast_id)
        await self._s.flush()
        return True

    async def report(self, broadcast_id: int) -> dict[str, int]:
        """Delivered, not delivered (blocked the bot or left), failed, stopped, still queued;
        `outside_window` too, only when some were not sent because they would have been paid."""
        rows = await self._s.execute(
            select(_outbox.c.status, _outbox.c.last_error, func.count())
            .where(_outbox.c.ref == ref(broadcast_id))
            .group_by(_outbox.c.status, _outbox.c.last_error)
        )
        counts = {"delivered": 0, "blocked": 0, "failed": 0, "stopped": 0, "queued": 0}
        for status, error, n in rows:
            if status == "sent":
                counts["delivered"] += n
            elif status in ("queued", "sending"):
                counts["queued"] += n
            elif status == "failed":
                counts["failed"] += n
            elif error == "stopped":
                counts["stopped"] += n
            elif error == OUTSIDE_WINDOW:
                counts["outside_window"] = counts.get("outside_window", 0) + n
            else:  # dropped: blocked the bot, left the platform, or deleted their data
                counts["blocked"] += n
        return counts

    async def finish(self, now: datetime) -> list[Broadcast]:
        """Mark announcements whose every message has an outcome as done; those, with reports."""
        rows = await self._s.execute(
            select(BroadcastRow.id).where(BroadcastRow.status == BroadcastStatus.SENDING.value)
        )
        done = []
        for broadcast_id in rows.scalars().all():
            busy = await self._s.scalar(
                select(_outbox.c.id)
                .where(
                    _outbox.c.ref == ref(broadcast_id),
                    _outbox.c.status.in_(("queued", "sending")),
                )
                .limit(1)
            )
            if busy is not None:
                continue
            report = await self.report(broadcast_id)
            result = await self._s.execute(
                update(BroadcastRow)
                .where(
                    BroadcastRow.id == broadcast_id,
                    BroadcastRow.status == BroadcastStatus.SENDING.value,
                )
                .values(status=BroadcastStatus.DONE.value, finished_at=now, report=report)
            )
            if getattr(result, "rowcount", 0):  # of two processes finishing, one reports
                found = await self.get(broadcast_id)
                assert found is not None
                done.append(found)
        return done

    async def recent(
        self, *, limit: int, offset: int = 0, created_by: int | None = None
    ) -> list[Broadcast]:
        """Newest first; only one person's when `created_by` is given."""
        stmt = select(BroadcastRow).order_by(BroadcastRow.created_at.desc(), BroadcastRow.id.desc())
        if created_by is not None:
            stmt = stmt.where(BroadcastRow.created_by == created_by)
        rows = await self._s.execute(stmt.limit(limit).offset(offset))
        return [_broadcast(r) for r in rows.scalars()]

    async def workshops_ahead(self, centre_ids: Sequence[int], now: datetime) -> list[Session]:
        """One upcoming session per workshop at these centres (to pick "signed up for …")."""
        first = (
            select(SessionRow.workshop_id, func.min(SessionRow.starts_at).label("first"))
            .where(
                SessionRow.status == "scheduled",
                SessionRow.starts_at > now,
                SessionRow.centre_id.in_(centre_ids),
            )
            .group_by(SessionRow.workshop_id)
            .subquery()
        )
        ids = await self._s.execute(
            select(SessionRow.id)
            .join(
                first,
                (first.c.workshop_id == SessionRow.workshop_id)
                & (first.c.first == SessionRow.starts_at),
            )
            .order_by(SessionRow.starts_at)
            .limit(30)
        )
        workshops = SqlWorkshops(self._s)
        found = [await workshops.session(i) for i in ids.scalars()]
        return [s for s in found if s is not None]


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id, created_by=row.created_by, status=BroadcastStatus(row.status),
        texts=dict(row.texts), default_locale=row.default_locale,
        target=Target.from_json(row.target or {}), created_at=row.created_at, photo=row.photo,
        pin_centre=row.pin_centre, send_at=row.send_at, started_at=row.started_at,
        finished_at=row.finished_at, sent_by=row.sent_by, recipients=row.recipients,
        report={k: int(v) for k, v in (row.report or {}).items()},
    )  # fmt: skip
