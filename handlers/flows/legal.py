"""Legal advice for participants: topic → centre → day → time → booked; move or cancel it.

One upcoming appointment per person. The routes take typed arguments (the router writes and
reads them): a topic, a centre, a day (written 20261209), a time as minutes since the epoch and,
when an appointment is being moved, that appointment (left out for a new booking). Routes:
`home`, `t` (a topic chosen), `c` (centres), `d` (days), `h` (times of a day), `ok` (confirm),
`bk` (book), `cb` (call me back, then the number typed in step `lg.phone`), `x` / `xx`
(cancel). Everyone who agreed to the notice may use them; cancelling, and booking a move,
only on the person's own upcoming appointment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from handlers.calendar import session_ics
from handlers.context import Context, rows_of
from handlers.flows.events import cancels
from handlers.flows.guards import person
from handlers.flows.lookup import open_centre, parse_id, phone_number, signed_up
from handlers.flows.menu import main_menu, menu_button, show_menu
from handlers.messages import Button, Outgoing
from handlers.model import Appointment, Centre, Topic
from handlers.notices import PRIORITY_DIRECT, Notice, name, when, word
from handlers.payloads import CentreId, Compact, Step
from handlers.router import Flow, Guard, Reply, Stale
from handlers.rules.slots import Slot, free_slots
from handlers.texts import N_, T, Text
from handlers.usecases import reminders

flow = Flow("lg", guard=person)
DAYS_AHEAD = 14

TOPIC_NAMES = {
    Topic.DOCUMENTS: N_("Documents and ID"),
    Topic.RESIDENCE: N_("Residence and citizenship"),
    Topic.SOCIAL: N_("Social assistance and child allowance"),
    Topic.HEALTH: N_("Health insurance"),
    Topic.SCHOOL: N_("School enrolment and foreign certificates"),
    Topic.WORK: N_("Work and unemployment registration"),
    Topic.HOUSING: N_("Housing and property"),
    Topic.OTHER: N_("Something else"),
}

PICK_TOPIC = T("lg.topic", "Free legal advice. What is it about?")
PICK_CENTRE = T("lg.centre", "At which centre?")
PICK_DAY = T("lg.day", "{topic} at {centre}. Days with a free time:")
NO_DAYS = T(
    "lg.no_days", "There is no free time at {centre} in the next two weeks. Try another centre."
)
PICK_TIME = T("lg.time", "Free times on {day}:")
CONFIRM = T("lg.confirm", "Legal advice: {topic}\n{when}, at {centre}\nBook it?")
BOOKED = T(
    "lg.booked",
    "Booked: legal advice on {topic}, {when}, at {centre}. It is free of charge. "
    "I will remind you before it. Add it to your calendar with the file below.",
)
TAKEN = T("lg.taken", "Sorry, that time was just taken. Here are the next free times:")
YOURS = T(
    "lg.yours",
    "You already have an appointment: {topic}, {when}, at {centre}. "
    "You can hold one at a time. Move it, cancel it or keep it?",
)
CANCEL_ASK = T("lg.cancel_ask", "Cancel your appointment on {when}?")
CANCELLED = T("lg.cancelled", "Cancelled. You can book again any time.")
PIN = T("lg.pin", "{centre} on the map")
PHONE_CONSENT_KIND = "phone"
PHONE_CONSENT = T(
    "lg.phone_consent",
    "An adviser can call you instead. For that we need your phone number. We keep it only "
    "until the adviser has called you, and only advisers see it. Is that all right?",
)
ASK_PHONE = T("lg.ask_phone", "Please write your phone number, for example 064 123 4567.")
BAD_PHONE = T(
    "lg.bad_phone", "That does not look like a phone number. Please write only the number."
)
CALLBACK_SAVED = T(
    "lg.callback_saved",
    "Thank you. An adviser from {centre} will call you, usually within two working days.",
)
CALLBACK_NOTICE = T("lg.callback_notice", "New call-back request: {what}, at {where}.")
ADVISER_NEW = T("lg.adviser_new", "New appointment: {when}, at {where}. Topic: {what}.")
ADVISER_CANCELLED = T("lg.adviser_cancelled", "Cancelled: the appointment on {when} at {where}.")


# -- choosing ------------------------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """Main menu → Legal advice: the topics, or the appointment the person already has."""
    user = signed_up(ctx)
    ctx.clear_state()
    mine = await ctx.uow.legal.upcoming(user.id, ctx.clock.now())
    if mine is not None:
        return await _yours(ctx, mine)
    buttons = [ctx.button(label, topic_chosen.link(t)) for t, label in TOPIC_NAMES.items()]
    return ctx.reply(PICK_TOPIC, [*[[b] for b in buttons], menu_button(ctx)], replace=True)


async def _yours(ctx: Context, mine: Appointment) -> Outgoing:
    place = await open_centre(ctx, mine.centre_id)
    move = days.link(mine.topic, CentreId(place.id), mine.id)
    return ctx.reply(
        YOURS,
        [[ctx.button(N_("Move it"), move, icon="🕓")],
         [ctx.button(N_("Cancel it"), ask_cancel.link(mine.id), icon="❌")],
         [ctx.button(N_("Keep it"), show_menu.link(), icon="✅")]],
        replace=True, **_params(ctx, mine.topic, mine.starts_at, place),
    )  # fmt: skip


@flow.on_button("t")
async def topic_chosen(ctx: Context, topic: Topic) -> Reply:
    """A topic chosen: at my centre, unless I have none."""
    user = signed_up(ctx)
    if user.centre_id is not None:
        return await days(ctx, topic, CentreId(user.centre_id))
    return await centres(ctx, topic)


@flow.on_button("c")
async def centres(ctx: Context, topic: Topic, move: int = 0) -> Reply:
    """Choose another centre."""
    buttons = [
        ctx.button(ctx.centre_name(c), days.link(topic, CentreId(c.id), **_moving(move)))
        for c in await ctx.uow.centres.all()
    ]
    return ctx.reply(PICK_CENTRE, [*rows_of(buttons), menu_button(ctx)], replace=True)


@flow.on_button("d")
async def days(ctx: Context, topic: Topic, centre: CentreId, move: int = 0) -> Reply:
    """The next days with a free time (up to two weeks ahead)."""
    place = await open_centre(ctx, centre)
    slots = await _free(ctx, place, ctx.clock.now(), DAYS_AHEAD)
    days_free = sorted({_local(ctx, s.starts_at).date() for s in slots})
    other = [ctx.button(N_("Another centre"), centres.link(topic, **_moving(move)), icon="📍")]
    if not move:
        other.append(ctx.button(N_("Call me back instead"), callback.link(topic, centre),
                                icon="📞"))  # fmt: skip
    if not days_free:
        return ctx.reply(
            NO_DAYS, [other, menu_button(ctx)], replace=True, centre=ctx.centre_name(place)
        )
    buttons = [Button(_day_label(ctx, d), times.link(topic, centre, d, **_moving(move)))
               for d in days_free]  # fmt: skip
    return ctx.reply(
        PICK_DAY, [*rows_of(buttons, 3), other, menu_button(ctx)], replace=True,
        topic=ctx._(TOPIC_NAMES[topic]), centre=ctx.centre_name(place),
    )  # fmt: skip


@flow.on_button("h")
async def times(
    ctx: Context, topic: Topic, centre: CentreId, day: Annotated[date, Compact()], move: int = 0
) -> Reply:
    """The free times of one day."""
    place = await open_centre(ctx, centre)
    return _times_reply(ctx, PICK_TIME, topic, place, await _free_on(ctx, place, day), move)


def _times_reply(
    ctx: Context, text: Text, topic: Topic, place: Centre, slots: list[Slot], move: int
) -> Outgoing:
    centre = CentreId(place.id)
    starts = sorted({s.starts_at for s in slots})
    buttons = [
        Button(
            f"{_local(ctx, at):%H:%M}", confirm.link(topic, centre, _minute(at), **_moving(move))
        )
        for at in starts
    ]
    first = starts[0] if starts else ctx.clock.now()
    back = days.link(topic, centre, **_moving(move))
    return ctx.reply(
        text, [*rows_of(buttons, 4), [ctx.button(N_("Back"), back, icon="◀️"), *menu_button(ctx)]],
        replace=True, day=_day_label(ctx, _local(ctx, first).date()),
    )  # fmt: skip


@flow.on_button("ok")
async def confirm(
    ctx: Context, topic: Topic, centre: CentreId, minute: int, move: int = 0
) -> Reply:
    """Check before booking."""
    place = await open_centre(ctx, centre)
    at = _at(minute)
    yes = book.link(topic, centre, minute, **_moving(move))
    back = times.link(topic, centre, _local(ctx, at).date(), **_moving(move))
    return ctx.reply(
        CONFIRM,
        [[ctx.button(N_("Yes, book it"), yes, icon="✅")],
         [ctx.button(N_("Back"), back, icon="◀️")]],
        **_params(ctx, topic, at, place),
    )  # fmt: skip


def own_appointment(arg: str) -> Guard:
    """Someone who agreed to the notice, and argument `arg` (if given) is their own upcoming one."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        await person(ctx, args)
        if arg in args:
            await _mine(ctx, args[arg])

    return guard


