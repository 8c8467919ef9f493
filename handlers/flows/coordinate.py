"""Workshops for coordinators: publish one (guided), change or cancel a session, attendance.

Every handler checks on the server that the person may coordinate the centre of what it touches
(`lookup.coordinator_of`, from the session's own centre or the draft's chosen one), so a forged or
old button, or a payload typed on Viber, for another centre is refused like an expired one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from handlers.context import Context, rows_of
from handlers.flows.guards import staff
from handlers.flows.lookup import (
    coordinated_centre,
    coordinated_centres,
    coordinator,
    coordinator_of,
    parse_id,
)
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time, zone
from handlers.flows.workshops import AUDIENCE_NAMES, KIND_NAMES, ctx_button_for, open_session
from handlers.locales import LANGUAGE_NAMES, LOCALES
from handlers.messages import Button, Outgoing
from handlers.model import Audience, Session, WorkshopKind
from handlers.notices import pick_title
from handlers.ports import Conflict
from handlers.router import Flow, Reply, Stale
from handlers.rules import workshops as rules
from handlers.texts import N_, T

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


@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """New workshop, or the upcoming sessions at my centre."""
    user = coordinator(ctx)
    ctx.clear_state()
    centres = await coordinated_centres(ctx)
    if not centres:
        return ctx.reply(UNBOUND, [menu_button(ctx)], replace=True)
    rows = [[ctx.button(N_("New workshop"), "cw:new", icon="➕")]]
    # The Settings centre only picks which of the bound centres comes first.
    mine = [c for c in centres if c.id == user.centre_id] or centres
    rows += [[ctx.button(ctx.centre_name(c), f"cw:l:{c.id}:0", icon="📅")] for c in mine[:1]]
    if len(centres) > 1:
        rows.append([ctx.button(N_("Another centre"), "cw:c", icon="📍")])
    rows.append([ctx.button(N_("Legal advisers"), "cad:home", icon="⚖️"), *menu_button(ctx)])
    return ctx.reply(HOME, rows, replace=True)


@flow.on_button("c")
async def pick_centre(ctx: Context) -> Reply:
    """Sessions at which centre?"""
    buttons = [
        ctx.button(ctx.centre_name(c), f"cw:l:{c.id}:0") for c in await coordinated_centres(ctx)
    ]
    return ctx.reply(ASK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("l")
async def upcoming(ctx: Context, centre_id: str, page: str) -> Reply:
    """The next two weeks' sessions at a centre."""
    centre = await coordinated_centre(ctx, centre_id)
    if parse_id(page) is None:
        raise Stale
    # From this morning: a session under way still needs its attendance taken.
    today = datetime.combine(ctx.clock.now().astimezone(zone(ctx)).date(), time(0), zone(ctx))
    found, total = await ctx.uow.workshops.find(
        centre_id=centre.id, kind=None, start=today, end=today + timedelta(days=15),
        limit=PAGE, offset=int(page) * PAGE,
    )  # fmt: skip
    if not found:
        return ctx.reply(
            NONE_UPCOMING, [[ctx.button(N_("Back"), "cw:home", icon="◀️")]],
            replace=True, centre=ctx.centre_name(centre),
        )  # fmt: skip
    rows = [[Button(ctx_button_for(ctx, s).label, f"cw:s:{s.id}")] for s in found]
    if (int(page) + 1) * PAGE < total:
        rows.append([ctx.button(N_("More"), f"cw:l:{centre.id}:{int(page) + 1}")])
    rows.append([ctx.button(N_("Back"), "cw:home", icon="◀️"), *menu_button(ctx)])
    return ctx.reply(UPCOMING, rows, replace=True, centre=ctx.centre_name(centre))


@flow.on_button("s")
async def session_admin(ctx: Context, session_id: str) -> Reply:
    """One session: places, waiting list, and what can be done with it."""
    ctx.clear_state()
    session = await _session(ctx, session_id)
    return await _session_view(ctx, session)


