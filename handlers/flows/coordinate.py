"""Workshops for coordinators: publish one (guided), change or cancel a session, attendance.

Routes: `cw:home`, `cw:c` (centres), `cw:l:<centre>:<page>` (upcoming sessions),
`cw:s|p|cap|mv|x|xx:<session>` (a session: view, people, places, time, cancel: ask, do),
`cw:a:<booking>:<1|0>` (came or not); a new workshop: `cw:new`, then typed steps and
`cw:tl:<locale>` (a title in another language) and `cw:n:<choice>[:<value>]` (the choices made
with buttons, each valid only at its own step). Each route is guarded before it runs: staff
bound to the centre it names, or to the centre of the session, booking or draft it touches, so
a forged or old button (or a payload typed on Viber) for another centre is refused like an
expired one. The draft's steps are typed by `handlers.flows.workshop_drafts`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Literal, TypeVar

from handlers.context import Context, rows_of
from handlers.flows import advisers
from handlers.flows.guards import coordinates_some, coordinator_of, staff
from handlers.flows.lookup import coordinated_centre, coordinated_centres, parse_id, signed_up
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, today, typed_day, typed_time, zone
from handlers.flows.workshop_drafts import (
    Draft,
    Planned,
    WithAudience,
    WithCentre,
    WithDate,
    WithKind,
    WithMinutes,
    WithPlaces,
    WithTime,
)
from handlers.flows.workshops import AUDIENCE_NAMES, KIND_NAMES, ctx_button_for, open_session
from handlers.locales import LANGUAGE_NAMES, LOCALES
from handlers.messages import Button, Outgoing
from handlers.model import Audience, Session, WorkshopKind
from handlers.notices import pick_title
from handlers.payloads import CentreId, PayloadError, Step
from handlers.ports import Conflict
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T
from handlers.usecases import workshops as cases

flow = Flow("cw", guard=staff)
PAGE = 8
DURATIONS = (60, 90, 120, 180)

HOME = T("cw.home", "Coordinating workshops. What would you like to do?")
UPCOMING = T("cw.upcoming", "Sessions in the next two weeks at {centre}:")
NONE_UPCOMING = T("cw.none", "No sessions in the next two weeks at {centre}.")
SESSION = T(
    "cw.session",
    "{title}\n{when} ({minutes} min), {centre}\nPlaces taken: {taken} of {capacity}; "
    "waiting: {waiting}",
)
PEOPLE = T("cw.people", "Signed up ({count}). Mark who came: ✅ came, ❌ did not come.")
ASK_CAPACITY = T("cw.ask_capacity", "How many places should it have? Write a number.")
CAPACITY_TOO_LOW = T(
    "cw.capacity_too_low",
    "{taken} people already have a place, so it cannot have fewer than {taken} places.",
)
CAPACITY_SAVED = T("cw.capacity_saved", "Saved: {capacity} places.")
ASK_MOVE = T("cw.ask_move", "New day and time? Write it like 24.11. 16:00")
MOVED = T("cw.moved", "Moved to {when}. Everyone with a place is told.")
CANCEL_ASK = T("cw.cancel_ask", "Cancel this session? {count} people will be told.")
CANCELLED = T("cw.cancelled", "Cancelled. {count} people are being told in their own language.")
ASK_TITLE = T("cw.ask_title", "New workshop. Write its title in {language}.")
MORE_TITLES = T("cw.more_titles", "Title saved. Add it in another language, or go on.")
ASK_TITLE_IN = T("cw.ask_title_in", "Write the title in {language}.")
ASK_KIND = T("cw.ask_kind", "What kind of workshop is it?")
ASK_AUDIENCE = T("cw.ask_audience", "Who is it for?")
ASK_CENTRE = T("cw.ask_centre", "At which centre?")
ASK_DATE = T("cw.ask_date", "On which day? Write it like 24.11.2026")
ASK_TIME = T("cw.ask_time", "At what time does it start? Write it like 16:00")
ASK_MINUTES = T("cw.ask_minutes", "How long does it last?")
ASK_PLACES = T("cw.ask_places", "How many places? Write a number.")
ASK_REPEAT = T(
    "cw.ask_repeat",
    "Does it repeat every week? Write the last day like 15.12.2026, or press the button.",
)
PREVIEW = T(
    "cw.preview",
    "Please check:\n\n{title}\n{kind}, for {audience}\n{centre}\nFirst: {when} ({minutes} min)\n"
    "Sessions: {count}\nPlaces: {capacity}",
)
PUBLISHED = T("cw.published", "Published: {count} sessions. People can sign up now.")
BAD_NUMBER = T("cw.bad_number", "Please write a whole number from 1 to 500.")
BAD_DATE = T("cw.bad_date", "Please write a future day like 24.11.2026.")
BAD_TIME = T("cw.bad_time", "Please write the time like 16:00.")
BAD_TITLE = T("cw.bad_title", "Please write a title of up to 80 characters.")
UNBOUND = T(
    "cw.unbound",
    "You are not linked to a centre yet. Please ask an admin to link you to yours; "
    "then you can coordinate it here.",
)


async def session_centre(ctx: Context, session_id: int) -> int | None:
    """The centre of a session (what its guard checks), if there is such a session."""
    session = await ctx.uow.workshops.session(session_id)
    return session.centre_id if session is not None else None


async def booking_centre(ctx: Context, booking_id: int) -> int | None:
    """The centre of a booking's session, if there is such a booking."""
    booking = await ctx.uow.workshops.booking(booking_id)
    return await session_centre(ctx, booking.session_id) if booking is not None else None