@flow.on_button("bk", guard=own_appointment("move"))
async def book(ctx: Context, topic: Topic, centre: CentreId, minute: int, move: int = 0) -> Reply:
    """Hold the slot (any adviser free then); when moving, the old one goes only now."""
    user = signed_up(ctx)
    place = await open_centre(ctx, centre)
    at = _at(minute)
    now = ctx.clock.now()
    old = await _mine(ctx, move) if move else None
    if old is None and (held := await ctx.uow.legal.upcoming(user.id, now)) is not None:
        return await _yours(ctx, held)  # one at a time: offer to move the one they have
    day_slots = await _free_on(ctx, place, _local(ctx, at).date())
    appointment = None
    for slot in (s for s in day_slots if s.starts_at == at):
        appointment = await ctx.uow.legal.book(
            adviser_id=slot.adviser_id, user_id=user.id, centre_id=place.id, topic=topic,
            starts_at=slot.starts_at, ends_at=slot.ends_at, now=now,
        )  # fmt: skip
        if appointment is not None:
            break
    if appointment is not None and old is None:  # a moved appointment is not a new one
        ctx.bookings.append("legal")
    if appointment is None:
        later = [s for s in day_slots if s.starts_at != at]
        if not later:  # that day is full now: the next day with a free time
            upcoming = await _free(ctx, place, now, DAYS_AHEAD)
            first_day = _local(ctx, upcoming[0].starts_at).date() if upcoming else None
            later = [s for s in upcoming if _local(ctx, s.starts_at).date() == first_day]
        return _times_reply(ctx, TAKEN, topic, place, later[:12], move)
    if old is not None:
        await _release(ctx, old, place)
    await _plan(ctx, appointment, place)
    return _confirmation(ctx, appointment, place)


