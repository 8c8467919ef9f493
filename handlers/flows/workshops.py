"""Workshops for participants: find one, sign up yourself or a child, waiting list, my bookings.

Routes carry ids only, so payloads stay short: `ws:home`, `ws:c` (centres), `ws:k:<centre>`
(kinds), `ws:w:<centre>:<kind|all>` (week), `ws:l:<centre>:<kind|all>:<next week 0|1>:<page>`
(list), `ws:s:<session>` (details), `ws:me:<session>[:all]` and `ws:ch:<session>[:all]` (sign
up; a child's first name and age are then asked as steps), `ws:mine`; and, only on one's own
booking, `ws:b:<booking>`, `ws:x:<booking>` (asks) and `ws:xx:<booking>` (cancels).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from handlers.calendar import sessions_ics
from handlers.context import Context, rows_of
from handlers.flows import legal
from handlers.flows.events import cancels
from handlers.flows.guards import own, person
from handlers.flows.lookup import first_name, open_centre, parse_id, signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.messages import Button
from handlers.model import Audience, Booking, Centre, Session, WorkshopKind
from handlers.notices import pick_title
from handlers.payloads import CentreId, Codec, PayloadError, Step
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T
from handlers.usecases import workshops as cases

flow = Flow("ws", guard=person)
PAGE = 5

KIND_NAMES = {
    WorkshopKind.SCHOOL: N_("School support"),
    WorkshopKind.PSYCHOSOCIAL: N_("Psychosocial support"),
    WorkshopKind.CREATIVE: N_("Creative"),
    WorkshopKind.SPORT: N_("Sport"),
    WorkshopKind.BUSINESS: N_("Business training"),
    WorkshopKind.VOCATIONAL: N_("Vocational training"),
    WorkshopKind.LEGAL: N_("Legal information"),
    WorkshopKind.COMMUNITY: N_("Community event"),
}
AUDIENCE_NAMES = {
    Audience.CHILDREN: N_("children 6–10"),
    Audience.YOUTH: N_("young people 11–18"),
    Audience.ADULTS: N_("adults"),
}

PICK_CENTRE = T("ws.centre", "Workshops: which centre?")
PICK_KIND = T("ws.kind", "Workshops at {centre}. What kind?")
PICK_WEEK = T("ws.week", "When?")
LIST = T("ws.list", "{kind} at {centre}, {week}. Choose one to see more:")
EMPTY = T("ws.empty", "There are no workshops of this kind at {centre} {week}. Try another week.")
DETAILS = T(
    "ws.details",
    "{title}\n\nWhen: {when} ({minutes} min)\nWhere: {centre}, {address}\nFor: {audience}\n"
    "Language: {language}\nFree places: {free} of {capacity}",
)
SERIES = T("ws.series", "This workshop repeats: {count} sessions from this one on.")
SIGNED_UP = T(
    "ws.signed_up",
    "You have a place: {title}, {when}, at {centre}. "
    "I will remind you before it starts. Add it to your calendar with the file below.",
)
SIGNED_UP_CHILD = T(
    "ws.signed_up_child",
    "{child} has a place: {title}, {when}, at {centre}. "
    "I will remind you before it starts. Add it to your calendar with the file below.",
)
SERIES_WAITING = T(
    "ws.series_waiting",
    "{count} of them are full, so you are on their waiting lists. "
    "You will hear if a place frees up.",
)
SIGNED_UP_SERIES = T(
    "ws.signed_up_series",
    "Done: {places} sessions of {title}, the first on {when}. I will remind you before each one.",
)
WAITING = T(
    "ws.waiting",
    "It is full, so you are on the waiting list (number {position}). "
    "If a place frees up it is yours and I will tell you.",
)
ALREADY = T("ws.already", "You already have a place (or a waiting-list spot) in this session.")
CHILD_NAME = T("ws.child_name", "What is your child's first name? (Only the first name, please.)")
CHILD_AGE = T("ws.child_age", "How old is {child}? Please write a number.")
BAD_NAME = T("ws.bad_name", "Please write only the first name, with letters (up to 30).")
BAD_AGE = T("ws.bad_age", "Please write the age as a number, for example 8.")
WRONG_AGE = T(
    "ws.wrong_age",
    "This workshop is for {audience}, so it does not fit a child of {age}. "
    "Have a look at the other workshops.",
)
NOT_FOR_YOU = T("ws.not_for_you", "This workshop is for {audience}. You can sign up a child.")
MINE = T("ws.mine", "Your upcoming workshops. Choose one to see it or cancel it:")
MINE_EMPTY = T("ws.mine_empty", "You have no upcoming workshops.")
BOOKING = T("ws.booking", "{title}\n{when}, at {centre}\n{status}")
CANCEL_ASK = T("ws.cancel_ask", "Cancel your place in {title} on {when}?")
CANCELLED = T("ws.cancelled", "Cancelled. Thank you for letting the place go to someone else.")
PIN = T("ws.pin", "{centre} on the map")

STATUS_NAMES = {"confirmed": N_("You have a place."), "waiting": N_("You are on the waiting list.")}
WEEKS = (N_("this week"), N_("next week"))


def _read_kind(text: str) -> WorkshopKind | None:
    if text == "all":
        return None
    try:
        return WorkshopKind(text)
    except ValueError:
        raise PayloadError(text) from None


KindOrAll = Annotated[
    WorkshopKind | None,
    Codec(lambda k: "all" if k is None else k.value, _read_kind, max(map(len, WorkshopKind))),
]
"""One kind of workshop in a payload, or `all` (None) for every kind."""
Scope = Literal["", "all"]
"""Signing up for this session only ("") or for it and the rest of its series ("all")."""


@dataclass(frozen=True)
class ChildFor(Step):
    """Signing up a child (step `ws.child_name`): the session, and whether for all of the series."""

    session: int
    all: bool

    def named(self, child: str) -> NamedChild:
        """The next step, with the child's first name."""
        return NamedChild(**self.fields(), child=child)