OF_SESSION = coordinator_of("session_id", via=session_centre)
OF_CENTRE = coordinator_of("centre")


# -- sessions ----------------------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """New workshop, or the upcoming sessions at my centre."""
    user = signed_up(ctx)
    ctx.clear_state()
    centres = await coordinated_centres(ctx)
    if not centres:
        return ctx.reply(UNBOUND, [menu_button(ctx)], replace=True)
    rows = [[ctx.button(N_("New workshop"), new.link(), icon="➕")]]
    # The Settings centre only picks which of the bound centres comes first.
    mine = [c for c in centres if c.id == user.centre_id] or centres
    rows += [
        [ctx.button(ctx.centre_name(c), upcoming.link(CentreId(c.id), 0), icon="📅")]
        for c in mine[:1]
    ]
    if len(centres) > 1:
        rows.append([ctx.button(N_("Another centre"), pick_centre.link(), icon="📍")])
    rows.append(
        [ctx.button(N_("Legal advisers"), advisers.home.link(), icon="⚖️"), *menu_button(ctx)]
    )
    return ctx.reply(HOME, rows, replace=True)


@flow.on_button("c")
async def pick_centre(ctx: Context) -> Reply:
    """Sessions at which centre?"""
    buttons = [
        ctx.button(ctx.centre_name(c), upcoming.link(CentreId(c.id), 0))
        for c in await coordinated_centres(ctx)
    ]
    return ctx.reply(ASK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("l", guard=OF_CENTRE)
async def upcoming(ctx: Context, centre: CentreId, page: int) -> Reply:
    """The next two weeks' sessions at a centre."""
    place = await ctx.uow.centres.get(centre)
    if place is None:
        raise Stale
    # From this morning: a session under way still needs its attendance taken.
    start = datetime.combine(today(ctx), time(0), zone(ctx))
    found, total = await ctx.uow.workshops.find(
        centre_id=place.id, kind=None, start=start, end=start + timedelta(days=15),
        limit=PAGE, offset=page * PAGE,
    )  # fmt: skip
    if not found:
        return ctx.reply(
            NONE_UPCOMING, [[ctx.button(N_("Back"), home.link(), icon="◀️")]],
            replace=True, centre=ctx.centre_name(place),
        )  # fmt: skip
    rows = [[Button(ctx_button_for(ctx, s).label, session_admin.link(s.id))] for s in found]
    if (page + 1) * PAGE < total:
        rows.append([ctx.button(N_("More"), upcoming.link(centre, page + 1))])
    rows.append([ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)])
    return ctx.reply(UPCOMING, rows, replace=True, centre=ctx.centre_name(place))


