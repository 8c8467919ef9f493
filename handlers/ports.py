"""What the core needs from the outside world, as Protocols: time, storage, translations."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from handlers.model import (
    Adviser,
    Appointment,
    Audience,
    Booking,
    Broadcast,
    Callback,
    Centre,
    ConversationState,
    Identity,
    LinkCode,
    Reminder,
    ResidentStatus,
    Role,
    Session,
    Shift,
    ShiftSignup,
    Target,
    Task,
    Topic,
    User,
    Volunteer,
    WorkshopKind,
)
from handlers.rules.slots import WeeklyHours

if TYPE_CHECKING:
    from handlers.notices import Notice


class Clock(Protocol):
    """The current time, timezone-aware (UTC)."""

    def now(self) -> datetime: ...


class Observer(Protocol):
    """Where the core reports what it did, for metrics: counts and kinds, never personal data."""

    def update_handled(self, platform: str, flow: str, outcome: str, seconds: float) -> None: ...

    def booked(self, kind: str) -> None: ...


class NoObserver:
    """An Observer that forgets everything (the default)."""

    def update_handled(self, platform: str, flow: str, outcome: str, seconds: float) -> None:
        """Forget it."""

    def booked(self, kind: str) -> None:
        """Forget it."""


class Conflict(Exception):
    """Raised by storage when a change collides with a concurrent one (a unique key)."""


class Translator(Protocol):
    """Translated strings and locale-aware formatting in the programme's timezone."""

    def gettext(self, locale: str, msgid: str) -> str: ...

    def format_datetime(self, locale: str, value: datetime) -> str: ...

    def format_date(self, locale: str, value: date) -> str: ...

    def weekday_name(self, locale: str, weekday: int) -> str: ...


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


class CentreRepository(Protocol):
    """The community centres, public information."""

    async def all(self) -> Sequence[Centre]: ...

    async def by_slug(self, slug: str) -> Centre | None: ...

    async def get(self, centre_id: int) -> Centre | None: ...


class StateRepository(Protocol):
    """Each person's conversation state, kept in the database so any worker can continue."""

    async def get(self, user_id: int) -> ConversationState: ...

    async def save(self, user_id: int, state: ConversationState, now: datetime) -> None: ...


class UpdateLog(Protocol):
    """Platform update ids already handled."""

    async def claim(self, platform: str, update_id: str, now: datetime) -> bool: ...

    async def prune(self, before: datetime) -> int: ...


class Outbox(Protocol):
    """Messages the bot sends on its own; written in the transaction that caused them."""

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
    ) -> int | None: ...

    async def drop_ref(
        self, ref: str, now: datetime, *, user_id: int | None = None, key: str | None = None
    ) -> int: ...

    async def drop_for_account(self, platform: str, external_id: str, now: datetime) -> int: ...

    async def locales(self, user_ids: Sequence[int]) -> dict[int, tuple[str, bool]]: ...

    async def last_incoming(
        self, platform: str, external_ids: Sequence[str]
    ) -> dict[str, datetime | None]: ...


class ReminderRepository(Protocol):
    """Planned reminders of events."""

    async def plan(
        self,
        user_id: int,
        ref: str,
        starts_at: datetime,
        remind_at: Sequence[datetime],
        params: dict[str, object],
        now: datetime,
    ) -> None: ...

    async def cancel(self, ref: str, *, user_id: int | None = None) -> int: ...

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]: ...

    async def take(self, reminder_id: int, status: str) -> bool: ...

    async def get(self, reminder_id: int) -> Reminder | None: ...

    async def answer(self, reminder_id: int, answer: str) -> None: ...


