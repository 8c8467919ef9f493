"""Tables. Timestamps are stored in UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime on every backend (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class CentreRow(Base):
    """A community centre (public information)."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40))
    opening_hours: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    # How near a shared location must be to check a volunteer in; empty: the setting's default.
    checkin_radius_m: Mapped[int | None] = mapped_column(Integer)


class UserRow(Base):
    """A person who agreed to the data notice."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL"), index=True
    )
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    # Roles are needed on most updates; identities and consents only for "show my data".
    roles: Mapped[list[RoleRow]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    identities: Mapped[list[IdentityRow]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise"
    )
    consents: Mapped[list[ConsentRow]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ConsentRow.given_at"
    )


class IdentityRow(Base):
    """One platform account of a person (a person may write on Telegram and on Viber)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # When the person last wrote from this account: Viber charges for messages a bot sends
    # outside the 24 hours after it. Kept for Viber accounts only.
    last_incoming_at: Mapped[datetime | None]

    user: Mapped[UserRow] = relationship(back_populates="identities")


class RoleRow(Base):
    """A role granted to a person beyond beneficiary."""

    __tablename__ = "roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime]
    # Programme-wide staff (`grant … --all-centres`); otherwise the role reaches only the
    # centres in staff_centres. Admins reach every centre whatever this says.
    all_centres: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    centres: Mapped[list[StaffCentreRow]] = relationship(
        primaryjoin="and_(RoleRow.user_id == foreign(StaffCentreRow.user_id), "
        "RoleRow.role == foreign(StaffCentreRow.role))",
        lazy="selectin",
        viewonly=True,
    )


class StaffCentreRow(Base):
    """A centre a coordinator or adviser is bound to: staff act only on their centres."""

    __tablename__ = "staff_centres"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ConsentRow(Base):
    """A consent: which notice (`data`, later `phone`), which version, when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime]


class ConversationStateRow(Base):
    """Where a person is in a conversation; survives restarts, shared by all workers."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class ProcessedUpdateRow(Base):
    """A platform update already handled: a redelivered one (webhook retry) is skipped."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class OutboxRow(Base):
    """A message the bot sends on its own (a reminder, a notice, a broadcast), until it is sent.

    What to say is a message key with parameters, rendered when it is sent, in the language
    the person has then.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The delivery worker's claim: the most urgent due rows of each status.
        Index("ix_outbox_due", "status", "priority", "not_before"),
        # Delivery receipts (Viber's delivered/seen/failed) find their row by message token.
        Index("ix_outbox_platform_message_id", "platform", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(64))
    claim: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None]
    receipt: Mapped[str | None] = mapped_column(String(16))  # delivered, seen or failed
    receipt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderRow(Base):
    """A planned reminder of an event (a booking, a workshop place, a shift)."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "remind_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(64), index=True)
    starts_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    answer: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]


class WorkshopRow(Base):
    """A workshop or a weekly series of it: what, for whom, where."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    titles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class SessionRow(Base):
    """One dated session of a workshop."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_centre_start", "centre_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")


class BookingRow(Base):
    """A place or a waiting-list entry: the person, or their child (first name and age only)."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One live place per person (or per child) in a session.
        Index(
            "uq_bookings_live",
            "session_id",
            "user_id",
            "child_key",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    child_key: Mapped[str] = mapped_column(String(40), default="")
    child_name: Mapped[str | None] = mapped_column(String(40))
    child_age: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AdviserRow(Base):
    """A legal adviser: a person with the adviser role, and their slot length."""

    __tablename__ = "advisers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(60))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)


class AdviserHoursRow(Base):
    """Regular weekly hours of an adviser at a centre (wall-clock, local time)."""

    __tablename__ = "adviser_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))


class AdviserAbsenceRow(Base):
    """A day off or a blocked time ("I'm ill today")."""

    __tablename__ = "adviser_absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class AppointmentRow(Base):
    """A legal advice appointment. Of the person's case only the topic is kept."""

    __tablename__ = "appointments"
    __table_args__ = (
        # Two people can never hold the same adviser at the same time.
        Index(
            "uq_appointments_slot",
            "adviser_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_appointments_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adviser_id: Mapped[int] = mapped_column(ForeignKey("advisers.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    topic: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class CallbackRow(Base):
    """A "call me back" request: a phone number given with its own consent, for an adviser.

    The number is erased once an adviser has called.
    """

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    topic: Mapped[str] = mapped_column(String(24))
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class VolunteerRow(Base):
    """A request to volunteer: first name, centre, what they can help with, phone if agreed."""

    __tablename__ = "volunteers"
    __table_args__ = (Index("ix_volunteers_centre_status", "centre_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    first_name: Mapped[str] = mapped_column(String(40))
    tasks: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class ShiftRow(Base):
    """A volunteer shift at a centre."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_centre_starts", "centre_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    task: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(120), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime]


class ShiftSignupRow(Base):
    """A volunteer's place in a shift, the day-before answer, check-in and check-out."""

    __tablename__ = "shift_signups"
    __table_args__ = (
        # One live place per volunteer in a shift.
        Index(
            "uq_shift_signups_live",
            "shift_id",
            "user_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_shift_signups_shift_status", "shift_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(String(8))
    asked_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    check_in_method: Mapped[str | None] = mapped_column(String(16))
    checked_out_at: Mapped[datetime | None]
    auto_checkout: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CheckinCodeRow(Base):
    """A centre's check-in code of one (local) day."""

    __tablename__ = "checkin_codes"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class BroadcastRow(Base):
    """An announcement and its audit trail: who wrote and sent it, when, to which audience."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    default_locale: Mapped[str] = mapped_column(String(16))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    photo: Mapped[str | None] = mapped_column(String(200))
    pin_centre: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"))
    send_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FileRow(Base):
    """A file a platform fetches from us by URL (Viber's file messages), kept for a day."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class KeyboardRow(Base):
    """The last keyboard too long for one Viber screen, per account, so ◀ / ▶ can page it."""

    __tablename__ = "keyboards"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(String(8000))
    keyboard: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime]


class LinkCodeRow(Base):
    """A one-time code that links a person's account on another platform to them.

    Entering the code in the other app only *claims* it (the claimed_* columns); the code's
    owner is asked, and nothing is joined before they say yes.
    """

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    claimed_platform: Mapped[str | None] = mapped_column(String(16))
    claimed_external_id: Mapped[str | None] = mapped_column(String(64))
    claimed_chat_id: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]


class FailedAttemptRow(Base):
    """One wrong guess at something guessable (a link code, a check-in code), for try limits.

    `subject` is a digest of who guessed (an account or a person), never the raw id, so the
    table holds nothing personal for people who have not agreed to the notice.
    """

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_scope_subject_at", "scope", "subject", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
