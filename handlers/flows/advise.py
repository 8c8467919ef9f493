"""The legal adviser's day: today's and this week's appointments, attendance, "I'm ill today".

Only people with the adviser role who are linked to an adviser record get in, and they see and
act only on appointments and call-backs at the centres they are bound to (`grant … --centre`);
every step checks it on the server, from the appointment's or request's own centre.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.context import Context
from handlers.flows.guards import adviser
from handlers.flows.legal import TOPIC_NAMES
from handlers.flows.lookup import adviser_of, parse_id
from handlers.flows.menu import menu_button
from handlers.messages import Button
from handlers.model import Adviser, Appointment, Role
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton, name, when
from handlers.router import Flow, Reply, Stale
from handlers.texts import N_, T, Text
from handlers.usecases import reminders

flow = Flow("adv", guard=adviser)

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
DAYS = {"0": N_("today"), "7": N_("this week")}


async def _adviser(ctx: Context) -> int:
    """The adviser record of the person; Stale for anyone else."""
    if ctx.user is None or not ctx.user.has_role(Role.ADVISER):
        raise Stale
    adviser = await ctx.uow.legal.adviser_of(ctx.user.id)
    if adviser is None:
        raise Stale
    return adviser


def _centres(ctx: Context) -> frozenset[int] | None:
    """The centres the adviser is bound to (None: every centre)."""
    assert ctx.user is not None  # _adviser has checked
    return ctx.user.centres_for(Role.ADVISER, Role.ADMIN)


@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Today, this week, or "I'm ill today"."""
    await _adviser(ctx)
    if _centres(ctx) == frozenset():
        return ctx.reply(UNBOUND, [menu_button(ctx)], replace=True)
    return ctx.reply(
        HOME,
        [[ctx.button(N_("Today"), "adv:d:0", icon="📅"),
          ctx.button(N_("This week"), "adv:d:7", icon="🗓")],
         [ctx.button(N_("Call-back requests"), "adv:cb", icon="📞")],
         [ctx.button(N_("I'm ill today"), "adv:ill", icon="🤒")],
         menu_button(ctx)],
        replace=True,
    )  # fmt: skip


@flow.on_button("d")
async def agenda(ctx: Context, span: str) -> Reply:
    """The appointments with attendance buttons (people are shown by number, not name)."""
    adviser = await _adviser(ctx)
    if span not in DAYS:
        raise Stale
    start = _midnight(ctx)
    end = start + timedelta(days=max(1, int(span)))
    found = await ctx.uow.legal.agenda(adviser, start, end, centres=_centres(ctx))
    days = ctx._(DAYS[span])
    back = [ctx.button(N_("Back"), "adv:home", icon="◀️"), *menu_button(ctx)]
    if not found:
        return ctx.reply(NONE, [back], replace=True, days=days)
    rows = [_row(ctx, a, span) for a in found]
    return ctx.reply(AGENDA, [*rows, back], replace=True, days=days, count=len(found))


def _row(ctx: Context, a: Appointment, span: str) -> list[Button]:
    local = a.starts_at.astimezone(ZoneInfo(ctx.policy.timezone))
    mark = {"attended": "✅", "no_show": "❌"}.get(a.status, "·")
    day = ctx.tr.weekday_name(ctx.locale, local.weekday())[:3]
    label = f"{mark} {day} {local:%H:%M} · {ctx._(TOPIC_NAMES[a.topic])} · #{a.user_id}"
    if a.starts_at > ctx.clock.now():
        return [Button(label[:120], f"adv:d:{span}")]  # attendance once it has begun
    return [
        Button(label[:120], f"adv:d:{span}"),
        Button("✅", f"adv:a:{a.id}:1:{span}"),
        Button("❌", f"adv:a:{a.id}:0:{span}"),
    ]


@flow.on_button("a")
async def attendance(ctx: Context, appointment_id: str, came: str, span: str) -> Reply:
    """Mark one appointment attended or missed (only the adviser's own)."""
    adviser = await _adviser(ctx)
    number = parse_id(appointment_id)
    found = await ctx.uow.legal.get(number) if number is not None else None
    if found is None or found.adviser_id != adviser or came not in ("0", "1"):
        raise Stale
    adviser_of(ctx, found.centre_id)
    if found.status == "cancelled" or found.starts_at > ctx.clock.now():
        raise Stale  # only once it has begun: a future one must stay movable and cancellable
    await ctx.uow.legal.mark(found.id, "attended" if came == "1" else "no_show")
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
            [Button(label[:120], "adv:cb"), ctx.button(N_("Called"), f"adv:cbd:{c.id}", icon="✅")]
        )
    rows.append([ctx.button(N_("Back"), "adv:home", icon="◀️"), *menu_button(ctx)])
    return ctx.reply(CALLBACKS, rows, replace=True, count=len(found))


@flow.on_button("cbd")
async def called(ctx: Context, callback_id: str) -> Reply:
    """Called: the request closes and the number is erased."""
    adviser = await _adviser(ctx)
    number = parse_id(callback_id)
    mine = {c.id: c for c in await ctx.uow.callbacks.open_for(adviser, centres=_centres(ctx))}
    if number is None or number not in mine:
        raise Stale
    adviser_of(ctx, mine[number].centre_id)
    await ctx.uow.callbacks.done(number)
    return await callbacks(ctx)


@flow.on_button("ill")
async def ask_ill(ctx: Context, sure: str = "") -> Reply:
    """Block the rest of today: ask first, then tell everyone booked and offer other times.

    Only if every centre the rest of today reaches (hours today, people booked) is one the
    adviser is bound to: the absence would otherwise call off another centre's appointments.
    """
    adviser = await _adviser(ctx)
    now = ctx.clock.now()
    end = _midnight(ctx) + timedelta(days=1)
    (record,) = [a for a in await ctx.uow.legal.advisers() if a.id == adviser]
    for centre_id in await day_centres(ctx, record, now, end):
        adviser_of(ctx, centre_id)
    if sure != "yes":
        booked = [a for a in await ctx.uow.legal.agenda(adviser, now, end) if a.status == "booked"]
        return ctx.reply(
            ILL_ASK,
            [[ctx.button(N_("Yes, block today"), "adv:ill:yes", icon="🤒")],
             [ctx.button(N_("No"), "adv:home", icon="◀️")]],
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
        [[NoticeButton(N_("Choose another time"), f"lg:d:{a.topic.value}:{a.centre_id}", "🕓")]],
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