# -- call me back -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallBack(Step):
    """Step `lg.phone`: a call-back asked for on this topic at this centre, the number to come."""

    topic: Topic
    centre: CentreId


@flow.on_button("cb")
async def callback(
    ctx: Context, topic: Topic, centre: CentreId, agreed: Literal["yes", "no"] = "no"
) -> Reply:
    """A phone number for an adviser to call: asked for with its own consent."""
    place = await open_centre(ctx, centre)
    if agreed != "yes":
        return ctx.reply(
            PHONE_CONSENT,
            [[ctx.button(N_("Yes, call me"), callback.link(topic, centre, "yes"), icon="📞")],
             [ctx.button(N_("No"), days.link(topic, centre), icon="◀️")]],
        )  # fmt: skip
    ctx.set_state("lg.phone", **CallBack(topic, CentreId(place.id)).data())
    return ctx.reply(ASK_PHONE, [menu_button(ctx)])


@flow.on_state("lg.phone")
async def phone(ctx: Context, request: CallBack) -> Reply:
    """The number, checked for shape only; stored with the phone consent; advisers told."""
    user = signed_up(ctx)
    number = phone_number(ctx.incoming.text)
    if number is None:
        return ctx.reply(BAD_PHONE, [menu_button(ctx)])
    place = await open_centre(ctx, request.centre)
    now = ctx.clock.now()
    await ctx.uow.users.add_consent(user.id, PHONE_CONSENT_KIND, ctx.consent_version, now)
    await ctx.uow.callbacks.request(
        user_id=user.id, centre_id=place.id, topic=request.topic, phone=number, now=now
    )
    for adviser in await ctx.uow.callbacks.advisers_at(place.id):
        notice = Notice.of(
            CALLBACK_NOTICE, what=word(TOPIC_NAMES[request.topic]), where=name(place.name)
        )
        await ctx.uow.outbox.enqueue(adviser, notice, not_before=now, now=now,
                                     priority=PRIORITY_DIRECT)  # fmt: skip
    ctx.clear_state()
    return main_menu(ctx, CALLBACK_SAVED, centre=ctx.centre_name(place))


# -- moving and cancelling -----------------------------------------------------------------------
@flow.on_button("x", guard=own_appointment("appointment"))
async def ask_cancel(ctx: Context, appointment: int) -> Reply:
    """Are you sure?"""
    mine = await _mine(ctx, appointment)
    return ctx.reply(
        CANCEL_ASK,
        [[ctx.button(N_("Yes, cancel"), cancel.link(mine.id), icon="❌")],
         [ctx.button(N_("No, keep it"), home.link(), icon="✅")]],
        when=ctx.tr.format_datetime(ctx.locale, mine.starts_at),
    )  # fmt: skip


@flow.on_button("xx", guard=own_appointment("appointment"))
async def cancel(ctx: Context, appointment: int) -> Reply:
    """Release the slot; reminders go; the adviser is told."""
    mine = await _mine(ctx, appointment)  # also called from a reminder, past no guard
    await _release(ctx, mine, await open_centre(ctx, mine.centre_id))
    return main_menu(ctx, CANCELLED, replace=True)


