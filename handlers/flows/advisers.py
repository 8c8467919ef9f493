"""Coordinators and admins set advisers up in the chat: weekly hours, slot length, days off.

A coordinator sees the advisers of the centres they are bound to, and only those centres' hours.
Every step checks on the server the centre it changes: the hours' own centre, the centre hours
are added at, every centre a changed appointment length or a day off reaches. A day off with
appointments already booked calls them off the same way as "I'm ill today": each person is told
and offered another time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.context import Context, rows_of
from handlers.flows.advise import AWAY_NOTICE, call_off, day_centres
from handlers.flows.guards import staff
from handlers.flows.lookup import (
    STAFF,
    coordinated_centre,
    coordinated_centres,
    coordinator,
    coordinator_of,
    parse_id,
)
from handlers.flows.menu import menu_button
from handlers.messages import Button
from handlers.model import Adviser
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T

flow = Flow("cad", guard=staff)
SLOTS = (20, 30, 45, 60)
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


def _allowed(ctx: Context) -> frozenset[int] | None:
    """The centres the person coordinates (None: every centre); Stale if not staff."""
    return coordinator(ctx).centres_for(*STAFF)


async def _adviser(ctx: Context, adviser_id: str) -> Adviser:
    """An adviser of a centre the person coordinates; Stale otherwise."""
    number = parse_id(adviser_id)
    found = next((a for a in await ctx.uow.legal.advisers(_allowed(ctx)) if a.id == number), None)
    if found is None:
        raise Stale
    return found


def _every_centre_of(ctx: Context, found: Adviser, centres: set[int] | None = None) -> None:
    """Stale unless the person coordinates every one of these centres (the adviser's own)."""
    for centre_id in {h.centre_id for h in found.hours} if centres is None else centres:
        coordinator_of(ctx, centre_id)


@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """The advisers of my centres."""
    ctx.clear_state()
    advisers = await ctx.uow.legal.advisers(_allowed(ctx))
    buttons = [ctx.button(a.name, f"cad:a:{a.id}") for a in advisers]
    return ctx.reply(LIST, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("a")
async def adviser(ctx: Context, adviser_id: str) -> Reply:
    """One adviser: hours at my centres (each removable), slot length, day off."""
    ctx.clear_state()
    found = await _adviser(ctx, adviser_id)
    centres = {c.id: ctx.centre_name(c) for c in await coordinated_centres(ctx)}
    mine = [h for h in found.hours if h.centre_id in centres]  # other centres' stay unseen
    lines = [
        f"{ctx.tr.weekday_name(ctx.locale, h.weekday)} {h.starts}–{h.ends}, {centres[h.centre_id]}"
        for h in mine
    ]
    rows = [
        [Button(f"✖ {line}"[:120], f"cad:rm:{found.id}:{h.id}")]
        for line, h in zip(lines, mine, strict=True)
    ]
    rows += [
        [ctx.button(N_("Add hours"), f"cad:h:{found.id}", icon="➕"),
         ctx.button(N_("Day off"), f"cad:off:{found.id}", icon="🏖")],
        [Button(f"⏱ {m} min", f"cad:sl:{found.id}:{m}") for m in SLOTS],
        [ctx.button(N_("Back"), "cad:home", icon="◀️"), *menu_button(ctx)],
    ]  # fmt: skip
    return ctx.reply(
        ADVISER, rows, replace=True, name=found.name, minutes=found.slot_minutes,
        hours="\n".join(lines) or ctx.t(NO_HOURS),
    )  # fmt: skip


@flow.on_button("rm")
async def remove(ctx: Context, adviser_id: str, hours_id: str) -> Reply:
    """Remove one line of weekly hours (booked appointments stay)."""
    found = await _adviser(ctx, adviser_id)
    number = parse_id(hours_id)
    line = next((h for h in found.hours if h.id == number), None)
    if line is None:
        raise Stale
    coordinator_of(ctx, line.centre_id)
    await ctx.uow.legal.remove_hours(line.id)
    # Their last hours at my centres gone, the adviser is no longer one of mine: the list.
    mine = any(a.id == found.id for a in await ctx.uow.legal.advisers(_allowed(ctx)))
    return await adviser(ctx, str(found.id)) if mine else await home(ctx)


@flow.on_button("sl")
async def slot(ctx: Context, adviser_id: str, minutes: str) -> Reply:
    """Set the appointment length (it changes the times offered at each of their centres)."""
    found = await _adviser(ctx, adviser_id)
    chosen = parse_id(minutes)
    if chosen is None or chosen not in SLOTS:
        raise Stale
    _every_centre_of(ctx, found)
    await ctx.uow.legal.set_slot(found.id, chosen)
    return await adviser(ctx, str(found.id))


@flow.on_button("h")
async def add_hours(ctx: Context, adviser_id: str, centre_id: str = "", weekday: str = "") -> Reply:
    """New weekly hours: centre (one I coordinate), then weekday, then the times (typed)."""
    found = await _adviser(ctx, adviser_id)
    if not centre_id:
        buttons = [
            ctx.button(ctx.centre_name(c), f"cad:h:{found.id}:{c.id}")
            for c in await coordinated_centres(ctx)
        ]
        return ctx.reply(PICK_CENTRE, rows_of(buttons), name=found.name)
    number = (await coordinated_centre(ctx, centre_id)).id
    if not weekday:
        days = [
            Button(ctx.tr.weekday_name(ctx.locale, d), f"cad:h:{found.id}:{number}:{d}")
            for d in range(7)
        ]
        return ctx.reply(PICK_DAY, rows_of(days, 3))
    day = parse_id(weekday)
    if day is None or day > 6:
        raise Stale
    ctx.set_state("cad.hours", adviser=found.id, centre=number, weekday=day)
    return ctx.reply(ASK_HOURS, [[ctx.button(N_("Back"), f"cad:a:{found.id}", icon="◀️")]])


@flow.on_state("cad.hours")
async def typed_hours(ctx: Context) -> Reply:
    """`09:00-13:00`; not overlapping the adviser's other hours that weekday."""
    data = ctx.state.data
    found = await _adviser(ctx, str(data.get("adviser", "")))
    centre = await coordinated_centre(ctx, str(data.get("centre", "")))
    back = [[ctx.button(N_("Back"), f"cad:a:{found.id}", icon="◀️")]]
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
    weekday = int(data["weekday"])
    if any(h.weekday == weekday and h.starts < ends and starts < h.ends for h in found.hours):
        return ctx.reply(OVERLAP, back, name=found.name)
    await ctx.uow.legal.add_hours(found.id, centre.id, weekday, starts, ends)
    ctx.clear_state()
    return await adviser(ctx, str(found.id))


@flow.on_button("off")
async def ask_day_off(ctx: Context, adviser_id: str) -> Reply:
    """A day off: which day?"""
    found = await _adviser(ctx, adviser_id)
    ctx.set_state("cad.off", adviser=found.id)
    return ctx.reply(
        ASK_OFF, [[ctx.button(N_("Back"), f"cad:a:{found.id}", icon="◀️")]], name=found.name
    )


@flow.on_state("cad.off")
async def day_off(ctx: Context) -> Reply:
    """Block the whole day; anyone booked that day is told and offered another time.

    Only for a coordinator of every centre the day reaches: where the adviser works that
    weekday and where anyone is booked with them that day.
    """
    found = await _adviser(ctx, str(ctx.state.data.get("adviser", "")))
    tz = ZoneInfo(ctx.policy.timezone)
    today = ctx.clock.now().astimezone(tz).date()
    try:
        d, m, y = (int(p) for p in ctx.incoming.text.strip().rstrip(".").split("."))
        day = date(y, m, d)
    except (ValueError, OverflowError):
        day = None
    if day is None or not today <= day <= today + timedelta(days=730):
        return ctx.reply(BAD_DAY, [[ctx.button(N_("Back"), f"cad:a:{found.id}", icon="◀️")]])
    start = max(datetime.combine(day, time(0), tz), ctx.clock.now())
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    _every_centre_of(ctx, found, await day_centres(ctx, found, start, end))
    affected = await ctx.uow.legal.block(found.id, start, end)
    for appointment in affected:
        await call_off(ctx, appointment, AWAY_NOTICE)
    ctx.clear_state()
    return ctx.reply(
        OFF_DONE, [[ctx.button(N_("Back"), f"cad:a:{found.id}", icon="◀️")]], count=len(affected)
    )
