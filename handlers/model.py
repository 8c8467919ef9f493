"""Plain domain records the core works with; storage maps its rows to these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a person may do; everyone is a beneficiary, other roles are granted."""

    BENEFICIARY = "beneficiary"
    VOLUNTEER = "volunteer"
    ADVISER = "adviser"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class ResidentStatus(StrEnum):
    """Returnee or local resident, as the person said; `unsaid` if they preferred not to."""

    RETURNEE = "returnee"
    LOCAL = "local"
    UNSAID = "unsaid"


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One weekday's opening time (weekday 0 = Monday)."""

    weekday: int
    opens: str
    closes: str


@dataclass(frozen=True, slots=True)
class Centre:
    """A community centre: public information anyone may read."""

    id: int
    slug: str
    name: str
    address: str
    latitude: float
    longitude: float
    phone: str
    hours: tuple[OpeningHours, ...] = ()
    checkin_radius_m: int | None = None  # None: the programme's default


@dataclass(frozen=True, slots=True)
class Identity:
    """One way of reaching a person: a platform and that platform's user id."""

    platform: str
    external_id: str
    chat_id: str
    unreachable: bool = False


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A one-time code to link another platform's account; claimed once typed there."""

    code: str
    user_id: int
    expires_at: datetime
    claimed_platform: str | None = None
    claimed_external_id: str | None = None
    claimed_chat_id: str | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    """A consent given: which notice, which version, when."""

    kind: str
    version: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    """A person who agreed to the data notice."""

    id: int
    locale: str
    status: ResidentStatus | None
    centre_id: int | None
    reminders_on: bool
    created_at: datetime
    roles: frozenset[Role] = frozenset()
    # Staff roles reach only the centres they are bound to (`grant … --centre`), or every
    # centre when granted programme-wide (`--all-centres`); an admin reaches every centre.
    # The person's own Settings centre never widens this.
    bindings: frozenset[tuple[Role, int]] = frozenset()
    everywhere: frozenset[Role] = frozenset()
    # Filled only by UserRepository.profile ("show my data"); empty on everyday loads.
    identities: tuple[Identity, ...] = ()
    consents: tuple[Consent, ...] = ()

    def has_role(self, *roles: Role) -> bool:
        """True if the person holds any of these roles (beneficiary is everyone's)."""
        return any(r is Role.BENEFICIARY or r in self.roles for r in roles)

    def centres_for(self, *roles: Role) -> frozenset[int] | None:
        """The centres the person may act on in any of these roles; None means every centre."""
        held = [r for r in roles if r in self.roles]
        if Role.ADMIN in held or any(r in self.everywhere for r in held):
            return None
        return frozenset(c for r, c in self.bindings if r in held)

    def may_act_on(self, centre_id: int, *roles: Role) -> bool:
        """True if the person holds one of these roles for this centre."""
        centres = self.centres_for(*roles)
        return centres is None or centre_id in centres