@flow.on_button("s", guard=OF_SESSION)
async def session_admin(ctx: Context, session_id: int) -> Reply:
    """One session: places, waiting list, and what can be done with it."""
    ctx.clear_state()
    return await _session_view(ctx, await open_session(ctx, session_id))


async def _session_view(ctx: Context, session: Session, *, replace: bool = True) -> Outgoing:
    centre = await ctx.uow.centres.get(session.centre_id)
    waiting = await ctx.uow.workshops.people(session.id, "waiting")
    sid = session.id
    rows = [
        [ctx.button(N_("Who is coming"), people.link(sid), icon="👥")],
        [ctx.button(N_("Change places"), ask_capacity.link(sid), icon="🔢"),
         ctx.button(N_("Change time"), ask_move.link(sid), icon="🕓")],
        [ctx.button(N_("Cancel session"), ask_cancel.link(sid), icon="❌")],
        [ctx.button(N_("Back"), upcoming.link(CentreId(session.centre_id), 0), icon="◀️"),
         *menu_button(ctx)],
    ]  # fmt: skip
    return ctx.reply(
        SESSION, rows, replace=replace,
        title=pick_title(session.titles, ctx.locale),
        when=ctx.tr.format_datetime(ctx.locale, session.starts_at), minutes=session.minutes,
        centre=ctx.centre_name(centre) if centre else "", taken=session.taken,
        capacity=session.capacity, waiting=len(waiting),
    )  # fmt: skip


def _back(ctx: Context, session: Session) -> list[list[Button]]:
    return [[ctx.button(N_("Back"), session_admin.link(session.id), icon="◀️")]]


@flow.on_button("p", guard=OF_SESSION)
async def people(ctx: Context, session_id: int) -> Reply:
    """Who has a place, with attendance buttons (first names of children; ids of adults)."""
    session = await open_session(ctx, session_id)
    booked = await ctx.uow.workshops.people(session.id)
    rows = []
    for b in booked:
        who = f"{b.child_name} ({b.child_age})" if b.child_name else f"#{b.user_id}"
        mark = {True: "✅", False: "❌", None: "·"}[b.attended]
        rows.append(
            [Button(f"{mark} {who}", people.link(session.id)),
             Button("✅", attend.link(b.id, True)), Button("❌", attend.link(b.id, False))]
        )  # fmt: skip
    back = ctx.button(N_("Back"), session_admin.link(session.id), icon="◀️")
    rows.append([back, *menu_button(ctx)])
    return ctx.reply(PEOPLE, rows, replace=True, count=len(booked))


@flow.on_button("a", guard=coordinator_of("booking_id", via=booking_centre))
async def attend(ctx: Context, booking_id: int, came: bool) -> Reply:
    """Mark one person as came / did not come."""
    booking = await ctx.uow.workshops.booking(booking_id)
    if booking is None or booking.status != "confirmed":
        raise Stale
    await open_session(ctx, booking.session_id)  # not called off meanwhile
    await ctx.uow.workshops.mark(booking.id, came)
    return await people(ctx, booking.session_id)


@dataclass(frozen=True)
class Changing(Step):
    """Steps `cw.capacity` and `cw.move`: the session whose places or time are being changed."""

    session: int


OF_CHANGED = coordinator_of("session", via=session_centre)


@flow.on_button("cap", guard=OF_SESSION)
async def ask_capacity(ctx: Context, session_id: int) -> Reply:
    """Change the number of places: ask for it."""
    session = await open_session(ctx, session_id)
    ctx.set_state("cw.capacity", **Changing(session.id).data())
    return ctx.reply(ASK_CAPACITY, _back(ctx, session))


@flow.on_state("cw.capacity", guard=OF_CHANGED)
async def set_capacity(ctx: Context, changing: Changing) -> Reply:
    """The new number of places; never below the places already taken."""
    session = await open_session(ctx, changing.session)
    number = _number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_NUMBER, _back(ctx, session))
    if number < session.taken:
        return ctx.reply(CAPACITY_TOO_LOW, _back(ctx, session), taken=session.taken)
    centre = await ctx.uow.centres.get(session.centre_id)
    now = ctx.clock.now()
    try:
        promoted = await ctx.uow.workshops.set_capacity(session.id, number, now)
    except Conflict:
        raise Stale from None  # taken meanwhile: the view shows the new numbers
    for booking in promoted:
        await cases.promoted(
            ctx.uow, ctx.policy, booking, session, centre.name if centre else "", now
        )
    ctx.clear_state()
    updated = await open_session(ctx, session.id)
    return [
        ctx.reply(CAPACITY_SAVED, capacity=number),
        await _session_view(ctx, updated, replace=False),
    ]


