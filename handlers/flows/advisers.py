"""Coordinators and admins set advisers up in the chat: weekly hours, slot length, days off.

A coordinator sees the advisers of the centres they are bound to, and only those centres' hours.
Every route is guarded by the centre it changes: the adviser must be one of the person's
centres', and the hours' own centre, the centre hours are added at, and every centre a changed
appointment length reaches must be ones they coordinate; a day off is checked, once the day is
typed, against every centre it reaches. A day off with appointments already booked calls them
off the same way as "I'm ill today": each person is told and offered another time. Routes:
`home`, `a` (one adviser), `rm` (remove hours), `sl` (appointment length), `h` (new hours:
centre, weekday, then the times typed in step `cad.hours`), `off` (then the day typed in step
`cad.off`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from handlers.context import Context, rows_of
from handlers.flows.advise import AWAY_NOTICE, call_off, day_centres
from handlers.flows.guards import staff
from handlers.flows.lookup import STAFF, coordinated_centres, coordinator, coordinator_of
from handlers.flows.menu import menu_button
from handlers.messages import Button
from handlers.model import Adviser, AdviserHours
from handlers.payloads import CentreId, Step
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T

flow = Flow("cad", guard=staff)
Minutes = Literal[20, 30, 45, 60]
SLOTS: tuple[Minutes, ...] = get_args(Minutes)
# `cad:h` leaves out the centre and the weekday until chosen: defaults no payload can carry.
NO_CENTRE, NO_WEEKDAY = CentreId(-1), -1
HOURS = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})\s*[-–]\s*([0-9]{1,2})[:.]([0-9]{2})")

LIST = T("cad.list", "Legal advisers. Choose one to set their hours:")
ADVISER = T("cad.adviser", "{name}: appointments of {minutes} min.\n\nWeekly hours:\n{hours}")
NO_HOURS = T("cad.no_hours", "none yet")
PICK_CENTRE = T("cad.centre", "New hours for {name}: at which centre?")
PICK_DAY = T("cad.day", "On which day of the week?")
ASK_HOURS = T("cad.ask_hours", "From when to when? Write it like 09:00-13:00")
BAD_HOURS = T(
    "cad.bad_hours", "Please write the hours like 09:00-13:00 (the start before the end)."
)
OVERLAP = T("cad.overlap", "{name} already works at that time on that day.")
ASK_OFF = T("cad.ask_off", "Which day is {name} off? Write it like 24.12.2026")
OFF_DONE = T("cad.off_done", "Day off saved. {count} people with an appointment are being told.")
BAD_DAY = T("cad.bad_day", "Please write a day from today on, like 24.12.2026")


@dataclass(frozen=True)
class NewHours(Step):
    """Step `cad.hours`: weekly hours being added for an adviser, the times to come."""

    adviser: int
    centre: CentreId
    weekday: int


@dataclass(frozen=True)
class DayOff(Step):
    """Step `cad.off`: a day off being set for an adviser, the day to come."""

    adviser: int


def _allowed(ctx: Context) -> frozenset[int] | None:
    """The centres the person coordinates (None: every centre); Stale if not staff."""
    return coordinator(ctx).centres_for(*STAFF)


async def _adviser(ctx: Context, adviser: int) -> Adviser:
    """An adviser of a centre the person coordinates; Stale otherwise."""
    found = next((a for a in await ctx.uow.legal.advisers(_allowed(ctx)) if a.id == adviser), None)
    if found is None:
        raise Stale
    return found


def _line(found: Adviser, hours: int) -> AdviserHours:
    """One line of the adviser's weekly hours; Stale if it is not theirs."""
    line = next((h for h in found.hours if h.id == hours), None)
    if line is None:
        raise Stale
    return line


def _every_centre_of(ctx: Context, found: Adviser, centres: set[int] | None = None) -> None:
    """Stale unless the person coordinates every one of these centres (the adviser's own)."""
    for centre_id in {h.centre_id for h in found.hours} if centres is None else centres:
        coordinator_of(ctx, centre_id)


