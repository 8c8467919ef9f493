"""The legal adviser's day: today's and this week's appointments, attendance, "I'm ill today".

Every route is for people with the adviser role who are linked to an adviser record, and they
see and act only on appointments and call-backs at the centres they are bound to (`grant …
--centre`): the routes that act are guarded by the centre of the appointment or request itself,
or by every centre the rest of today reaches. Routes: `home`, `d` (the agenda of today `0` or
this week `7`), `a` (attendance), `cb` (call-back requests), `cbd` (called), `ill` (asks, then
`yes` blocks the rest of today).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.flows import guards, lookup
from handlers.flows.legal import TOPIC_NAMES
from handlers.flows.legal import days as legal_days
from handlers.flows.menu import menu_button
from handlers.messages import Button
from handlers.model import Adviser, Appointment, Role
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name, when
from handlers.payloads import CentreId
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T, Text
from handlers.usecases import reminders

flow = Flow("adv", guard=guards.adviser)
Span = Literal["0", "7"]  # today, or the week from today

HOME = T("adv.home", "Your appointments. Which days?")
AGENDA = T("adv.agenda", "Appointments, {days}: {count}. Mark ✅ came or ❌ did not come.")
NONE = T("adv.none", "No appointments {days}.")
ILL_ASK = T(
    "adv.ill_ask",
    "Block the rest of today? {count} people with an appointment will be told and offered "
    "other times.",
)
ILL_DONE = T("adv.ill_done", "Done. Get well soon! {count} people are being told.")
ILL_NOTICE = T(
    "adv.ill_notice",
    "Sorry: your legal advice appointment on {when} at {where} cannot take place, "
    "the adviser is ill. Please choose another time.",
)
CALLBACKS = T("adv.callbacks", "Call-back requests at your centres: {count}.")
AWAY_NOTICE = T(
    "adv.away_notice",
    "Sorry: your legal advice appointment on {when} at {where} cannot take place, "
    "the adviser is away that day. Please choose another time.",
)
UNBOUND = T(
    "adv.unbound",
    "You are not linked to a centre yet. Please ask an admin to link you to the centres "
    "where you give advice.",
)
DAYS: dict[Span, str] = {"0": N_("today"), "7": N_("this week")}


async def _adviser(ctx: Context) -> int:
    """The adviser record linked to the person (the guard checked the role); Stale if none."""
    adviser = await ctx.uow.legal.adviser_of(lookup.signed_up(ctx).id)
    if adviser is None:
        raise Stale
    return adviser


def _centres(ctx: Context) -> frozenset[int] | None:
    """The centres the adviser is bound to (None: every centre)."""
    return lookup.signed_up(ctx).centres_for(Role.ADVISER, Role.ADMIN)


async def _appointment_centre(ctx: Context, appointment: int) -> int | None:
    """The centre of one of the adviser's own appointments; None if it is not theirs."""
    found = await ctx.uow.legal.get(appointment)
    if found is None or found.adviser_id != await _adviser(ctx):
        return None
    return found.centre_id


async def _callback_centre(ctx: Context, callback: int) -> int | None:
    """The centre of an open call-back request where the adviser works; None if not one."""
    found = {c.id: c for c in await ctx.uow.callbacks.open_for(await _adviser(ctx))}
    return found[callback].centre_id if callback in found else None


async def _rest_of_today(ctx: Context, args: Mapping[str, Any]) -> None:
    """An adviser bound to every centre the rest of today reaches (hours today, people booked).

    An absence would otherwise call off another centre's appointments.
    """
    await guards.adviser(ctx, args)
    adviser = await _adviser(ctx)
    (record,) = [a for a in await ctx.uow.legal.advisers() if a.id == adviser]
    end = _midnight(ctx) + timedelta(days=1)
    for centre_id in await day_centres(ctx, record, ctx.clock.now(), end):
        lookup.adviser_of(ctx, centre_id)