@flow.on_button("mv", guard=OF_SESSION)
async def ask_move(ctx: Context, session_id: int) -> Reply:
    """Change the time: ask for the new day and time."""
    session = await open_session(ctx, session_id)
    ctx.set_state("cw.move", **Changing(session.id).data())
    return ctx.reply(ASK_MOVE, _back(ctx, session))


@flow.on_state("cw.move", guard=OF_CHANGED)
async def move(ctx: Context, changing: Changing) -> Reply:
    """Move the session; people with a place keep it and are told, reminders follow."""
    session = await open_session(ctx, changing.session)
    back = _back(ctx, session)
    parts = ctx.incoming.text.split()
    day = typed_day(ctx, parts[0]) if len(parts) == 2 else None
    clock = typed_time(parts[1]) if len(parts) == 2 else None
    if day is None or clock is None or not real_time(ctx, day, clock):
        return ctx.reply(ASK_MOVE, back)
    starts = local(ctx, day, clock)
    if starts <= ctx.clock.now():
        return ctx.reply(BAD_DATE, back)
    centre = await ctx.uow.centres.get(session.centre_id)
    where = centre.name if centre else ""
    moved = await ctx.uow.workshops.move(session.id, starts)
    await cases.session_moved(ctx.uow, ctx.policy, moved, where, ctx.clock.now())
    ctx.clear_state()
    return [ctx.reply(MOVED, when=ctx.tr.format_datetime(ctx.locale, starts)),
            await _session_view(ctx, moved, replace=False)]  # fmt: skip


@flow.on_button("x", guard=OF_SESSION)
async def ask_cancel(ctx: Context, session_id: int) -> Reply:
    """Cancel the session? Says how many people will be told."""
    session = await open_session(ctx, session_id)
    count = session.taken + len(await ctx.uow.workshops.people(session.id, "waiting"))
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel the session"), cancel.link(session.id), icon="❌")],
         [ctx.button(N_("No"), session_admin.link(session.id), icon="◀️")]],
        count=count,
    )  # fmt: skip


@flow.on_button("xx", guard=OF_SESSION)
async def cancel(ctx: Context, session_id: int) -> Reply:
    """Cancel it: places and reminders go, everyone is told through the outbox."""
    session = await open_session(ctx, session_id)
    centre = await ctx.uow.centres.get(session.centre_id)
    told = await cases.cancel_session(
        ctx.uow, session, centre.name if centre else "", ctx.clock.now()
    )
    return ctx.reply(
        CANCELLED, [[ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)]],
        replace=True, count=told,
    )  # fmt: skip


# -- a new workshop, step by step --------------------------------------------------------------
D = TypeVar("D", bound=Draft)


async def _draft(ctx: Context, kind: type[D]) -> D:
    """The workshop being written, as the current step holds it; Stale if it does not fit.

    For button routes, whose guard only knows the person coordinates some centre: once the
    draft names a centre they must still coordinate that very one (a binding taken away
    half-way stops the draft). Typed steps are guarded so by the router already.
    """
    try:
        draft = kind.from_data(ctx.state.data)
    except PayloadError:
        raise Stale from None
    if isinstance(draft, WithCentre):
        await OF_CENTRE(ctx, draft.fields())
    return draft


@flow.on_button("new", guard=coordinates_some)
async def new(ctx: Context) -> Reply:
    """Start: the title in my own language."""
    ctx.set_state("cw.title", **Draft(lang=ctx.locale, titles={}).data())
    return ctx.reply(ASK_TITLE, [menu_button(ctx)], language=LANGUAGE_NAMES[ctx.locale])