async def _centre(ctx: Context, centre: int) -> None:
    """Stale if no centre has this id (any more)."""
    if await ctx.uow.centres.get(centre) is None:
        raise Stale


# -- guards: the adviser named, and the centres the change reaches --------------------------------
async def _theirs(ctx: Context, args: Mapping[str, Any]) -> None:
    """Staff, and argument `adviser` is an adviser of a centre they coordinate."""
    await _adviser(ctx, args["adviser"])


async def _theirs_here(ctx: Context, args: Mapping[str, Any]) -> None:
    """One of their advisers, and the centre named (once one is) is one they coordinate."""
    await _theirs(ctx, args)
    if "centre" in args:
        coordinator_of(ctx, args["centre"])


async def _their_hours(ctx: Context, args: Mapping[str, Any]) -> None:
    """One of their advisers' lines of hours (`hours`), at a centre they coordinate."""
    line = _line(await _adviser(ctx, args["adviser"]), args["hours"])
    coordinator_of(ctx, line.centre_id)


async def _all_their_centres(ctx: Context, args: Mapping[str, Any]) -> None:
    """One of their advisers, who works only at centres they coordinate (a change reaches all)."""
    _every_centre_of(ctx, await _adviser(ctx, args["adviser"]))


# -- the advisers and their hours -----------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """The advisers of my centres."""
    ctx.clear_state()
    advisers = await ctx.uow.legal.advisers(_allowed(ctx))
    buttons = [ctx.button(a.name, card.link(a.id)) for a in advisers]
    return ctx.reply(LIST, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("a", guard=_theirs)
async def card(ctx: Context, adviser: int) -> Reply:
    """One adviser: hours at my centres (each removable), slot length, day off."""
    ctx.clear_state()
    found = await _adviser(ctx, adviser)
    centres = {c.id: ctx.centre_name(c) for c in await coordinated_centres(ctx)}
    mine = [h for h in found.hours if h.centre_id in centres]  # other centres' stay unseen
    lines = [
        f"{ctx.tr.weekday_name(ctx.locale, h.weekday)} {h.starts}–{h.ends}, {centres[h.centre_id]}"
        for h in mine
    ]
    rows = [
        [Button(f"✖ {line}"[:120], remove.link(found.id, h.id))]
        for line, h in zip(lines, mine, strict=True)
    ]
    rows += [
        [ctx.button(N_("Add hours"), add_hours.link(found.id), icon="➕"),
         ctx.button(N_("Day off"), ask_day_off.link(found.id), icon="🏖")],
        [Button(f"⏱ {m} min", slot.link(found.id, m)) for m in SLOTS],
        [ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)],
    ]  # fmt: skip
    return ctx.reply(
        ADVISER, rows, replace=True, name=found.name, minutes=found.slot_minutes,
        hours="\n".join(lines) or ctx.t(NO_HOURS),
    )  # fmt: skip


@flow.on_button("rm", guard=_their_hours)
async def remove(ctx: Context, adviser: int, hours: int) -> Reply:
    """Remove one line of weekly hours (booked appointments stay)."""
    found = await _adviser(ctx, adviser)
    await ctx.uow.legal.remove_hours(_line(found, hours).id)
    # Their last hours at my centres gone, the adviser is no longer one of mine: the list.
    mine = any(a.id == found.id for a in await ctx.uow.legal.advisers(_allowed(ctx)))
    return await card(ctx, found.id) if mine else await home(ctx)


@flow.on_button("sl", guard=_all_their_centres)
async def slot(ctx: Context, adviser: int, minutes: Minutes) -> Reply:
    """Set the appointment length (it changes the times offered at each of their centres)."""
    found = await _adviser(ctx, adviser)
    await ctx.uow.legal.set_slot(found.id, minutes)
    return await card(ctx, found.id)