async def _session_view(ctx: Context, session: Session, *, replace: bool = True) -> Outgoing:
    centre = await ctx.uow.centres.get(session.centre_id)
    waiting = await ctx.uow.workshops.people(session.id, "waiting")
    sid = session.id
    rows = [
        [ctx.button(N_("Who is coming"), f"cw:p:{sid}", icon="👥")],
        [ctx.button(N_("Change places"), f"cw:cap:{sid}", icon="🔢"),
         ctx.button(N_("Change time"), f"cw:mv:{sid}", icon="🕓")],
        [ctx.button(N_("Cancel session"), f"cw:x:{sid}", icon="❌")],
        [ctx.button(N_("Back"), f"cw:l:{session.centre_id}:0", icon="◀️"), *menu_button(ctx)],
    ]  # fmt: skip
    return ctx.reply(
        SESSION, rows, replace=replace,
        title=pick_title(session.titles, ctx.locale),
        when=ctx.tr.format_datetime(ctx.locale, session.starts_at), minutes=session.minutes,
        centre=ctx.centre_name(centre) if centre else "", taken=session.taken,
        capacity=session.capacity, waiting=len(waiting),
    )  # fmt: skip


@flow.on_button("p")
async def people(ctx: Context, session_id: str) -> Reply:
    """Who has a place, with attendance buttons (first names of children; ids of adults)."""
    session = await _session(ctx, session_id)
    booked = await ctx.uow.workshops.people(session.id)
    rows = []
    for b in booked:
        who = f"{b.child_name} ({b.child_age})" if b.child_name else f"#{b.user_id}"
        mark = {True: "✅", False: "❌", None: "·"}[b.attended]
        rows.append(
            [Button(f"{mark} {who}", f"cw:p:{session.id}"),
             Button("✅", f"cw:a:{b.id}:1"), Button("❌", f"cw:a:{b.id}:0")]
        )  # fmt: skip
    rows.append([ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️"), *menu_button(ctx)])
    return ctx.reply(PEOPLE, rows, replace=True, count=len(booked))


@flow.on_button("a")
async def attend(ctx: Context, booking_id: str, came: str) -> Reply:
    """Mark one person as came / did not come."""
    coordinator(ctx)
    number = parse_id(booking_id)
    booking = await ctx.uow.workshops.booking(number) if number is not None else None
    if booking is None or booking.status != "confirmed" or came not in ("0", "1"):
        raise Stale
    await _session(ctx, str(booking.session_id))  # the booking's own centre
    await ctx.uow.workshops.mark(booking.id, came == "1")
    return await people(ctx, str(booking.session_id))


@flow.on_button("cap")
async def ask_capacity(ctx: Context, session_id: str) -> Reply:
    """Change the number of places: ask for it."""
    session = await _session(ctx, session_id)
    ctx.set_state("cw.capacity", session=session.id)
    return ctx.reply(ASK_CAPACITY, [[ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️")]])


@flow.on_state("cw.capacity")
async def set_capacity(ctx: Context) -> Reply:
    """The new number of places; never below the places already taken."""
    session = await _session(ctx, str(ctx.state.data.get("session", "")))
    number = _number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_NUMBER, [[ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️")]])
    if number < session.taken:
        return ctx.reply(
            CAPACITY_TOO_LOW, [[ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️")]],
            taken=session.taken,
        )  # fmt: skip
    centre = await ctx.uow.centres.get(session.centre_id)
    now = ctx.clock.now()
    try:
        promoted = await ctx.uow.workshops.set_capacity(session.id, number, now)
    except Conflict:
        raise Stale from None  # taken meanwhile: the view shows the new numbers
    for booking in promoted:
        await rules.promoted(
            ctx.uow, ctx.policy, booking, session, centre.name if centre else "", now
        )
    ctx.clear_state()
    updated = await _session(ctx, str(session.id))
    return [
        ctx.reply(CAPACITY_SAVED, capacity=number),
        await _session_view(ctx, updated, replace=False),
    ]


@flow.on_button("mv")
async def ask_move(ctx: Context, session_id: str) -> Reply:
    """Change the time: ask for the new day and time."""
    session = await _session(ctx, session_id)
    ctx.set_state("cw.move", session=session.id)
    return ctx.reply(ASK_MOVE, [[ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️")]])


@flow.on_state("cw.move")
async def move(ctx: Context) -> Reply:
    """Move the session; people with a place keep it and are told, reminders follow."""
    session = await _session(ctx, str(ctx.state.data.get("session", "")))
    back = [[ctx.button(N_("Back"), f"cw:s:{session.id}", icon="◀️")]]
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
    await rules.session_moved(ctx.uow, ctx.policy, moved, where, ctx.clock.now())
    ctx.clear_state()
    return [ctx.reply(MOVED, when=ctx.tr.format_datetime(ctx.locale, starts)),
            await _session_view(ctx, moved, replace=False)]  # fmt: skip


@flow.on_button("x")
async def ask_cancel(ctx: Context, session_id: str) -> Reply:
    """Cancel the session? Says how many people will be told."""
    session = await _session(ctx, session_id)
    count = session.taken + len(await ctx.uow.workshops.people(session.id, "waiting"))
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel the session"), f"cw:xx:{session.id}", icon="❌")],
         [ctx.button(N_("No"), f"cw:s:{session.id}", icon="◀️")]],
        count=count,
    )  # fmt: skip


@flow.on_button("xx")
async def cancel(ctx: Context, session_id: str) -> Reply:
    """Cancel it: places and reminders go, everyone is told through the outbox."""
    session = await _session(ctx, session_id)
    centre = await ctx.uow.centres.get(session.centre_id)
    told = await rules.cancel_session(
        ctx.uow, session, centre.name if centre else "", ctx.clock.now()
    )
    return ctx.reply(
        CANCELLED, [[ctx.button(N_("Back"), "cw:home", icon="◀️"), *menu_button(ctx)]],
        replace=True, count=told,
    )  # fmt: skip


# -- a new workshop, step by step --------------------------------------------------------------
@flow.on_button("new")
async def new(ctx: Context) -> Reply:
    """Start: the title in my own language."""
    if not await coordinated_centres(ctx):
        raise Stale
    ctx.set_state("cw.title", lang=ctx.locale, titles={})
    return ctx.reply(ASK_TITLE, [menu_button(ctx)], language=LANGUAGE_NAMES[ctx.locale])


@flow.on_state("cw.title")
async def title(ctx: Context) -> Reply:
    """A title in one language; then another language, or on."""
    await _drafting(ctx)
    text = " ".join(ctx.incoming.text.split())
    if not text or len(text) > 80:
        return ctx.reply(BAD_TITLE, [menu_button(ctx)])
    data = dict(ctx.state.data)
    lang = "sr" if data["lang"] == "sr_Cyrl" else data["lang"]
    data["titles"] = {**data["titles"], lang: text}
    ctx.set_state("cw.titles", **data)
    others = [
        ctx.button(LANGUAGE_NAMES[loc], f"cw:tl:{loc}")
        for loc in LOCALES
        if loc not in data["titles"] and loc != "sr_Cyrl"
    ]
    return ctx.reply(
        MORE_TITLES, [*rows_of(others, 3), [ctx.button(N_("Next"), "cw:n:kind", icon="▶️")]]
    )


@flow.on_button("tl")
async def title_in(ctx: Context, locale: str) -> Reply:
    """Add the title in another language."""
    await _drafting(ctx, "cw.titles")
    if locale not in LOCALES:
        raise Stale
    ctx.set_state("cw.title", **{**ctx.state.data, "lang": locale})
    return ctx.reply(ASK_TITLE_IN, [menu_button(ctx)], language=LANGUAGE_NAMES[locale])


@flow.on_button("n")
async def step(ctx: Context, field: str, value: str = "") -> Reply:
    """A choice made with a button (kind, audience, centre, minutes, no repeat)."""
    data = await _drafting(ctx)
    # Each button belongs to one step: an old one from an earlier step is stale.
    has = set(data)
    if field == "kind" and not value and ctx.state.name == "cw.titles":
        buttons = [ctx.button(label, f"cw:n:kind:{k.value}") for k, label in KIND_NAMES.items()]
        ctx.set_state("cw.kind", **data)
        return ctx.reply(ASK_KIND, rows_of(buttons))
    if field == "kind" and ctx.state.name == "cw.kind" and value in set(WorkshopKind):
        ctx.set_state("cw.audience", **{**data, "kind": value})
        buttons = [ctx.button(label, f"cw:n:aud:{a.value}") for a, label in AUDIENCE_NAMES.items()]
        return ctx.reply(ASK_AUDIENCE, [buttons])
    if field == "aud" and ctx.state.name == "cw.audience" and value in set(Audience):
        ctx.set_state("cw.centre", **{**data, "audience": value})
        centres = await coordinated_centres(ctx)
        buttons = [ctx.button(ctx.centre_name(c), f"cw:n:centre:{c.id}") for c in centres]
        return ctx.reply(ASK_CENTRE, rows_of(buttons))
    number = parse_id(value)
    if field == "centre" and ctx.state.name == "cw.centre" and number is not None:
        centre = await coordinated_centre(ctx, value)
        ctx.set_state("cw.date", **{**data, "centre": centre.id})
        return ctx.reply(ASK_DATE, [menu_button(ctx)])
    if field == "min" and ctx.state.name == "cw.minutes" and number in DURATIONS:
        ctx.set_state("cw.places", **{**data, "minutes": number})
        return ctx.reply(ASK_PLACES, [menu_button(ctx)])
    if field == "once" and ctx.state.name == "cw.repeat" and "date" in has:
        ctx.set_state("cw.preview", **{**data, "until": data["date"]})
        return await _preview(ctx)
    if field == "publish" and ctx.state.name == "cw.preview" and has >= REQUIRED:
        return await _publish(ctx)
    raise Stale


@flow.on_state("cw.date")
async def draft_date(ctx: Context) -> Reply:
    """The first day."""
    await _drafting(ctx)
    day = typed_day(ctx, ctx.incoming.text.strip())
    if day is None or day < ctx.clock.now().astimezone(zone(ctx)).date():
        return ctx.reply(BAD_DATE, [menu_button(ctx)])
    ctx.set_state("cw.time", **{**ctx.state.data, "date": day.isoformat()})
    return ctx.reply(ASK_TIME, [menu_button(ctx)])


@flow.on_state("cw.time")
async def draft_time(ctx: Context) -> Reply:
    """The start time."""
    await _drafting(ctx)
    clock = typed_time(ctx.incoming.text.strip())
    if clock is None or not real_time(ctx, date.fromisoformat(ctx.state.data["date"]), clock):
        return ctx.reply(BAD_TIME, [menu_button(ctx)])
    data = {**ctx.state.data, "time": clock.strftime("%H:%M")}
    if local(ctx, date.fromisoformat(data["date"]), clock) <= ctx.clock.now():
        ctx.set_state("cw.date", **data)
        return ctx.reply(BAD_DATE, [menu_button(ctx)])
    ctx.set_state("cw.minutes", **data)
    buttons = [Button(f"{m} min", f"cw:n:min:{m}") for m in DURATIONS]
    return ctx.reply(ASK_MINUTES, [buttons])


@flow.on_state("cw.places")
async def draft_places(ctx: Context) -> Reply:
    """The number of places."""
    await _drafting(ctx)
    number = _number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_NUMBER, [menu_button(ctx)])
    ctx.set_state("cw.repeat", **{**ctx.state.data, "capacity": number})
    return ctx.reply(ASK_REPEAT, [[ctx.button(N_("Only once"), "cw:n:once", icon="1️⃣")]])


@flow.on_state("cw.repeat")
async def draft_repeat(ctx: Context) -> Reply:
    """The last day of a weekly series."""
    await _drafting(ctx)
    data = ctx.state.data
    until = typed_day(ctx, ctx.incoming.text.strip())
    first = date.fromisoformat(data["date"])
    if until is None or not first <= until <= first + timedelta(days=366):
        return ctx.reply(BAD_DATE, [[ctx.button(N_("Only once"), "cw:n:once", icon="1️⃣")]])
    ctx.set_state("cw.preview", **{**data, "until": until.isoformat()})
    return await _preview(ctx)


def _starts(ctx: Context, data: dict[str, Any]) -> list[datetime]:
    first, until = date.fromisoformat(data["date"]), date.fromisoformat(data["until"])
    clock = time.fromisoformat(data["time"])
    days = [first + timedelta(weeks=w) for w in range((until - first).days // 7 + 1)]
    return [local(ctx, d, clock) for d in days]


async def _preview(ctx: Context) -> Reply:
    data = ctx.state.data
    starts = _starts(ctx, data)
    centre = await ctx.uow.centres.get(int(data["centre"]))
    return ctx.reply(
        PREVIEW,
        [[ctx.button(N_("Publish"), "cw:n:publish", icon="✅")], menu_button(ctx)],
        title=pick_title(data["titles"], ctx.locale),
        kind=ctx._(KIND_NAMES[WorkshopKind(data["kind"])]),
        audience=ctx._(AUDIENCE_NAMES[Audience(data["audience"])]),
        centre=ctx.centre_name(centre) if centre else "",
        when=ctx.tr.format_datetime(ctx.locale, starts[0]), minutes=data["minutes"],
        count=len(starts), capacity=data["capacity"],
    )  # fmt: skip


async def _publish(ctx: Context) -> Reply:
    data = ctx.state.data
    coordinator_of(ctx, int(data["centre"]))  # once more, right before it is stored
    ids = await ctx.uow.workshops.create(
        centre_id=int(data["centre"]), titles=data["titles"], kind=WorkshopKind(data["kind"]),
        audience=Audience(data["audience"]), language=data["lang"],
        starts=_starts(ctx, data), minutes=int(data["minutes"]),
        capacity=int(data["capacity"]), now=ctx.clock.now(),
    )  # fmt: skip
    ctx.clear_state()
    return ctx.reply(
        PUBLISHED, [[ctx.button(N_("Back"), "cw:home", icon="◀️"), *menu_button(ctx)]],
        count=len(ids),
    )  # fmt: skip


# -- helpers -------------------------------------------------------------------------------------
REQUIRED = {"titles", "lang", "kind", "audience", "centre", "date", "time", "minutes",
            "capacity", "until"}  # fmt: skip


async def _session(ctx: Context, session_id: str) -> Session:
    """A scheduled session, if the person may coordinate its centre; Stale otherwise."""
    coordinator(ctx)
    number = parse_id(session_id)
    if number is None:
        raise Stale
    session = await open_session(ctx, number)
    coordinator_of(ctx, session.centre_id)
    return session


async def _drafting(ctx: Context, *names: str) -> dict[str, Any]:
    """The workshop being written, if the person may still coordinate its centre; else Stale.

    Before a centre is chosen, the person must coordinate at least one; after, that very one
    (a binding taken away half-way stops the draft). An old or other dialogue's button is stale.
    """
    coordinator(ctx)
    if not ctx.state.name.startswith("cw.") or "titles" not in ctx.state.data:
        raise Stale
    if names and ctx.state.name not in names:
        raise Stale
    data = dict(ctx.state.data)
    if "centre" in data:
        coordinator_of(ctx, int(data["centre"]))
    elif not await coordinated_centres(ctx):
        raise Stale
    return data


def _number(text: str) -> int | None:
    number = parse_id(text.strip())
    return number if number is not None and 1 <= number <= 500 else None