@flow.on_state("cw.title", guard=coordinates_some)
async def title(ctx: Context, draft: Draft) -> Reply:
    """A title in one language; then another language, or on."""
    text = " ".join(ctx.incoming.text.split())
    if not text or len(text) > 80:
        return ctx.reply(BAD_TITLE, [menu_button(ctx)])
    draft = draft.with_title(text)
    ctx.set_state("cw.titles", **draft.data())
    others = [
        ctx.button(LANGUAGE_NAMES[loc], title_in.link(loc))
        for loc in LOCALES
        if loc not in draft.titles and loc != "sr_Cyrl"
    ]
    return ctx.reply(
        MORE_TITLES, [*rows_of(others, 3), [ctx.button(N_("Next"), step.link("kind"), icon="▶️")]]
    )


@flow.on_button("tl", guard=coordinates_some)
async def title_in(ctx: Context, locale: str) -> Reply:
    """Add the title in another language."""
    if ctx.state.name != "cw.titles" or locale not in LOCALES:
        raise Stale
    draft = await _draft(ctx, Draft)
    ctx.set_state("cw.title", **replace(draft, lang=locale).data())
    return ctx.reply(ASK_TITLE_IN, [menu_button(ctx)], language=LANGUAGE_NAMES[locale])


Choice = Literal["kind", "aud", "centre", "min", "once", "publish"]
"""What a `cw:n` button answers; its value (a kind, an audience, a centre id, minutes) follows."""


@flow.on_button("n", guard=coordinates_some)
async def step(ctx: Context, field: Choice, value: str = "") -> Reply:
    """A choice made with a button (kind, audience, centre, minutes, no repeat, publish)."""
    # Each button belongs to one step: an old one from an earlier step is stale.
    answer = CHOICES.get((field, ctx.state.name))
    if answer is None:
        raise Stale
    return await answer(ctx, value)


async def _ask_kind(ctx: Context, value: str) -> Reply:
    if value:
        raise Stale
    ctx.set_state("cw.kind", **(await _draft(ctx, Draft)).data())
    buttons = [ctx.button(label, step.link("kind", k.value)) for k, label in KIND_NAMES.items()]
    return ctx.reply(ASK_KIND, rows_of(buttons))


async def _chose_kind(ctx: Context, value: str) -> Reply:
    if value not in set(WorkshopKind):
        raise Stale
    draft = await _draft(ctx, Draft)
    ctx.set_state("cw.audience", **draft.of_kind(WorkshopKind(value)).data())
    buttons = [ctx.button(label, step.link("aud", a.value)) for a, label in AUDIENCE_NAMES.items()]
    return ctx.reply(ASK_AUDIENCE, [buttons])


async def _chose_audience(ctx: Context, value: str) -> Reply:
    if value not in set(Audience):
        raise Stale
    draft = await _draft(ctx, WithKind)
    ctx.set_state("cw.centre", **draft.for_audience(Audience(value)).data())
    centres = await coordinated_centres(ctx)
    buttons = [ctx.button(ctx.centre_name(c), step.link("centre", str(c.id))) for c in centres]
    return ctx.reply(ASK_CENTRE, rows_of(buttons))


async def _chose_centre(ctx: Context, value: str) -> Reply:
    if parse_id(value) is None:
        raise Stale
    draft = await _draft(ctx, WithAudience)
    centre = await coordinated_centre(ctx, value)  # the chosen one, which they must coordinate
    ctx.set_state("cw.date", **draft.at(CentreId(centre.id)).data())
    return ctx.reply(ASK_DATE, [menu_button(ctx)])


async def _chose_minutes(ctx: Context, value: str) -> Reply:
    minutes = parse_id(value)
    if minutes not in DURATIONS:
        raise Stale
    draft = await _draft(ctx, WithTime)
    ctx.set_state("cw.places", **draft.lasting(minutes).data())
    return ctx.reply(ASK_PLACES, [menu_button(ctx)])


async def _once(ctx: Context, value: str) -> Reply:
    draft = await _draft(ctx, WithPlaces)
    planned = draft.until_day(draft.date)
    ctx.set_state("cw.preview", **planned.data())
    return await _preview(ctx, planned)