@flow.on_button("h", guard=_theirs_here)
async def add_hours(
    ctx: Context, adviser: int, centre: CentreId = NO_CENTRE, weekday: int = NO_WEEKDAY
) -> Reply:
    """New weekly hours: centre (one I coordinate), then weekday, then the times (typed)."""
    found = await _adviser(ctx, adviser)
    if centre == NO_CENTRE:
        buttons = [
            ctx.button(ctx.centre_name(c), add_hours.link(found.id, CentreId(c.id)))
            for c in await coordinated_centres(ctx)
        ]
        return ctx.reply(PICK_CENTRE, rows_of(buttons), name=found.name)
    await _centre(ctx, centre)
    if weekday == NO_WEEKDAY:
        days = [
            Button(ctx.tr.weekday_name(ctx.locale, d), add_hours.link(found.id, centre, d))
            for d in range(7)
        ]
        return ctx.reply(PICK_DAY, rows_of(days, 3))
    if weekday > 6:
        raise Stale
    ctx.set_state("cad.hours", **NewHours(found.id, centre, weekday).data())
    return ctx.reply(ASK_HOURS, [[ctx.button(N_("Back"), card.link(found.id), icon="◀️")]])


@flow.on_state("cad.hours", guard=_theirs_here)
async def typed_hours(ctx: Context, draft: NewHours) -> Reply:
    """`09:00-13:00`; not overlapping the adviser's other hours that weekday."""
    found = await _adviser(ctx, draft.adviser)
    await _centre(ctx, draft.centre)
    back = [[ctx.button(N_("Back"), card.link(found.id), icon="◀️")]]
    match = re.fullmatch(
        r"\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*", ctx.incoming.text
    )
    try:
        start = time(int(match[1]), int(match[2])) if match else None
        end = time(int(match[3]), int(match[4])) if match else None
    except ValueError:
        start = end = None
    if start is None or end is None or start >= end:
        return ctx.reply(BAD_HOURS, back)
    starts, ends = f"{start:%H:%M}", f"{end:%H:%M}"
    weekday = draft.weekday
    if any(h.weekday == weekday and h.starts < ends and starts < h.ends for h in found.hours):
        return ctx.reply(OVERLAP, back, name=found.name)
    await ctx.uow.legal.add_hours(found.id, draft.centre, weekday, starts, ends)
    ctx.clear_state()
    return await card(ctx, found.id)


# -- days off -------------------------------------------------------------------------------------
@flow.on_button("off", guard=_theirs)
async def ask_day_off(ctx: Context, adviser: int) -> Reply:
    """A day off: which day?"""
    found = await _adviser(ctx, adviser)
    ctx.set_state("cad.off", **DayOff(found.id).data())
    return ctx.reply(
        ASK_OFF, [[ctx.button(N_("Back"), card.link(found.id), icon="◀️")]], name=found.name
    )


@flow.on_state("cad.off", guard=_theirs)
async def day_off(ctx: Context, step: DayOff) -> Reply:
    """Block the whole day; anyone booked that day is told and offered another time.

    Only for a coordinator of every centre the day reaches: where the adviser works that
    weekday and where anyone is booked with them that day (known once the day is typed).
    """
    found = await _adviser(ctx, step.adviser)
    tz = ZoneInfo(ctx.policy.timezone)
    today = ctx.clock.now().astimezone(tz).date()
    try:
        d, m, y = (int(p) for p in ctx.incoming.text.strip().rstrip(".").split("."))
        day = date(y, m, d)
    except (ValueError, OverflowError):
        day = None
    if day is None or not today <= day <= today + timedelta(days=730):
        return ctx.reply(BAD_DAY, [[ctx.button(N_("Back"), card.link(found.id), icon="◀️")]])
    start = max(datetime.combine(day, time(0), tz), ctx.clock.now())
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    _every_centre_of(ctx, found, await day_centres(ctx, found, start, end))
    affected = await ctx.uow.legal.block(found.id, start, end)
    for appointment in affected:
        await call_off(ctx, appointment, AWAY_NOTICE)
    ctx.clear_state()
    return ctx.reply(
        OFF_DONE, [[ctx.button(N_("Back"), card.link(found.id), icon="◀️")]], count=len(affected)
    )
