"""People and their conversations: accounts, roles, state, handled updates, tries at codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from handlers.model import ConversationState, Identity, LinkCode, ResidentStatus, Role, User


class UserRepository(Protocol):
    """People who agreed to the data notice, with their identities, roles and consents."""

    async def by_identity(
        self, platform: str, external_id: str, *, writes_at: datetime | None = None
    ) -> User | None: ...

    async def get(self, user_id: int) -> User | None: ...

    async def profile(self, user_id: int) -> User | None: ...

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
    ) -> User: ...

    async def update(
        self,
        user_id: int,
        *,
        locale: str | None = None,
        status: ResidentStatus | None = None,
        centre_id: int | None = None,
        reminders_on: bool | None = None,
    ) -> None: ...

    async def delete(self, user_id: int) -> None: ...

    async def mark_unreachable(self, platform: str, external_id: str, now: datetime) -> None: ...

    async def grant(
        self,
        user_id: int,
        role: Role,
        now: datetime,
        *,
        centres: Sequence[int] = (),
        all_centres: bool = False,
    ) -> bool: ...

    async def revoke(
        self,
        user_id: int,
        role: Role,
        *,
        centres: Sequence[int] = (),
        all_centres: bool = False,
    ) -> bool: ...

    async def add_consent(self, user_id: int, kind: str, version: str, now: datetime) -> None: ...

    async def touch(self, platform: str, external_id: str, now: datetime) -> None: ...

    async def new_link_code(
        self, user_id: int, code: str, now: datetime, ttl: timedelta
    ) -> None: ...

    async def link_code(self, code: str) -> LinkCode | None: ...

    async def claim_link_code(
        self, code: str, *, platform: str, external_id: str, chat_id: str, now: datetime,
        until: datetime,
    ) -> bool: ...  # fmt: skip

    async def drop_link_code(self, code: str) -> None: ...

    async def prune_link_codes(self, now: datetime) -> int: ...

    async def owner_of(self, platform: str, external_id: str) -> int | None: ...

    async def accounts(self, user_id: int) -> list[Identity]: ...

    async def add_identity(
        self, user_id: int, *, platform: str, external_id: str, chat_id: str, now: datetime
    ) -> bool: ...

    async def unlink(
        self, user_id: int, *, keep_platform: str, keep_external_id: str, now: datetime
    ) -> list[Identity]: ...


class StateRepository(Protocol):
    """Each person's conversation state, kept in the database so any worker can continue."""

    async def get(self, user_id: int) -> ConversationState: ...

    async def save(self, user_id: int, state: ConversationState, now: datetime) -> None: ...


class UpdateLog(Protocol):
    """Platform update ids already handled."""

    async def claim(self, platform: str, update_id: str, now: datetime) -> bool: ...

    async def prune(self, before: datetime) -> int: ...


class AttemptRepository(Protocol):
    """Wrong guesses at codes, for try limits (subjects are stored as digests)."""

    async def failed(self, scope: str, subject: str, now: datetime) -> None: ...

    async def count(self, scope: str, subject: str, since: datetime) -> int: ...

    async def oldest(self, scope: str, subject: str, since: datetime) -> datetime | None: ...

    async def forget(self, scope: str, subject: str, *, before: datetime | None = None) -> None: ...

    async def prune(self, before: datetime) -> int: ...