@dataclass(slots=True)
class ConversationState:
    """Where a person is in a conversation, with small non-personal working data."""

    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A planned reminder of an event a person signed up for."""

    id: int
    user_id: int
    ref: str
    starts_at: datetime
    remind_at: datetime
    params: dict[str, Any]
    status: str
    answer: str | None = None
    reminders_on: bool = True


# Since 2024 Viber charges for a message a bot sends later than this after the person last
# wrote from that account; inside it, messages are free.
VIBER_FREE_WINDOW = timedelta(hours=24)
SESSION_ONLY = "session-only"  # VIBER_PAID_MESSAGES: no paid reminders or announcements


@dataclass(frozen=True, slots=True)
class Policy:
    """Programme rules the core applies, from the settings."""

    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))
    timezone: str = "Europe/Belgrade"
    min_notice: timedelta = timedelta(hours=2)  # legal advice: no booking closer than this
    # Volunteer shifts: cancelling later than this before the start needs a reason.
    shift_cancel_cutoff: timedelta = timedelta(hours=12)
    # "Are you still coming?" goes this long before a shift; no answer by the deadline
    # (this long before the start) alerts the coordinators.
    shift_confirm_before: timedelta = timedelta(hours=24)
    shift_confirm_deadline: timedelta = timedelta(hours=12)
    checkin_radius_m: int = 200  # a shared location this close to the centre checks in
    # Viber's paid messages (outside VIBER_FREE_WINDOW): `allow` sends them, `session-only`
    # sends reminders and announcements only inside the window. The price is for estimates.
    viber_paid_messages: str = "allow"
    viber_message_price: float = 0.0
    viber_price_currency: str = "EUR"


class WorkshopKind(StrEnum):
    """What a workshop is about."""

    SCHOOL = "school"  # school support
    PSYCHOSOCIAL = "psychosocial"
    CREATIVE = "creative"
    SPORT = "sport"
    BUSINESS = "business"  # business training
    VOCATIONAL = "vocational"  # vocational training
    LEGAL = "legal"  # legal information
    COMMUNITY = "community"  # community event


class Audience(StrEnum):
    """Who a workshop is for, with the ages that fit."""

    CHILDREN = "children"  # 6–10
    YOUTH = "youth"  # 11–18
    ADULTS = "adults"  # 18+

    def fits(self, age: int) -> bool:
        """True if a person of this age belongs to the audience."""
        low, high = AUDIENCE_AGES[self]
        return low <= age <= high


AUDIENCE_AGES = {Audience.CHILDREN: (6, 10), Audience.YOUTH: (11, 18), Audience.ADULTS: (18, 120)}


@dataclass(frozen=True, slots=True)
class Session:
    """One dated session of a workshop, with what a person needs to decide."""

    id: int
    workshop_id: int
    titles: dict[str, str]
    kind: WorkshopKind
    audience: Audience
    language: str
    centre_id: int
    starts_at: datetime
    minutes: int
    capacity: int
    taken: int
    status: str = "scheduled"
    series_size: int = 1

    @property
    def free(self) -> int:
        """Places left."""
        return max(0, self.capacity - self.taken)

    @property
    def ends_at(self) -> datetime:
        """When it finishes."""
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Booking:
    """A place (or a waiting-list entry) for a person or their child in one session."""

    id: int
    session_id: int
    user_id: int
    status: str  # confirmed, waiting, cancelled
    child_name: str | None = None
    child_age: int | None = None
    attended: bool | None = None


class Topic(StrEnum):
    """What legal advice is about (the only thing kept about a person's case)."""

    DOCUMENTS = "docs"
    RESIDENCE = "residence"
    SOCIAL = "social"
    HEALTH = "health"
    SCHOOL = "school"
    WORK = "work"
    HOUSING = "housing"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Appointment:
    """A booked legal advice appointment."""

    id: int
    adviser_id: int
    user_id: int
    centre_id: int
    topic: Topic
    starts_at: datetime
    ends_at: datetime
    status: str
    adviser_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Callback:
    """A request for an adviser to phone someone back."""

    id: int
    user_id: int
    centre_id: int
    topic: Topic
    phone: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AdviserHours:
    """One line of an adviser's weekly hours (local wall-clock times)."""

    id: int
    centre_id: int
    weekday: int
    starts: str
    ends: str


@dataclass(frozen=True, slots=True)
class Adviser:
    """A legal adviser with their weekly hours."""

    id: int
    name: str
    slot_minutes: int
    user_id: int | None
    hours: tuple[AdviserHours, ...] = ()


class Task(StrEnum):
    """What a volunteer can help with, and what a shift needs."""

    SCHOOL = "school"  # children's school support
    TRANSLATION = "translation"
    EVENTS = "events"
    DRIVING = "driving"
    OTHER = "other"


class VolunteerStatus(StrEnum):
    """Where a volunteer request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A person's request to volunteer at a centre (first name, what they can do, phone)."""

    id: int
    user_id: int
    centre_id: int
    first_name: str
    tasks: tuple[Task, ...]
    phone: str | None
    status: VolunteerStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Shift:
    """A volunteer shift at a centre: when, what for, how many places."""

    id: int
    centre_id: int
    task: Task
    starts_at: datetime
    ends_at: datetime
    places: int
    taken: int = 0
    note: str = ""
    status: str = "scheduled"

    @property
    def free(self) -> int:
        """Places left."""
        return max(0, self.places - self.taken)


@dataclass(frozen=True, slots=True)
class ShiftSignup:
    """A volunteer's place in a shift, with the day-before answer and check-in and out."""

    id: int
    shift_id: int
    user_id: int
    status: str  # signed, cancelled
    answer: str | None = None  # yes / no to "Are you still coming?"
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    auto_checkout: bool = False
    no_show: bool = False
    cancel_reason: str | None = None
    first_name: str = ""  # joined from the volunteer request for coordinators' lists


class BroadcastStatus(StrEnum):
    """Where an announcement stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    STOPPED = "stopped"  # stopped while sending: what was not sent stays unsent
    CANCELLED = "cancelled"  # called off before sending began


@dataclass(frozen=True, slots=True)
class Target:
    """Who an announcement is for: every criterion given must hold (within one, any value).

    Nothing given means everyone (within the sender's centres, for a coordinator).
    """

    centres: tuple[int, ...] = ()
    status: ResidentStatus | None = None  # returnees only, or local residents only
    volunteers: bool = False
    workshop_id: int | None = None  # signed up (or waiting) for an upcoming session of it
    legal_centre: int | None = None  # with an upcoming legal appointment at this centre
    locales: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """As stored with the announcement (and shown in the audit trail)."""
        return {
            "centres": list(self.centres), "status": self.status.value if self.status else None,
            "volunteers": self.volunteers, "workshop_id": self.workshop_id,
            "legal_centre": self.legal_centre, "locales": list(self.locales),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        """Read a stored target back."""
        status = data.get("status")
        return cls(
            centres=tuple(int(c) for c in data.get("centres") or ()),
            status=ResidentStatus(status) if status else None,
            volunteers=bool(data.get("volunteers")),
            workshop_id=data.get("workshop_id"),
            legal_centre=data.get("legal_centre"),
            locales=tuple(data.get("locales") or ()),
        )


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An announcement: its texts per language, audience, attachment, timing and outcome."""

    id: int
    created_by: int | None
    status: BroadcastStatus
    texts: dict[str, str]
    default_locale: str
    target: Target
    created_at: datetime
    photo: str | None = None  # a platform file reference of an attached photo
    pin_centre: int | None = None  # a centre whose map pin goes with it
    send_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    sent_by: int | None = None
    recipients: int = 0
    report: dict[str, int] = field(default_factory=dict)

    def text_for(self, locale: str) -> str:
        """The text a person with this language gets: theirs if written, else the default."""
        base = "sr" if locale == "sr_Cyrl" else locale
        return self.texts.get(base) or self.texts.get(self.default_locale) or ""