class WorkshopRepository(Protocol):
    """Workshops, sessions and places (never more confirmed than capacity)."""

    async def create(
        self,
        *,
        centre_id: int,
        titles: dict[str, str],
        kind: WorkshopKind,
        audience: Audience,
        language: str,
        starts: Sequence[datetime],
        minutes: int,
        capacity: int,
        now: datetime,
    ) -> list[int]: ...

    async def find(
        self,
        *,
        centre_id: int,
        kind: WorkshopKind | None,
        start: datetime,
        end: datetime,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[Session], int]: ...

    async def session(self, session_id: int) -> Session | None: ...

    async def series(self, session_id: int, after: datetime) -> list[Session]: ...

    async def book(
        self,
        session_id: int,
        user_id: int,
        now: datetime,
        *,
        child_name: str | None = None,
        child_age: int | None = None,
    ) -> Booking: ...

    async def live_booking(
        self, session_id: int, user_id: int, child_name: str | None = None
    ) -> Booking | None: ...

    async def booking(self, booking_id: int) -> Booking | None: ...

    async def cancel(self, booking_id: int, now: datetime) -> Booking | None: ...

    async def mine(self, user_id: int, after: datetime) -> list[tuple[Booking, Session]]: ...

    async def people(self, session_id: int, status: str = "confirmed") -> list[Booking]: ...

    async def set_capacity(
        self, session_id: int, capacity: int, now: datetime
    ) -> list[Booking]: ...

    async def move(self, session_id: int, starts_at: datetime) -> Session: ...

    async def cancel_session(self, session_id: int, now: datetime) -> list[Booking]: ...

    async def mark(self, booking_id: int, attended: bool) -> None: ...


class LegalRepository(Protocol):
    """Advisers' hours and absences, and appointments (one per adviser and slot)."""

    async def hours(self, centre_id: int) -> tuple[list[WeeklyHours], dict[int, int]]: ...

    async def busy(
        self, adviser_ids: Sequence[int], start: datetime, end: datetime
    ) -> tuple[list[tuple[int, datetime, datetime]], list[tuple[int, datetime, datetime]]]: ...

    async def book(
        self,
        *,
        adviser_id: int,
        user_id: int,
        centre_id: int,
        topic: Topic,
        starts_at: datetime,
        ends_at: datetime,
        now: datetime,
    ) -> Appointment | None: ...

    async def upcoming(self, user_id: int, after: datetime) -> Appointment | None: ...

    async def get(self, appointment_id: int) -> Appointment | None: ...

    async def cancel(self, appointment_id: int) -> None: ...

    async def adviser_of(self, user_id: int) -> int | None: ...

    async def agenda(
        self,
        adviser_id: int,
        start: datetime,
        end: datetime,
        *,
        centres: Collection[int] | None = None,
    ) -> list[Appointment]: ...

    async def mark(self, appointment_id: int, status: str) -> None: ...

    async def block(self, adviser_id: int, start: datetime, end: datetime) -> list[Appointment]: ...

    async def advisers(self, centres: Collection[int] | None = None) -> list[Adviser]: ...

    async def add_hours(
        self, adviser_id: int, centre_id: int, weekday: int, starts: str, ends: str
    ) -> None: ...

    async def remove_hours(self, hours_id: int) -> None: ...

    async def set_slot(self, adviser_id: int, minutes: int) -> None: ...


class CallbackRepository(Protocol):
    """ "Call me back" requests for advisers (the phone number is erased once called)."""

    async def request(
        self, *, user_id: int, centre_id: int, topic: Topic, phone: str, now: datetime
    ) -> int: ...

    async def open_for(
        self, adviser_id: int, *, centres: Collection[int] | None = None
    ) -> list[Callback]: ...

    async def done(self, callback_id: int) -> Callback | None: ...

    async def advisers_at(self, centre_id: int) -> list[int]: ...


class VolunteerRepository(Protocol):
    """Requests to volunteer, and who decides them (a centre's coordinators)."""

    async def apply(
        self,
        *,
        user_id: int,
        centre_id: int,
        first_name: str,
        tasks: Sequence[Task],
        phone: str | None,
        now: datetime,
    ) -> Volunteer: ...

    async def of_user(self, user_id: int) -> Volunteer | None: ...

    async def get(self, volunteer_id: int) -> Volunteer | None: ...

    async def pending(self, centre_id: int) -> list[Volunteer]: ...

    async def decide(
        self, volunteer_id: int, *, approved: bool, by: int, now: datetime
    ) -> Volunteer | None: ...

    async def coordinators_at(self, centre_id: int) -> list[int]: ...


