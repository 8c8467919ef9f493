"""A new shift, step by step: task, day, hours, places, a note, then a preview to publish."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from handlers.context import Context, rows_of
from handlers.flows.coordinate_volunteers import centre_page, shifts
from handlers.flows.coordinate_volunteers.base import flow, load_centre
from handlers.flows.guards import coordinator_of as may_coordinate
from handlers.flows.lookup import coordinated_centre, coordinator_of, parse_id
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time
from handlers.flows.typed import today as local_today
from handlers.messages import Button, Outgoing
from handlers.model import Task
from handlers.payloads import CentreId
from handlers.router import Reply, Stale
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T

MAX_PLACES = 50
MAX_NOTE = 200

ASK_TASK = T("cv.ask_task", "New shift at {centre}. What is it for?")
ASK_DAY = T("cv.ask_day", "Which day? Write it like 24.11.2026")
ASK_TIME = T("cv.ask_time", "From when to when? Write it like 10:00-13:00")
ASK_PLACES = T("cv.ask_places", "How many volunteers are needed? Write a number.")
ASK_NOTE = T(
    "cv.ask_note", "Anything volunteers should know? Write a short note, or press No note."
)
PREVIEW = T(
    "cv.preview",
    "Please check:\n\n{task}, {centre}\n{when} until {until}\nVolunteers needed: {places}\n"
    "Note: {note}",
)
PUBLISHED = T("cv.published", "Published. Volunteers at {centre} can sign up now.")
BAD_DAY = T("cv.bad_day", "Please write today or a later day, like 24.11.2026.")
BAD_TIME = T("cv.bad_time", "Please write when it starts and ends, like 10:00-13:00.")
BAD_PAST = T("cv.bad_past", "That time has already begun. Please write a later time.")
BAD_PLACES = T("cv.bad_places", "Please write a number from 1 to 50.")
BAD_NOTE = T("cv.bad_note", "Please write a note of up to 200 characters, or press No note.")


@flow.on_button("n", guard=may_coordinate("centre"))
async def start(ctx: Context, centre: CentreId) -> Reply:
    """Start: what the shift is for."""
    here = await load_centre(ctx, centre)
    ctx.clear_state()
    c = CentreId(here.id)
    buttons = [ctx.button(label, new_task.link(c, task)) for task, label in TASK_NAMES.items()]
    return ctx.reply(
        ASK_TASK, [*rows_of(buttons), _cancel(ctx, here.id)], replace=True,
        centre=ctx.centre_name(here),
    )  # fmt: skip


@flow.on_button("nt", guard=may_coordinate("centre"))
async def new_task(ctx: Context, centre: CentreId, task: Task) -> Reply:
    """The task; then the day."""
    here = await load_centre(ctx, centre)
    ctx.set_state("cv.day", centre=here.id, task=task.value)
    return ctx.reply(ASK_DAY, [_cancel(ctx, here.id)])


@flow.on_state("cv.day")
async def new_day(ctx: Context) -> Reply:
    """The day: today or later."""
    data = _draft(ctx)
    day = typed_day(ctx, ctx.incoming.text.strip())
    if day is None or day < local_today(ctx):
        return ctx.reply(BAD_DAY, [_cancel(ctx, data["centre"])])
    ctx.set_state("cv.time", **{**data, "day": day.isoformat()})
    return ctx.reply(ASK_TIME, [_cancel(ctx, data["centre"])])


@flow.on_state("cv.time")
async def new_time(ctx: Context) -> Reply:
    """From when to when, on that day; it must start in the future."""
    data = _draft(ctx)
    day = date.fromisoformat(data["day"])
    hours = _hours(ctx.incoming.text)
    if hours is None or not all(real_time(ctx, day, t) for t in hours):
        return ctx.reply(BAD_TIME, [_cancel(ctx, data["centre"])])
    if local(ctx, day, hours[0]) <= ctx.clock.now():
        return ctx.reply(BAD_PAST, [_cancel(ctx, data["centre"])])
    start, end = (t.strftime("%H:%M") for t in hours)
    ctx.set_state("cv.places", **{**data, "start": start, "end": end})
    return ctx.reply(ASK_PLACES, [_cancel(ctx, data["centre"])])


@flow.on_state("cv.places")
async def new_places(ctx: Context) -> Reply:
    """How many volunteers are needed."""
    data = _draft(ctx)
    number = parse_id(ctx.incoming.text.strip())
    if number is None or not 1 <= number <= MAX_PLACES:
        return ctx.reply(BAD_PLACES, [_cancel(ctx, data["centre"])])
    ctx.set_state("cv.note", **{**data, "places": number})
    return ctx.reply(ASK_NOTE, _note_keyboard(ctx, data["centre"]))


@flow.on_state("cv.note")
async def new_note(ctx: Context) -> Reply:
    """A short note for the volunteers (what to bring, whom to ask for)."""
    data = _draft(ctx)
    note = " ".join(ctx.incoming.text.split())
    if not note or len(note) > MAX_NOTE:
        return ctx.reply(BAD_NOTE, _note_keyboard(ctx, data["centre"]))
    return await _preview(ctx, {**data, "note": note})


@flow.on_button("nk")
async def no_note(ctx: Context) -> Reply:
    """No note."""
    return await _preview(ctx, {**_draft(ctx, "cv.note"), "note": ""})


@flow.on_state("cv.preview")
async def preview_again(ctx: Context) -> Reply:
    """Text typed at the preview: show it again rather than lose the draft."""
    return await _preview(ctx, _draft(ctx))


@flow.on_button("np")
async def publish(ctx: Context) -> Reply:
    """Publish the shift (checked again: the binding, the draft, a start still ahead)."""
    data = _draft(ctx, "cv.preview")
    if not set(data) >= REQUIRED:
        raise Stale
    centre = await coordinated_centre(ctx, str(data["centre"]))
    starts, ends = _span(ctx, data)
    now = ctx.clock.now()
    if starts <= now:
        ctx.set_state("cv.time", **data)
        return ctx.reply(BAD_PAST, [_cancel(ctx, centre.id)])
    await ctx.uow.shifts.create(
        centre_id=centre.id, task=Task(data["task"]), starts_at=starts.astimezone(UTC),
        ends_at=ends.astimezone(UTC), places=int(data["places"]), note=str(data["note"]), now=now,
    )  # fmt: skip
    ctx.clear_state()
    return ctx.reply(
        PUBLISHED,
        [[ctx.button(N_("Shifts"), shifts.upcoming.link(CentreId(centre.id), 0), icon="📅")],
         [centre_page.back_home(ctx, centre.id), *menu_button(ctx)]],
        replace=True, centre=ctx.centre_name(centre),
    )  # fmt: skip


async def _preview(ctx: Context, data: dict[str, Any]) -> Outgoing:
    ctx.set_state("cv.preview", **data)
    centre = await coordinated_centre(ctx, str(data["centre"]))
    starts, ends = _span(ctx, data)
    return ctx.reply(
        PREVIEW,
        [[ctx.button(N_("Publish"), publish.link(), icon="✅")], _cancel(ctx, centre.id)],
        task=ctx._(TASK_NAMES[Task(data["task"])]), centre=ctx.centre_name(centre),
        when=ctx.tr.format_datetime(ctx.locale, starts), until=f"{ends:%H:%M}",
        places=data["places"], note=data["note"] or "–",
    )  # fmt: skip


REQUIRED = {"centre", "task", "day", "start", "end", "places", "note"}


def _draft(ctx: Context, step: str | None = None) -> dict[str, Any]:
    """The shift being written, if the person may still coordinate its centre; else Stale."""
    data = dict(ctx.state.data)
    if not ctx.state.name.startswith("cv.") or "centre" not in data or "task" not in data:
        raise Stale
    if step is not None and ctx.state.name != step:
        raise Stale
    centre = parse_id(str(data["centre"]))
    if centre is None:
        raise Stale
    coordinator_of(ctx, centre)  # re-checked at every step: they may have been unbound meanwhile
    return data


def _cancel(ctx: Context, centre_id: int) -> list[Button]:
    home = centre_page.centre_home.link(CentreId(centre_id))
    return [ctx.button(N_("Cancel"), home, icon="✖️"), *menu_button(ctx)]


def _note_keyboard(ctx: Context, centre_id: int) -> list[list[Button]]:
    return [[ctx.button(N_("No note"), no_note.link(), icon="➡️")], _cancel(ctx, centre_id)]


def _hours(text: str) -> tuple[time, time] | None:
    """`10:00-13:00` (or `10.00 – 13.00`, `10:00 13:00`): a start before an end."""
    parts = [p for p in re.split(r"\s*[-–—]\s*|\s+", text.strip()) if p]
    if len(parts) != 2:
        return None
    start, end = typed_time(parts[0]), typed_time(parts[1])
    if start is None or end is None or end <= start:
        return None
    return start, end


def _span(ctx: Context, data: dict[str, Any]) -> tuple[datetime, datetime]:
    day = date.fromisoformat(data["day"])
    return (local(ctx, day, time.fromisoformat(data["start"])),
            local(ctx, day, time.fromisoformat(data["end"])))  # fmt: skip
