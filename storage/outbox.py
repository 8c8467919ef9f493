"""The outbox: queued proactive messages, claimed by delivery workers exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import PRIORITY_BULK, Notice
from handlers.usecases.delivery import Claimed, Reason
from storage.models import IdentityRow, OutboxRow, UserRow

_outbox = cast(Table, OutboxRow.__table__)
QUEUED, SENDING, SENT, FAILED, DROPPED = "queued", "sending", "sent", "failed", "dropped"
RECEIPT_DELIVERED, RECEIPT_SEEN, RECEIPT_FAILED = "delivered", "seen", "failed"
RECEIPTS = (RECEIPT_DELIVERED, RECEIPT_SEEN, RECEIPT_FAILED)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row, recorded with others in one transaction."""

    id: int
    status: str
    not_before: datetime | None = None
    error: str | None = None
    message_id: str | None = None
    count_attempt: bool = True


class SqlOutbox:
    """Writes (from flows) and claims (from delivery workers) on the outbox table."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enqueue(
        self,
        user_id: int,
        notice: Notice,
        *,
        not_before: datetime,
        now: datetime,
        priority: int = 0,
        ref: str | None = None,
        expires_at: datetime | None = None,
        platform: str | None = None,
    ) -> int | None:
        """Queue a notice to the reachable account the person used last; None if there is none.

        With `platform`, to the person's account on that platform (a person has at most one
        account per platform: linking refuses a second one).
        """
        pick = select(IdentityRow.platform, IdentityRow.external_id, IdentityRow.chat_id).where(
            IdentityRow.user_id == user_id, IdentityRow.unreachable_at.is_(None)
        )
        if platform is not None:
            pick = pick.where(IdentityRow.platform == platform)
        account = (
            await self._s.execute(
                # The account the person used last; the newest one if none has written yet.
                pick.order_by(
                    IdentityRow.last_incoming_at.desc().nulls_last(), IdentityRow.id.desc()
                ).limit(1)
            )
        ).one_or_none()
        if account is None:
            return None
        row = OutboxRow(
            user_id=user_id,
            platform=account.platform,
            external_id=account.external_id,
            chat_id=account.chat_id,
            key=notice.text.key,
            params=notice.params,
            buttons=notice.buttons_json(),
            priority=priority,
            not_before=not_before,
            expires_at=expires_at,
            ref=ref,
            status=QUEUED,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def drop_ref(
        self, ref: str, now: datetime, *, user_id: int | None = None, key: str | None = None
    ) -> int:
        """Drop queued messages about `ref` (an event that was cancelled or moved)."""
        # Rows being sent right now are dropped too: if their send fails, they stay dropped.
        stmt = update(_outbox).where(_outbox.c.ref == ref, _outbox.c.status.in_((QUEUED, SENDING)))
        if user_id is not None:
            stmt = stmt.where(_outbox.c.user_id == user_id)
        if key is not None:  # e.g. only the reminders, not a notice about the same event
            stmt = stmt.where(_outbox.c.key == key)
        result = await self._s.execute(stmt.values(status=DROPPED, updated_at=now))
        return int(getattr(result, "rowcount", 0))

    async def drop_for_account(self, platform: str, external_id: str, now: datetime) -> int:
        """Drop everything queued for an account that blocked the bot or left.

        Rows another worker is sending are left to it (it will hear the same from the
        platform); waiting for its lock could deadlock two workers.
        """
        result = await self._s.execute(
            update(_outbox)
            .where(
                _outbox.c.platform == platform,
                _outbox.c.external_id == external_id,
                _outbox.c.status == QUEUED,
            )
            .values(status=DROPPED, last_error=Reason.UNREACHABLE.value, updated_at=now)
        )
        return int(getattr(result, "rowcount", 0))

    async def claim(
        self,
        now: datetime,
        *,
        token: str,
        limit: int,
        lease: timedelta,
        platforms: Sequence[str],
        bulk: bool = True,
        external_id: str | None = None,
    ) -> list[Claimed]:
        """Take up to `limit` due rows for this worker, most urgent first.

        Due means queued and not before now, or left in `sending` by a worker whose lease ran
        out (it died). On PostgreSQL rows locked by another worker's claim are skipped; on
        SQLite the single UPDATE is atomic.
        """
        due = or_(
            and_(_outbox.c.status == QUEUED, _outbox.c.not_before <= now),
            and_(_outbox.c.status == SENDING, _outbox.c.lease_until < now),
        )
        pick = select(_outbox.c.id).where(due, _outbox.c.platform.in_(platforms))
        if not bulk:
            pick = pick.where(_outbox.c.priority < PRIORITY_BULK)
        if external_id is not None:
            pick = pick.where(_outbox.c.external_id == external_id)
        pick = pick.order_by(_outbox.c.priority, _outbox.c.not_before, _outbox.c.id).limit(limit)
        if self._s.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(_outbox)
            .where(_outbox.c.id.in_(pick.scalar_subquery()))
            .values(
                status=SENDING,
                claim=token,
                lease_until=now + lease,
                attempts=_outbox.c.attempts + 1,
                updated_at=now,
            )
            .returning(
                _outbox.c.id,
                _outbox.c.user_id,
                _outbox.c.platform,
                _outbox.c.external_id,
                _outbox.c.chat_id,
                _outbox.c.key,
                _outbox.c.params,
                _outbox.c.buttons,
                _outbox.c.priority,
                _outbox.c.attempts,
                _outbox.c.expires_at,
            )
        )
        rows = (await self._s.execute(stmt)).all()
        claimed = [Claimed(*row) for row in rows]
        claimed.sort(key=lambda c: (c.priority, c.id))
        return claimed

    async def renew(self, token: str, now: datetime, lease: timedelta) -> int:
        """Extend the lease on the rows claim `token` still holds; how many it holds.

        On PostgreSQL a row another transaction has locked just now (a flow dropping it) is
        skipped rather than waited for: it keeps the lease of the last renewal until the next.
        """
        held = select(_outbox.c.id).where(_outbox.c.claim == token, _outbox.c.status == SENDING)
        if self._s.get_bind().dialect.name == "postgresql":
            held = held.order_by(_outbox.c.id).with_for_update(skip_locked=True)
        result = await self._s.execute(
            update(_outbox)
            .where(_outbox.c.id.in_(held.scalar_subquery()))
            .values(lease_until=now + lease)
        )
        return int(getattr(result, "rowcount", 0))

    async def record(self, token: str, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Store what became of claimed rows; rows taken over by another worker are left."""
        if not outcomes:
            return
        stmt = (
            update(_outbox)
            .where(_outbox.c.id == bindparam("o_id"), _outbox.c.claim == token)
            .where(_outbox.c.status == SENDING)
            .values(
                status=bindparam("o_status"),
                not_before=func.coalesce(
                    bindparam("o_not_before", type_=_outbox.c.not_before.type),
                    _outbox.c.not_before,
                ),
                last_error=bindparam("o_error"),
                message_id=bindparam("o_message_id"),
                attempts=_outbox.c.attempts - bindparam("o_uncount"),
                lease_until=None,
                updated_at=now,
            )
        )
        await self._s.execute(
            stmt,
            [
                {
                    "o_id": o.id,
                    "o_status": o.status,
                    "o_not_before": o.not_before,
                    "o_error": o.error[:200] if o.error else None,
                    "o_message_id": o.message_id,
                    "o_uncount": 0 if o.count_attempt else 1,
                }
                for o in outcomes
            ],
        )

    async def receipt(self, platform: str, message_id: str, event: str, now: datetime) -> int:
        """Note a platform's receipt (delivered, seen, failed) on the row sent as `message_id`.

        A late `delivered` does not overwrite `seen`; how many rows matched is returned (none for
        a direct reply, which is not in the outbox).
        """
        stmt = update(_outbox).where(
            _outbox.c.platform == platform, _outbox.c.message_id == message_id
        )
        if event == RECEIPT_DELIVERED:
            stmt = stmt.where(or_(_outbox.c.receipt.is_(None), _outbox.c.receipt != RECEIPT_SEEN))
        result = await self._s.execute(stmt.values(receipt=event, receipt_at=now))
        return int(getattr(result, "rowcount", 0))

    async def locales(self, user_ids: Sequence[int]) -> dict[int, tuple[str, bool]]:
        """Each person's language and reminder setting, as they are now."""
        if not user_ids:
            return {}
        rows = await self._s.execute(
            select(UserRow.id, UserRow.locale, UserRow.reminders_on).where(
                UserRow.id.in_(set(user_ids))
            )
        )
        return {r.id: (r.locale, r.reminders_on) for r in rows}

    async def last_incoming(
        self, platform: str, external_ids: Sequence[str]
    ) -> dict[str, datetime | None]:
        """When each of these accounts last wrote (None: never, or not recorded)."""
        if not external_ids:
            return {}
        rows = await self._s.execute(
            select(IdentityRow.external_id, IdentityRow.last_incoming_at).where(
                IdentityRow.platform == platform, IdentityRow.external_id.in_(set(external_ids))
            )
        )
        return {r.external_id: r.last_incoming_at for r in rows}

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        rows = await self._s.execute(
            select(_outbox.c.status, func.count()).group_by(_outbox.c.status)
        )
        return {status: int(n) for status, n in rows.all()}

    async def next_due(self, platforms: Sequence[str]) -> datetime | None:
        """When the earliest queued row becomes due (so an idle worker knows when to look)."""
        found: datetime | None = (
            await self._s.execute(
                select(func.min(_outbox.c.not_before)).where(
                    _outbox.c.status == QUEUED, _outbox.c.platform.in_(platforms)
                )
            )
        ).scalar_one_or_none()
        return found

    async def prune(self, before: datetime) -> int:
        """Forget sent, failed and dropped rows last touched before `before`."""
        result = await self._s.execute(
            delete(_outbox).where(
                _outbox.c.status.in_((SENT, FAILED, DROPPED)), _outbox.c.updated_at < before
            )
        )
        return int(getattr(result, "rowcount", 0))
