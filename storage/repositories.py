"""Repositories: the queries behind handlers.ports, returning plain domain records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.model import (
    Centre,
    Consent,
    ConversationState,
    Identity,
    LinkCode,
    OpeningHours,
    ResidentStatus,
    Role,
    User,
)
from handlers.notices import about
from handlers.ports import Conflict
from storage.models import (
    AppointmentRow,
    BookingRow,
    CallbackRow,
    CentreRow,
    ConsentRow,
    ConversationStateRow,
    IdentityRow,
    KeyboardRow,
    LinkCodeRow,
    OutboxRow,
    ProcessedUpdateRow,
    ReminderRow,
    RoleRow,
    ShiftSignupRow,
    StaffCentreRow,
    UserRow,
    VolunteerRow,
)
from storage.outbox import DROPPED, QUEUED

DATA_CONSENT = "data"
# "Used last" (where proactive messages go) need not be more exact than this.
RECENT = timedelta(minutes=10)

# The statements every update runs are built once and use Core tables, not ORM entities:
# loading plain rows costs a fraction of building mapped objects.
_users, _identities = UserRow.__table__, IdentityRow.__table__
_roles, _states = RoleRow.__table__, ConversationStateRow.__table__
_staff = StaffCentreRow.__table__
_BY_IDENTITY = (
    select(
        _users.c.id,
        _users.c.locale,
        _users.c.status,
        _users.c.centre_id,
        _users.c.reminders_on,
        _users.c.created_at,
        _identities.c.unreachable_at,
        _identities.c.last_incoming_at,
        _roles.c.role,
        _roles.c.all_centres,
        _staff.c.centre_id.label("bound_centre"),
    )
    .select_from(
        _users.join(_identities)
        .outerjoin(_roles)
        .outerjoin(
            _staff, and_(_staff.c.user_id == _roles.c.user_id, _staff.c.role == _roles.c.role)
        )
    )
    .where(
        _identities.c.platform == bindparam("platform"),
        _identities.c.external_id == bindparam("external_id"),
    )
)
_STATE = select(_states.c.state, _states.c.data).where(_states.c.user_id == bindparam("user_id"))


def _user(row: UserRow, *, full: bool = False) -> User:
    user = User(
        id=row.id,
        locale=row.locale,
        status=ResidentStatus(row.status) if row.status else None,
        centre_id=row.centre_id,
        reminders_on=row.reminders_on,
        created_at=row.created_at,
        roles=frozenset(Role(r.role) for r in row.roles),
        bindings=frozenset((Role(r.role), c.centre_id) for r in row.roles for c in r.centres),
        everywhere=frozenset(Role(r.role) for r in row.roles if r.all_centres),
    )
    if not full:
        return user
    return replace(
        user,
        identities=tuple(
            Identity(i.platform, i.external_id, i.chat_id, i.unreachable_at is not None)
            for i in row.identities
        ),
        consents=tuple(Consent(c.kind, c.version, c.given_at) for c in row.consents),
    )


def _centre(row: CentreRow) -> Centre:
    return Centre(
        id=row.id,
        slug=row.slug,
        name=row.name,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        phone=row.phone,
        hours=tuple(OpeningHours(int(d), str(o), str(c)) for d, o, c in row.opening_hours),
        checkin_radius_m=row.checkin_radius_m,
    )


class SqlUsers:
    """People, their identities, roles and consents."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def by_identity(
        self, platform: str, external_id: str, *, writes_at: datetime | None = None
    ) -> User | None:
        """The person behind a platform account, if they agreed to the notice.

        Someone marked unreachable (they had blocked the bot) who writes again is reachable.
        With `writes_at` (the person is writing now), the account is marked as the one used
        last, unless that was already noted within RECENT: most updates write nothing.
        """
        params = {"platform": platform, "external_id": external_id}
        rows = (await self._s.execute(_BY_IDENTITY, params)).all()
        if not rows:
            return None
        first = rows[0]
        changes: dict[str, Any] = {}
        if first.unreachable_at is not None:
            changes["unreachable_at"] = None
        seen = first.last_incoming_at
        if writes_at is not None and (seen is None or seen < writes_at - RECENT):
            changes["last_incoming_at"] = writes_at
        if changes:
            await self._s.execute(
                update(IdentityRow)
                .where(IdentityRow.platform == platform, IdentityRow.external_id == external_id)
                .values(**changes)
            )
        return User(
            id=first.id,
            locale=first.locale,
            status=ResidentStatus(first.status) if first.status else None,
            centre_id=first.centre_id,
            reminders_on=first.reminders_on,
            created_at=first.created_at,
            roles=frozenset(Role(r.role) for r in rows if r.role is not None),
            bindings=frozenset(
                (Role(r.role), r.bound_centre) for r in rows if r.bound_centre is not None
            ),
            everywhere=frozenset(Role(r.role) for r in rows if r.all_centres),
        )

    async def mark_unreachable(self, platform: str, external_id: str, now: datetime) -> None:
        """The platform says this account blocked the bot or is gone: stop writing to it."""
        await self._s.execute(
            update(IdentityRow)
            .where(IdentityRow.platform == platform, IdentityRow.external_id == external_id)
            .values(unreachable_at=now)
        )

    async def touch(self, platform: str, external_id: str, now: datetime) -> None:
        """The person wrote from this account at `now` (Viber's free 24-hour window starts anew)."""
        await self._s.execute(
            update(IdentityRow)
            .where(IdentityRow.platform == platform, IdentityRow.external_id == external_id)
            .values(last_incoming_at=now)
        )

    async def new_link_code(self, user_id: int, code: str, now: datetime, ttl: timedelta) -> None:
        """A one-time code (replacing any earlier one) to link another account to the person."""
        await self._s.execute(delete(LinkCodeRow).where(LinkCodeRow.user_id == user_id))
        self._s.add(LinkCodeRow(code=code, user_id=user_id, created_at=now, expires_at=now + ttl))
        await self._s.flush()

    async def link_code(self, code: str) -> LinkCode | None:
        """A link code as stored (expired or not: the caller compares with its clock)."""
        row = await self._s.get(LinkCodeRow, code)
        if row is None:
            return None
        return LinkCode(
            code=row.code, user_id=row.user_id, expires_at=row.expires_at,
            claimed_platform=row.claimed_platform, claimed_external_id=row.claimed_external_id,
            claimed_chat_id=row.claimed_chat_id,
        )  # fmt: skip

    async def claim_link_code(
        self, code: str, *, platform: str, external_id: str, chat_id: str, now: datetime,
        until: datetime,
    ) -> bool:  # fmt: skip
        """Note the account that typed a live, unclaimed code; False if it was taken first."""
        result = await self._s.execute(
            update(LinkCodeRow)
            .where(
                LinkCodeRow.code == code,
                LinkCodeRow.claimed_platform.is_(None),
                LinkCodeRow.expires_at > now,
            )
            .values(
                claimed_platform=platform,
                claimed_external_id=external_id,
                claimed_chat_id=chat_id,
                claimed_at=now,
                expires_at=until,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def drop_link_code(self, code: str) -> None:
        """Forget a code (used, refused): the claim it holds goes with it."""
        await self._s.execute(delete(LinkCodeRow).where(LinkCodeRow.code == code))

    async def prune_link_codes(self, now: datetime) -> int:
        """Drop expired codes and the accounts they were claimed by."""
        result = await self._s.execute(delete(LinkCodeRow).where(LinkCodeRow.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def owner_of(self, platform: str, external_id: str) -> int | None:
        """The person an account belongs to, if it belongs to anyone."""
        return await self._s.scalar(
            select(IdentityRow.user_id).where(
                IdentityRow.platform == platform, IdentityRow.external_id == external_id
            )
        )

    async def accounts(self, user_id: int) -> list[Identity]:
        """The person's accounts, oldest first."""
        rows = await self._s.execute(
            select(IdentityRow).where(IdentityRow.user_id == user_id).order_by(IdentityRow.id)
        )
        return [
            Identity(i.platform, i.external_id, i.chat_id, i.unreachable_at is not None)
            for i in rows.scalars()
        ]

    async def add_identity(
        self, user_id: int, *, platform: str, external_id: str, chat_id: str, now: datetime
    ) -> bool:
        """Join an account to the person; False if the account already belongs to someone."""
        if await self.owner_of(platform, external_id) is not None:
            return False
        self._s.add(
            IdentityRow(
                user_id=user_id, platform=platform, external_id=external_id, chat_id=chat_id,
                created_at=now, last_incoming_at=now,
            )
        )  # fmt: skip
        try:
            await self._s.flush()
        except IntegrityError as exc:  # the account registered itself at this very moment:
            raise Conflict("identity exists") from exc  # the retry sees it and says so
        return True

    async def unlink(
        self, user_id: int, *, keep_platform: str, keep_external_id: str, now: datetime
    ) -> list[Identity]:
        """Remove the person's other accounts (not this one); the ones removed.

        What was queued for them is dropped (it is no longer theirs to read), and their
        remembered keyboards go.
        """
        gone = [
            i
            for i in await self.accounts(user_id)
            if (i.platform, i.external_id) != (keep_platform, keep_external_id)
        ]
        for i in gone:
            account = (IdentityRow.platform == i.platform, IdentityRow.external_id == i.external_id)
            await self._s.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.platform == i.platform,
                    OutboxRow.external_id == i.external_id,
                    OutboxRow.status == QUEUED,
                )
                .values(status=DROPPED, last_error="unlinked", updated_at=now)
            )
            await self._s.execute(
                delete(KeyboardRow).where(
                    KeyboardRow.platform == i.platform, KeyboardRow.external_id == i.external_id
                )
            )
            await self._s.execute(delete(IdentityRow).where(*account))
        return gone

    async def get(self, user_id: int) -> User | None:
        """A person by our own id."""
        row = await self._s.get(UserRow, user_id)
        return _user(row) if row else None

    async def profile(self, user_id: int) -> User | None:
        """A person with everything stored about them: accounts and consents too."""
        stmt = (
            select(UserRow)
            .where(UserRow.id == user_id)
            .options(selectinload(UserRow.identities), selectinload(UserRow.consents))
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        return _user(row, full=True) if row else None

    async def register(
        self,
        *,
        platform: str,
        external_id: str,
        chat_id: str,
        locale: str,
        centre_id: int | None,
        consent_version: str,
        now: datetime,
    ) -> User:
        """Store a person at the moment they agree: the account, the language, the consent."""
        row = UserRow(
            locale=locale,
            centre_id=centre_id,
            reminders_on=True,
            created_at=now,
            roles=[],
            identities=[
                IdentityRow(
                    platform=platform, external_id=external_id, chat_id=chat_id, created_at=now
                )
            ],
            consents=[ConsentRow(kind=DATA_CONSENT, version=consent_version, given_at=now)],
        )
        self._s.add(row)
        try:
            await self._s.flush()
        except IntegrityError as exc:
            raise Conflict("identity exists") from exc
        return _user(row, full=True)

    async def update(
        self,
        user_id: int,
        *,
        locale: str | None = None,
        status: ResidentStatus | None = None,
        centre_id: int | None = None,
        reminders_on: bool | None = None,
    ) -> None:
        """Change the given fields; the others stay as they are."""
        row = await self._s.get(UserRow, user_id)
        if row is None:
            return
        if locale is not None:
            row.locale = locale
        if status is not None:
            row.status = status.value
        if centre_id is not None:
            row.centre_id = centre_id
        if reminders_on is not None:
            row.reminders_on = reminders_on

    async def delete(self, user_id: int) -> None:
        """Remove the person and everything that names them."""
        # Explicit deletes, child tables first, so this holds even where cascades are off.
        await self._s.execute(
            update(VolunteerRow).where(VolunteerRow.decided_by == user_id).values(decided_by=None)
        )
        # Notices to staff that name the person (a volunteer's first name, a reason typed).
        await self._s.execute(delete(OutboxRow).where(OutboxRow.ref == about(user_id)))
        accounts = select(IdentityRow.platform, IdentityRow.external_id).where(
            IdentityRow.user_id == user_id
        )
        for platform, external_id in (await self._s.execute(accounts)).all():
            await self._s.execute(
                delete(KeyboardRow).where(
                    KeyboardRow.platform == platform, KeyboardRow.external_id == external_id
                )
            )
        for table in (
            LinkCodeRow,
            ShiftSignupRow,
            VolunteerRow,
            CallbackRow,
            AppointmentRow,
            BookingRow,
            OutboxRow,
            ReminderRow,
            ConversationStateRow,
            ConsentRow,
            RoleRow,
            IdentityRow,
        ):
            await self._s.execute(delete(table).where(table.user_id == user_id))
        await self._s.execute(delete(UserRow).where(UserRow.id == user_id))
        self._s.expunge_all()

    async def grant(
        self,
        user_id: int,
        role: Role,
        now: datetime,
        *,
        centres: Sequence[int] = (),
        all_centres: bool = False,
    ) -> bool:
        """Give a role, bound to these centres (or programme-wide); False if nothing changed."""
        if role is Role.BENEFICIARY:
            return False
        changed = False
        held = await self._s.get(RoleRow, (user_id, role.value))
        if held is None:
            held = RoleRow(user_id=user_id, role=role.value, granted_at=now, all_centres=False)
            self._s.add(held)
            changed = True
        if all_centres and not held.all_centres:
            held.all_centres = changed = True
        await self._s.flush()
        for centre_id in centres:
            if await self._s.get(StaffCentreRow, (user_id, role.value, centre_id)) is None:
                self._s.add(StaffCentreRow(user_id=user_id, role=role.value, centre_id=centre_id))
                changed = True
        await self._s.flush()
        return changed

    async def add_consent(self, user_id: int, kind: str, version: str, now: datetime) -> None:
        """Record one more consent (e.g. `phone` for a call-back)."""
        self._s.add(ConsentRow(user_id=user_id, kind=kind, version=version, given_at=now))
        await self._s.flush()

    async def revoke(
        self,
        user_id: int,
        role: Role,
        *,
        centres: Sequence[int] = (),
        all_centres: bool = False,
    ) -> bool:
        """Take a role away, or only some of its centres; False if nothing changed.

        Without centres or all_centres the whole role goes, with every binding.
        """
        bindings = delete(StaffCentreRow).where(
            StaffCentreRow.user_id == user_id, StaffCentreRow.role == role.value
        )
        if centres or all_centres:
            changed = False
            if centres:
                result = await self._s.execute(
                    bindings.where(StaffCentreRow.centre_id.in_(list(centres)))
                )
                changed = bool(getattr(result, "rowcount", 0))
            if all_centres:
                result = await self._s.execute(
                    update(RoleRow)
                    .where(RoleRow.user_id == user_id, RoleRow.role == role.value)
                    .where(RoleRow.all_centres)
                    .values(all_centres=False)
                )
                changed = changed or bool(getattr(result, "rowcount", 0))
            return changed
        await self._s.execute(bindings)
        result = await self._s.execute(
            delete(RoleRow).where(RoleRow.user_id == user_id, RoleRow.role == role.value)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlCentres:
    """The community centres."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def all(self) -> Sequence[Centre]:
        """Every centre, by name."""
        rows = (await self._s.execute(select(CentreRow).order_by(CentreRow.name))).scalars()
        return [_centre(r) for r in rows]

    async def by_slug(self, slug: str) -> Centre | None:
        """A centre by its short name (`novi-pazar`)."""
        row = (
            await self._s.execute(select(CentreRow).where(CentreRow.slug == slug))
        ).scalar_one_or_none()
        return _centre(row) if row else None

    async def get(self, centre_id: int) -> Centre | None:
        """A centre by id."""
        row = await self._s.get(CentreRow, centre_id)
        return _centre(row) if row else None


class SqlStates:
    """Conversation state per person."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, user_id: int) -> ConversationState:
        """The stored state, or an empty one."""
        row = (await self._s.execute(_STATE, {"user_id": user_id})).one_or_none()
        return ConversationState(row.state, dict(row.data)) if row else ConversationState()

    async def save(self, user_id: int, state: ConversationState, now: datetime) -> None:
        """Store the state (insert or overwrite)."""
        values = {"state": state.name, "data": dict(state.data), "updated_at": now}
        stmt = _insert_for(self._s)(_states).values(user_id=user_id, **values)
        await self._s.execute(
            stmt.on_conflict_do_update(index_elements=[_states.c.user_id], set_=values)
        )


class SqlUpdates:
    """Platform update ids already handled, so a redelivered update is handled once."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(self, platform: str, update_id: str, now: datetime) -> bool:
        """Record the update; False if it was recorded before (a duplicate)."""
        stmt = (
            _insert_for(self._s)(ProcessedUpdateRow)
            .values(platform=platform, update_id=update_id, received_at=now)
            .on_conflict_do_nothing()
        )
        result = await self._s.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def prune(self, before: datetime) -> int:
        """Forget update ids older than `before` (platforms redeliver for hours, not days)."""
        result = await self._s.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.received_at < before)
        )
        return int(getattr(result, "rowcount", 0))


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