@dataclass(frozen=True)
class NamedChild(ChildFor):
    """Step `ws.child_age`: the child's first name is known, the age is asked."""

    child: str


# -- finding -------------------------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Main menu → Workshops: at my centre, or choose one first."""
    ctx.clear_state()
    user = signed_up(ctx)
    if user.centre_id is not None:
        return await kinds(ctx, CentreId(user.centre_id))
    return await centres(ctx)


@flow.on_button("c")
async def centres(ctx: Context) -> Reply:
    """Choose a centre."""
    buttons = [
        ctx.button(ctx.centre_name(c), kinds.link(CentreId(c.id)))
        for c in await ctx.uow.centres.all()
    ]
    return ctx.reply(PICK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("k")
async def kinds(ctx: Context, centre: CentreId) -> Reply:
    """Choose a kind of workshop (or all) at a centre."""
    place = await open_centre(ctx, centre)
    buttons = [ctx.button(label, week.link(centre, k)) for k, label in KIND_NAMES.items()]
    return ctx.reply(
        PICK_KIND,
        [
            *rows_of(buttons),
            [ctx.button(N_("All kinds"), week.link(centre, None))],
            [ctx.button(N_("Another centre"), centres.link(), icon="📍"), *menu_button(ctx)],
        ],
        replace=True,
        centre=ctx.centre_name(place),
    )


@flow.on_button("w")
async def week(ctx: Context, centre: CentreId, kind: KindOrAll) -> Reply:
    """This week or next week."""
    await open_centre(ctx, centre)
    buttons = [
        Button(_capitalised(ctx._(label)), listing.link(centre, kind, next_week, 0))
        for next_week, label in zip((False, True), WEEKS, strict=True)
    ]
    return ctx.reply(PICK_WEEK, [buttons, menu_button(ctx)], replace=True)


@flow.on_button("l")
async def listing(
    ctx: Context, centre: CentreId, kind: KindOrAll, next_week: bool, page: int
) -> Reply:
    """A page of sessions: day, time, title, free places."""
    place = await open_centre(ctx, centre)
    start, end = _week(ctx, int(next_week))
    found, total = await ctx.uow.workshops.find(
        centre_id=place.id, kind=kind, start=start, end=end, limit=PAGE, offset=page * PAGE,
    )  # fmt: skip
    params: dict[str, Any] = {
        "kind": ctx._(KIND_NAMES[kind]) if kind else ctx._(N_("Workshops")),
        "centre": ctx.centre_name(place),
        "week": ctx._(WEEKS[int(next_week)]),
    }
    back = [ctx.button(N_("Back"), week.link(centre, kind), icon="◀️"), *menu_button(ctx)]
    if not found:
        return ctx.reply(EMPTY, [back], replace=True, **params)
    rows = [[ctx_button_for(ctx, s)] for s in found]
    more = []
    if page > 0:
        more.append(ctx.button(N_("Earlier"), listing.link(centre, kind, next_week, page - 1)))
    if (page + 1) * PAGE < total:
        more.append(ctx.button(N_("More"), listing.link(centre, kind, next_week, page + 1)))
    return ctx.reply(LIST, [*rows, more, back], replace=True, **params)


def ctx_button_for(ctx: Context, session: Session) -> Button:
    """One session as a list button: `Tue 16:00 · School support · 3 free`."""
    local = session.starts_at.astimezone(ZoneInfo(ctx.policy.timezone))
    day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
    free = ctx._(N_("full")) if session.free == 0 else f"{session.free} {ctx._(N_('free'))}"
    label = f"{day} {local:%H:%M} · {pick_title(session.titles, ctx.locale)} · {free}"
    return Button(label[:120], details.link(session.id))


@flow.on_button("s")
async def details(ctx: Context, session_id: int) -> Reply:
    """Everything about one session, and the ways to sign up."""
    session = await open_session(ctx, session_id)
    centre = await open_centre(ctx, session.centre_id)
    sid = session.id
    label = N_("Sign me up") if session.free else N_("Put me on the waiting list")
    buttons: list[list[Button]] = []
    if session.audience is not Audience.CHILDREN:
        buttons.append([ctx.button(label, sign_me_up.link(sid), icon="✅")])
    if session.audience is not Audience.ADULTS:
        buttons.append([ctx.button(N_("Sign up my child"), sign_up_child.link(sid), icon="🧒")])
    extra = ""
    if session.series_size > 1:
        extra = "\n\n" + ctx.t(SERIES, count=session.series_size)
        if session.audience is not Audience.CHILDREN:
            everyone = sign_me_up.link(sid, "all")
            buttons.append([ctx.button(N_("Sign me up for all"), everyone, icon="🔁")])
        if session.audience is not Audience.ADULTS:
            children = sign_up_child.link(sid, "all")
            buttons.append([ctx.button(N_("Sign up my child for all"), children, icon="🔁")])
    buttons.append(
        [ctx.button(N_("Back"), week.link(CentreId(centre.id), session.kind), icon="◀️"),
         *menu_button(ctx)]
    )  # fmt: skip
    out = ctx.reply(DETAILS, buttons, replace=True, **_details_params(ctx, session, centre))
    return replace(out, text=out.text + extra)


def _details_params(ctx: Context, session: Session, centre: Centre) -> dict[str, Any]:
    return {
        "title": pick_title(session.titles, ctx.locale),
        "when": ctx.tr.format_datetime(ctx.locale, session.starts_at),
        "minutes": session.minutes,
        "centre": ctx.centre_name(centre),
        "address": ctx.local_name(centre.address),
        "audience": ctx._(AUDIENCE_NAMES[session.audience]),
        "language": ctx.language_name(session.language) if session.language else "",
        "free": session.free,
        "capacity": session.capacity,
    }


# -- signing up ----------------------------------------------------------------------------------
@flow.on_button("me")
async def sign_me_up(ctx: Context, session_id: int, scope: Scope = "") -> Reply:
    """A place for the person themselves (one session or the whole series)."""
    session = await open_session(ctx, session_id)
    if session.audience is Audience.CHILDREN:
        return ctx.reply(
            NOT_FOR_YOU, [menu_button(ctx)], audience=ctx._(AUDIENCE_NAMES[session.audience])
        )
    return await _book(ctx, session, None, None, whole=scope == "all")


@flow.on_button("ch")
async def sign_up_child(ctx: Context, session_id: int, scope: Scope = "") -> Reply:
    """A place for a child: ask the first name, then the age."""
    session = await open_session(ctx, session_id)
    if session.audience is Audience.ADULTS:
        raise Stale
    ctx.set_state("ws.child_name", **ChildFor(session.id, all=scope == "all").data())
    return ctx.reply(CHILD_NAME, [menu_button(ctx)])


@flow.on_state("ws.child_name")
async def child_name(ctx: Context, signing: ChildFor) -> Reply:
    """The child's first name (letters only, short: it is personal data)."""
    name = first_name(ctx.incoming.text)
    if name is None:
        return ctx.reply(BAD_NAME, [menu_button(ctx)])
    ctx.set_state("ws.child_age", **signing.named(name).data())
    return ctx.reply(CHILD_AGE, [menu_button(ctx)], child=name)


@flow.on_state("ws.child_age")
async def child_age(ctx: Context, signing: NamedChild) -> Reply:
    """The child's age, checked against the workshop's audience."""
    age = parse_id(ctx.incoming.text.strip())
    if age is None or not 1 <= age <= 18:
        return ctx.reply(BAD_AGE, [menu_button(ctx)])
    session = await open_session(ctx, signing.session)
    if not session.audience.fits(age):
        ctx.clear_state()
        return ctx.reply(
            WRONG_AGE, [[ctx.button(N_("Workshops"), home.link(), icon="📅")], menu_button(ctx)],
            audience=ctx._(AUDIENCE_NAMES[session.audience]), age=age,
        )  # fmt: skip
    ctx.clear_state()
    return await _book(ctx, session, signing.child, age, whole=signing.all)


async def _book(
    ctx: Context, session: Session, child: str | None, age: int | None, *, whole: bool
) -> Reply:
    user = signed_up(ctx)
    now = ctx.clock.now()
    if session.starts_at <= now:
        raise Stale
    centre = await open_centre(ctx, session.centre_id)
    # "All" means this session and the later ones of the series.
    sessions = await ctx.uow.workshops.series(session.id, session.starts_at) if whole else [session]
    booked: list[tuple[Booking, Session]] = []
    for s in sessions:
        if await ctx.uow.workshops.live_booking(s.id, user.id, child) is not None:
            if not whole:
                return ctx.reply(ALREADY, [_mine_row(ctx)])
            continue
        # Conflict here (a double tap, or the session was just called off) makes the
        # conversation retry, and the retry finds out which.
        booking = await ctx.uow.workshops.book(s.id, user.id, now, child_name=child, child_age=age)
        current = await ctx.uow.workshops.session(s.id)  # as it is now, under the lock
        if current is None:
            raise Stale
        booked.append((booking, current))
        ctx.bookings.append("workshop" if booking.status == "confirmed" else "waitlist")
        if booking.status == "confirmed":
            await cases.plan_reminders(ctx.uow, ctx.policy, booking, current, centre.name, now)
    if not booked:
        return ctx.reply(ALREADY, [_mine_row(ctx)])
    confirmed = [(b, s) for b, s in booked if b.status == "confirmed"]
    if not confirmed and not whole:
        position = len(await ctx.uow.workshops.people(booked[0][1].id, "waiting"))
        return ctx.reply(WAITING, [_mine_row(ctx)], position=position)
    first = (confirmed or booked)[0][1]
    title = pick_title(first.titles, ctx.locale)
    when = ctx.tr.format_datetime(ctx.locale, first.starts_at)
    calendar = sessions_ics(
        [(f"booking-{b.id}@reintegrate", s.starts_at, s.ends_at) for b, s in confirmed],
        title=title, location=f"{centre.name}, {centre.address}",
        timezone=ctx.policy.timezone, now=now,
    ) if confirmed else None  # fmt: skip
    if whole:
        text = ctx.reply(
            SIGNED_UP_SERIES, [_mine_row(ctx)], document=calendar,
            places=len(confirmed), title=title, when=when,
        )  # fmt: skip
        waiting = len(booked) - len(confirmed)
        if waiting:
            text = replace(text, text=f"{text.text}\n\n{ctx.t(SERIES_WAITING, count=waiting)}")
    elif child:
        text = ctx.reply(
            SIGNED_UP_CHILD, [_mine_row(ctx)], document=calendar,
            child=child, title=title, when=when, centre=ctx.centre_name(centre),
        )  # fmt: skip
    else:
        text = ctx.reply(
            SIGNED_UP, [_mine_row(ctx)], document=calendar,
            title=title, when=when, centre=ctx.centre_name(centre),
        )  # fmt: skip
    pin = ctx.reply(
        PIN,
        location=ctx.centre_pin(centre),
        centre=ctx.centre_name(centre),
    )  # fmt: skip
    return [text, pin]


# -- my bookings ---------------------------------------------------------------------------------
@flow.on_button("mine")
async def mine(ctx: Context) -> Reply:
    """My upcoming workshops (places and waiting-list spots)."""
    user = signed_up(ctx)
    found = await ctx.uow.workshops.mine(user.id, ctx.clock.now())
    appointment = await ctx.uow.legal.upcoming(user.id, ctx.clock.now())
    if not found and appointment is None:
        return main_menu(ctx, MINE_EMPTY, replace=True)
    rows = []
    if appointment is not None:
        local = appointment.starts_at.astimezone(ZoneInfo(ctx.policy.timezone))
        day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
        label = f"⚖️ {day} {local:%d.%m. %H:%M} · {ctx._(N_('Legal advice'))}"
        rows.append([Button(label[:120], legal.home.link())])
    for held, session in found:
        label = ctx_button_for(ctx, session).label.rsplit(" · ", 1)[0]
        if held.child_name:
            label = f"{label} ({held.child_name})"
        if held.status == "waiting":
            label = f"⏳ {label}"
        rows.append([Button(label[:120], booking.link(held.id))])
    return ctx.reply(MINE, [*rows, menu_button(ctx)], replace=True)


async def _whose(ctx: Context, booking_id: int) -> int | None:
    """The person who made a booking, if there is such a booking."""
    held = await ctx.uow.workshops.booking(booking_id)
    return held.user_id if held is not None else None


OWN_BOOKING = own("booking_id", via=_whose)


@flow.on_button("b", guard=OWN_BOOKING)
async def booking(ctx: Context, booking_id: int) -> Reply:
    """One of my bookings, with a way to cancel it."""
    held, session = await _open_booking(ctx, booking_id)
    centre = await open_centre(ctx, session.centre_id)
    title = pick_title(session.titles, ctx.locale)
    if held.child_name:
        title = f"{title} ({held.child_name})"
    return ctx.reply(
        BOOKING,
        [[ctx.button(N_("Cancel my place"), ask_cancel.link(held.id), icon="❌")],
         [ctx.button(N_("Back"), mine.link(), icon="◀️"), *menu_button(ctx)]],
        replace=True, title=title, when=ctx.tr.format_datetime(ctx.locale, session.starts_at),
        centre=ctx.centre_name(centre), status=ctx._(STATUS_NAMES[held.status]),
    )  # fmt: skip


@flow.on_button("x", guard=OWN_BOOKING)
async def ask_cancel(ctx: Context, booking_id: int) -> Reply:
    """Are you sure? (Also the "give it back" button on a freed-place notice.)"""
    held, session = await _open_booking(ctx, booking_id)
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel"), cancel.link(held.id), icon="❌")],
         [ctx.button(N_("No, keep it"), mine.link(), icon="✅")]],
        title=pick_title(session.titles, ctx.locale),
        when=ctx.tr.format_datetime(ctx.locale, session.starts_at),
    )  # fmt: skip