@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Today, this week, or "I'm ill today"."""
    await _adviser(ctx)
    if _centres(ctx) == frozenset():
        return ctx.reply(UNBOUND, [menu_button(ctx)], replace=True)
    return ctx.reply(
        HOME,
        [[ctx.button(N_("Today"), agenda.link("0"), icon="📅"),
          ctx.button(N_("This week"), agenda.link("7"), icon="🗓")],
         [ctx.button(N_("Call-back requests"), callbacks.link(), icon="📞")],
         [ctx.button(N_("I'm ill today"), ask_ill.link(), icon="🤒")],
         menu_button(ctx)],
        replace=True,
    )  # fmt: skip


@flow.on_button("d")
async def agenda(ctx: Context, span: Span) -> Reply:
    """The appointments with attendance buttons (people are shown by number, not name)."""
    adviser = await _adviser(ctx)
    start = _midnight(ctx)
    end = start + timedelta(days=max(1, int(span)))
    found = await ctx.uow.legal.agenda(adviser, start, end, centres=_centres(ctx))
    days = ctx._(DAYS[span])
    back = [ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)]
    if not found:
        return ctx.reply(NONE, [back], replace=True, days=days)
    rows = [_row(ctx, a, span) for a in found]
    return ctx.reply(AGENDA, [*rows, back], replace=True, days=days, count=len(found))


def _row(ctx: Context, a: Appointment, span: Span) -> list[Button]:
    local = a.starts_at.astimezone(ZoneInfo(ctx.policy.timezone))
    mark = {"attended": "✅", "no_show": "❌"}.get(a.status, "·")
    day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
    label = f"{mark} {day} {local:%H:%M} · {ctx._(TOPIC_NAMES[a.topic])} · #{a.user_id}"
    if a.starts_at > ctx.clock.now():
        return [Button(label[:120], agenda.link(span))]  # attendance once it has begun
    return [
        Button(label[:120], agenda.link(span)),
        Button("✅", attendance.link(a.id, True, span)),
        Button("❌", attendance.link(a.id, False, span)),
    ]


@flow.on_button("a", guard=guards.adviser_of("appointment", via=_appointment_centre))
async def attendance(ctx: Context, appointment: int, came: bool, span: Span) -> Reply:
    """Mark one of the adviser's own appointments attended or missed."""
    found = await ctx.uow.legal.get(appointment)
    if found is None or found.status == "cancelled" or found.starts_at > ctx.clock.now():
        raise Stale  # only once it has begun: a future one must stay movable and cancellable
    await ctx.uow.legal.mark(found.id, "attended" if came else "no_show")
    return await agenda(ctx, span)


@flow.on_button("cb")
async def callbacks(ctx: Context) -> Reply:
    """Open call-back requests at my centres: the number, topic and when it came in."""
    adviser = await _adviser(ctx)
    found = await ctx.uow.callbacks.open_for(adviser, centres=_centres(ctx))
    rows = []
    for c in found:
        local = c.created_at.astimezone(ZoneInfo(ctx.policy.timezone))
        label = f"📞 {c.phone} · {ctx._(TOPIC_NAMES[c.topic])} · {local:%d.%m. %H:%M}"
        rows.append(
            [Button(label[:120], callbacks.link()),
             ctx.button(N_("Called"), called.link(c.id), icon="✅")]
        )  # fmt: skip
    rows.append([ctx.button(N_("Back"), home.link(), icon="◀️"), *menu_button(ctx)])
    return ctx.reply(CALLBACKS, rows, replace=True, count=len(found))


@flow.on_button("cbd", guard=guards.adviser_of("callback", via=_callback_centre))
async def called(ctx: Context, callback: int) -> Reply:
    """Called: the request closes and the number is erased."""
    await ctx.uow.callbacks.done(callback)
    return await callbacks(ctx)


@flow.on_button("ill", guard=_rest_of_today)
async def ask_ill(ctx: Context, sure: Literal["yes", "no"] = "no") -> Reply:
    """Block the rest of today: ask first, then tell everyone booked and offer other times."""
    adviser = await _adviser(ctx)
    now = ctx.clock.now()
    end = _midnight(ctx) + timedelta(days=1)
    if sure != "yes":
        booked = [a for a in await ctx.uow.legal.agenda(adviser, now, end) if a.status == "booked"]
        return ctx.reply(
            ILL_ASK,
            [[ctx.button(N_("Yes, block today"), ask_ill.link("yes"), icon="🤒")],
             [ctx.button(N_("No"), home.link(), icon="◀️")]],
            count=len(booked),
        )  # fmt: skip
    affected = await ctx.uow.legal.block(adviser, now, end)
    for a in affected:
        await call_off(ctx, a)
    return ctx.reply(ILL_DONE, [menu_button(ctx)], count=len(affected))


async def call_off(ctx: Context, a: Appointment, text: Text = ILL_NOTICE) -> None:
    """One appointment off: slot, reminders, and a notice with the way to a new time."""
    now = ctx.clock.now()
    centre = await ctx.uow.centres.get(a.centre_id)
    await ctx.uow.legal.cancel(a.id)
    await reminders.cancel(ctx.uow, ref=f"legal:{a.id}", now=now)
    notice = Notice.of(
        text,
        [[NoticeButton(N_("Choose another time"), legal_days.link(a.topic, CentreId(a.centre_id)),
                       "🕓")]],
        when=when(a.starts_at), where=name(centre.name if centre else ""),
    )  # fmt: skip
    await ctx.uow.outbox.enqueue(
        a.user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
    )


async def day_centres(ctx: Context, adviser: Adviser, start: datetime, end: datetime) -> set[int]:
    """The centres an absence in [start, end) reaches: hours on those weekdays, people booked."""
    tz = ZoneInfo(ctx.policy.timezone)
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz)
    weekdays = {
        (first + timedelta(days=n)).weekday() for n in range((last.date() - first).days + 1)
    }
    booked = await ctx.uow.legal.agenda(adviser.id, start, end)
    return {h.centre_id for h in adviser.hours if h.weekday in weekdays} | {
        a.centre_id for a in booked if a.status == "booked"
    }


def _midnight(ctx: Context) -> datetime:
    tz = ZoneInfo(ctx.policy.timezone)
    return datetime.combine(ctx.clock.now().astimezone(tz).date(), time(0), tz)