async def _publish(ctx: Context, value: str) -> Reply:
    draft = await _draft(ctx, Planned)
    ids = await ctx.uow.workshops.create(
        centre_id=draft.centre, titles=draft.titles, kind=draft.kind, audience=draft.audience,
        language=draft.lang, starts=draft.starts(ctx), minutes=draft.minutes,
        capacity=draft.capacity, now=ctx.clock.now(),
    )  # fmt: skip
    ctx.clear_state()
    return ctx.reply(
        PUBLISHED, [[ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)]],
        count=len(ids),
    )  # fmt: skip


@flow.on_state("cw.date", guard=OF_CENTRE)
async def draft_date(ctx: Context, draft: WithCentre) -> Reply:
    """The first day."""
    day = typed_day(ctx, ctx.incoming.text.strip())
    if day is None or day < today(ctx):
        return ctx.reply(BAD_DATE, [menu_button(ctx)])
    ctx.set_state("cw.time", **draft.on(day).data())
    return ctx.reply(ASK_TIME, [menu_button(ctx)])


@flow.on_state("cw.time", guard=OF_CENTRE)
async def draft_time(ctx: Context, draft: WithDate) -> Reply:
    """The start time."""
    clock = typed_time(ctx.incoming.text.strip())
    if clock is None or not real_time(ctx, draft.date, clock):
        return ctx.reply(BAD_TIME, [menu_button(ctx)])
    timed = draft.at_time(clock)
    if local(ctx, draft.date, clock) <= ctx.clock.now():
        ctx.set_state("cw.date", **timed.data())  # today, but already past: the day again
        return ctx.reply(BAD_DATE, [menu_button(ctx)])
    ctx.set_state("cw.minutes", **timed.data())
    buttons = [Button(f"{m} min", step.link("min", str(m))) for m in DURATIONS]
    return ctx.reply(ASK_MINUTES, [buttons])


@flow.on_state("cw.places", guard=OF_CENTRE)
async def draft_places(ctx: Context, draft: WithMinutes) -> Reply:
    """The number of places."""
    number = _number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_NUMBER, [menu_button(ctx)])
    ctx.set_state("cw.repeat", **draft.with_places(number).data())
    return ctx.reply(ASK_REPEAT, [[ctx.button(N_("Only once"), step.link("once"), icon="1️⃣")]])


@flow.on_state("cw.repeat", guard=OF_CENTRE)
async def draft_repeat(ctx: Context, draft: WithPlaces) -> Reply:
    """The last day of a weekly series."""
    until = typed_day(ctx, ctx.incoming.text.strip())
    if until is None or not draft.date <= until <= draft.date + timedelta(days=366):
        return ctx.reply(BAD_DATE, [[ctx.button(N_("Only once"), step.link("once"), icon="1️⃣")]])
    planned = draft.until_day(until)
    ctx.set_state("cw.preview", **planned.data())
    return await _preview(ctx, planned)


async def _preview(ctx: Context, draft: Planned) -> Reply:
    starts = draft.starts(ctx)
    centre = await ctx.uow.centres.get(draft.centre)
    return ctx.reply(
        PREVIEW,
        [[ctx.button(N_("Publish"), step.link("publish"), icon="✅")], menu_button(ctx)],
        title=pick_title(draft.titles, ctx.locale),
        kind=ctx._(KIND_NAMES[draft.kind]), audience=ctx._(AUDIENCE_NAMES[draft.audience]),
        centre=ctx.centre_name(centre) if centre else "",
        when=ctx.tr.format_datetime(ctx.locale, starts[0]), minutes=draft.minutes,
        count=len(starts), capacity=draft.capacity,
    )  # fmt: skip


CHOICES = {
    ("kind", "cw.titles"): _ask_kind,
    ("kind", "cw.kind"): _chose_kind,
    ("aud", "cw.audience"): _chose_audience,
    ("centre", "cw.centre"): _chose_centre,
    ("min", "cw.minutes"): _chose_minutes,
    ("once", "cw.repeat"): _once,
    ("publish", "cw.preview"): _publish,
}
"""Which `cw:n` button answers which step (the step the person is at)."""


# -- helpers -------------------------------------------------------------------------------------
def _number(text: str) -> int | None:
    number = parse_id(text.strip())
    return number if number is not None and 1 <= number <= 500 else None