@flow.on_button("xx", guard=OWN_BOOKING)
async def cancel(ctx: Context, booking_id: int) -> Reply:
    """Cancel for real: the place goes to the first on the waiting list."""
    held, session = await _open_booking(ctx, booking_id)
    centre = await open_centre(ctx, session.centre_id)
    await cases.cancel_booking(ctx.uow, ctx.policy, held, session, centre.name, ctx.clock.now())
    return main_menu(ctx, CANCELLED, replace=True)


@cancels("ws")
async def cancel_from_reminder(ctx: Context, ref: str) -> Reply:
    """'I can't come' on a workshop reminder: the place is given back at once."""
    booking_id = parse_id(ref.split(":", 1)[1])
    if booking_id is None:
        raise Stale
    # Called from the reminder's route, not through this one: its guard is asked here.
    await OWN_BOOKING(ctx, {"booking_id": booking_id})
    return await cancel(ctx, booking_id)


# -- helpers -------------------------------------------------------------------------------------
def _capitalised(text: str) -> str:
    """`this week` as a button reads `This week` (the phrase is also used mid-sentence)."""
    return text[:1].upper() + text[1:]


def _mine_row(ctx: Context) -> list[Button]:
    return [ctx.button(N_("My bookings"), mine.link(), icon="📌"), *menu_button(ctx)]


async def open_session(ctx: Context, session_id: int) -> Session:
    """A scheduled session by the id in a payload or step; Stale if there is none."""
    session = await ctx.uow.workshops.session(session_id)
    if session is None or session.status != "scheduled":
        raise Stale
    return session


async def _open_booking(ctx: Context, booking_id: int) -> tuple[Booking, Session]:
    """A live booking (the route's guard made sure it is the person's) of a session to come."""
    held = await ctx.uow.workshops.booking(booking_id)
    if held is None or held.status == "cancelled":
        raise Stale
    session = await ctx.uow.workshops.session(held.session_id)
    if session is None or session.starts_at <= ctx.clock.now():
        raise Stale
    return held, session


def _week(ctx: Context, offset: int) -> tuple[datetime, datetime]:
    """This week (from now to Sunday night) or next week (Monday to Sunday), local time."""
    tz = ZoneInfo(ctx.policy.timezone)
    now = ctx.clock.now()
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    start_day = monday + timedelta(weeks=offset)
    start = datetime.combine(start_day, time(0), tz)
    end = datetime.combine(start_day + timedelta(days=7), time(0), tz)
    return (max(start, now) if offset == 0 else start), end