@cancels("legal")
async def cancel_from_reminder(ctx: Context, ref: str) -> Reply:
    """'I can't come' on an appointment reminder releases the slot at once."""
    number = parse_id(ref.split(":", 1)[1])
    if number is None:
        raise Stale
    return await cancel(ctx, number)


# -- the rules around a booking ------------------------------------------------------------------
async def _plan(ctx: Context, appointment: Appointment, centre: Centre) -> None:
    now = ctx.clock.now()
    await reminders.plan(
        ctx.uow, user_id=appointment.user_id, ref=f"legal:{appointment.id}",
        starts_at=appointment.starts_at, offsets=ctx.policy.reminder_offsets, now=now,
        what=word(TOPIC_NAMES[appointment.topic]), where=name(centre.name),
    )  # fmt: skip
    await _tell_adviser(ctx, appointment, centre, ADVISER_NEW)


async def _release(ctx: Context, appointment: Appointment, centre: Centre) -> None:
    await ctx.uow.legal.cancel(appointment.id)
    await reminders.cancel(ctx.uow, ref=f"legal:{appointment.id}", now=ctx.clock.now())
    await _tell_adviser(ctx, appointment, centre, ADVISER_CANCELLED)


async def _tell_adviser(ctx: Context, appointment: Appointment, centre: Centre, text: Text) -> None:
    """New and cancelled appointments reach the adviser through the outbox."""
    if appointment.adviser_user_id is None:
        return
    now = ctx.clock.now()
    notice = Notice.of(
        text, what=word(TOPIC_NAMES[appointment.topic]), when=when(appointment.starts_at),
        where=name(centre.name),
    )  # fmt: skip
    await ctx.uow.outbox.enqueue(
        appointment.adviser_user_id, notice, not_before=now, now=now, priority=PRIORITY_DIRECT
    )


def _confirmation(ctx: Context, appointment: Appointment, centre: Centre) -> list[Outgoing]:
    params = _params(ctx, appointment.topic, appointment.starts_at, centre)
    calendar = session_ics(
        uid=f"legal-{appointment.id}@reintegrate", title=f"{params['topic']}",
        starts_at=appointment.starts_at, ends_at=appointment.ends_at,
        location=f"{centre.name}, {centre.address}", timezone=ctx.policy.timezone,
        now=ctx.clock.now(),
    )  # fmt: skip
    text = ctx.reply(BOOKED, [menu_button(ctx)], document=calendar, **params)
    pin = ctx.reply(
        PIN,
        location=ctx.centre_pin(centre),
        centre=ctx.centre_name(centre),
    )  # fmt: skip
    return [text, pin]


# -- helpers -------------------------------------------------------------------------------------
async def _free(ctx: Context, centre: Centre, start: datetime, days_ahead: int) -> list[Slot]:
    hours, minutes = await ctx.uow.legal.hours(centre.id)
    if not hours:
        return []
    first_day = _local(ctx, start).date()
    end = datetime.combine(first_day + timedelta(days=days_ahead + 1), time(0), _tz(ctx))
    advisers = sorted({h.adviser_id for h in hours})
    blocked, booked = await ctx.uow.legal.busy(advisers, start - timedelta(days=1), end)
    return free_slots(
        hours=hours, slot_minutes=minutes, days_off=(), blocked=blocked, booked=booked,
        first_day=first_day, days=days_ahead, now=ctx.clock.now(),
        notice=ctx.policy.min_notice, tz=_tz(ctx),
    )  # fmt: skip


async def _free_on(ctx: Context, centre: Centre, day: date) -> list[Slot]:
    start = datetime.combine(day, time(0), _tz(ctx))
    return [s for s in await _free(ctx, centre, start, 1) if _local(ctx, s.starts_at).date() == day]


def _params(ctx: Context, topic: Topic, at: datetime, centre: Centre) -> dict[str, Any]:
    return {
        "topic": ctx._(TOPIC_NAMES[topic]),
        "when": ctx.tr.format_datetime(ctx.locale, at),
        "centre": ctx.centre_name(centre),
    }


def _moving(move: int) -> dict[str, int]:
    """The `move` argument of the next button: left out for a new booking (0), as before."""
    return {"move": move} if move else {}


async def _mine(ctx: Context, appointment: int) -> Appointment:
    """The person's own appointment, still booked and still ahead; Stale otherwise."""
    user = signed_up(ctx)
    mine = await ctx.uow.legal.get(appointment)
    if mine is None or mine.user_id != user.id or mine.status != "booked":
        raise Stale
    if mine.starts_at <= ctx.clock.now():
        raise Stale
    return mine


def _tz(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.policy.timezone)


def _local(ctx: Context, at: datetime) -> datetime:
    return at.astimezone(_tz(ctx))


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


def _at(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _day_label(ctx: Context, day: date) -> str:
    return f"{ctx.tr.weekday_name(ctx.locale, day.weekday())[:3]} {day:%d.%m.}"