class ShiftRepository(Protocol):
    """Volunteer shifts and sign-ups (never more than the places, never two at once)."""

    async def create(
        self,
        *,
        centre_id: int,
        task: Task,
        starts_at: datetime,
        ends_at: datetime,
        places: int,
        note: str,
        now: datetime,
    ) -> int: ...

    async def get(self, shift_id: int) -> Shift | None: ...

    async def listing(
        self, centre_id: int, start: datetime, end: datetime, *, limit: int, offset: int = 0
    ) -> tuple[list[Shift], int]: ...

    async def sign_up(self, shift_id: int, user_id: int, now: datetime) -> ShiftSignup | None: ...

    async def overlapping(self, user_id: int, start: datetime, end: datetime) -> Shift | None: ...

    async def signup(self, signup_id: int) -> ShiftSignup | None: ...

    async def mine(self, user_id: int, after: datetime) -> list[tuple[ShiftSignup, Shift]]: ...

    async def cancel(
        self, signup_id: int, now: datetime, reason: str | None = None
    ) -> ShiftSignup | None: ...

    async def answer(self, signup_id: int, answer: str, now: datetime) -> None: ...

    async def check_in(self, signup_id: int, at: datetime, method: str) -> bool: ...

    async def check_out(self, signup_id: int, at: datetime, *, auto: bool = False) -> bool: ...

    async def mark_no_show(self, signup_id: int, no_show: bool) -> None: ...

    async def people(self, shift_id: int) -> list[ShiftSignup]: ...

    async def worked(self, user_id: int) -> list[tuple[datetime, datetime, datetime, datetime]]: ...

    async def to_ask(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]: ...

    async def unanswered(self, until: datetime, limit: int) -> list[tuple[ShiftSignup, Shift]]: ...

    async def open_check_ins(
        self, ended_before: datetime, limit: int
    ) -> list[tuple[ShiftSignup, Shift]]: ...

    async def flag(self, signup_id: int, what: str, now: datetime) -> bool: ...

    async def cancel_shift(self, shift_id: int, now: datetime) -> list[ShiftSignup]: ...

    async def code(self, centre_id: int, day: date) -> str | None: ...

    async def set_code(self, centre_id: int, day: date, code: str, now: datetime) -> None: ...

    async def keep_code(self, centre_id: int, day: date, code: str, now: datetime) -> str: ...

    async def code_days(self, centre_id: int, code: str) -> list[date]: ...

    async def take_turn(self, user_id: int) -> None: ...


class BroadcastRepository(Protocol):
    """Announcements: drafts, their audience (counted and queued in the database), reports."""

    async def create(
        self, *, created_by: int, texts: dict[str, str], default_locale: str, now: datetime
    ) -> Broadcast: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

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
    ) -> bool: ...

    async def count(self, target: Target, now: datetime) -> dict[str, int]: ...

    # How many of the audience are on Viber outside its free window (their messages are paid).
    async def paid(self, target: Target, now: datetime) -> int: ...

    async def schedule(self, broadcast_id: int, send_at: datetime | None, by: int) -> bool: ...

    async def start(self, broadcast_id: int, by: int | None, now: datetime) -> int | None: ...

    async def due(self, now: datetime) -> list[int]: ...

    async def stop(self, broadcast_id: int, now: datetime) -> bool: ...

    async def report(self, broadcast_id: int) -> dict[str, int]: ...

    async def finish(self, now: datetime) -> list[Broadcast]: ...

    async def recent(
        self, *, limit: int, offset: int = 0, created_by: int | None = None
    ) -> list[Broadcast]: ...

    async def many(self, ids: Sequence[int]) -> dict[int, Broadcast]: ...

    async def workshops_ahead(self, centre_ids: Sequence[int], now: datetime) -> list[Session]: ...


class AttemptRepository(Protocol):
    """Wrong guesses at codes, for try limits (subjects are stored as digests)."""

    async def failed(self, scope: str, subject: str, now: datetime) -> None: ...

    async def count(self, scope: str, subject: str, since: datetime) -> int: ...

    async def oldest(self, scope: str, subject: str, since: datetime) -> datetime | None: ...

    async def forget(self, scope: str, subject: str, *, before: datetime | None = None) -> None: ...

    async def prune(self, before: datetime) -> int: ...


class UnitOfWork(Protocol):
    """One transaction over all repositories; nothing is stored until `commit`."""

    users: UserRepository
    centres: CentreRepository
    states: StateRepository
    updates: UpdateLog
    outbox: Outbox
    reminders: ReminderRepository
    workshops: WorkshopRepository
    legal: LegalRepository
    callbacks: CallbackRepository
    volunteers: VolunteerRepository
    shifts: ShiftRepository
    broadcasts: BroadcastRepository
    attempts: AttemptRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work."""

    def __call__(self) -> UnitOfWork: ...
