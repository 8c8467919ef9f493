"""A new shift, step by step: task, day, hours, places, a note, then a preview to publish.

Routes: `n` (what is it for?) and `nt` (the task) for who may coordinate the centre; then the
typed steps `cv.day`, `cv.time`, `cv.places`, `cv.note` (or the button `nk`, no note) and
`cv.preview` (or the button `np`, publish). Each step keeps the draft so far with the
conversation (`ShiftTask` … `ShiftDraft`), and each checks again that the person may still
coordinate the draft's centre: they may have been unbound in the meantime.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from handlers.context import Context, rows_of
from handlers.flows import lookup
from handlers.flows.coordinate_volunteers import centre_page, shifts
from handlers.flows.coordinate_volunteers.base import flow
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import open_centre, parse_id
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time
from handlers.flows.typed import today as local_today
from handlers.messages import Button, Outgoing
from handlers.model import Task
from handlers.payloads import CentreId, PayloadError, Step
from handlers.router import Guard, Reply, Stale
from handlers.rules.shifts import TASK_NAMES
from handlers.texts import N_, T

MAX_PLACES = 50
MAX_NOTE = 200
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")  # as the draft keeps a time: `14:30`

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


# -- the draft, one answer more at each step -----------------------------------------------------
@dataclass(frozen=True)
class ShiftTask(Step):
    """At `cv.day`: the centre and what the shift is for."""

    centre: CentreId
    task: Task

    def on(self, day: date) -> ShiftDay:
        """The draft with its day."""
        return ShiftDay(self.centre, self.task, day)


@dataclass(frozen=True)
class ShiftDay(ShiftTask):
    """At `cv.time`: and the day."""

    day: date

    def between(self, start: time, end: time) -> ShiftHours:
        """The draft with its hours."""
        return ShiftHours(self.centre, self.task, self.day, f"{start:%H:%M}", f"{end:%H:%M}")


@dataclass(frozen=True)
class ShiftHours(ShiftDay):
    """At `cv.places`: and its hours, kept as written (`10:00`, `13:00`)."""

    start: str
    end: str

    def __post_init__(self) -> None:
        if not (_CLOCK.fullmatch(self.start) and _CLOCK.fullmatch(self.end)):
            raise PayloadError(f"{self.start}-{self.end}")  # a stored draft gone wrong: stale

    def span(self, ctx: Context) -> tuple[datetime, datetime]:
        """When it starts and ends, where the centres are."""
        return (local(ctx, self.day, time.fromisoformat(self.start)),
                local(ctx, self.day, time.fromisoformat(self.end)))  # fmt: skip

    def needing(self, places: int) -> ShiftPlaces:
        """The draft with the number of volunteers needed."""
        return ShiftPlaces(self.centre, self.task, self.day, self.start, self.end, places)


@dataclass(frozen=True)
class ShiftPlaces(ShiftHours):
    """At `cv.note`: and how many volunteers are needed."""

    places: int

    def noting(self, note: str) -> ShiftDraft:
        """The whole draft, with its note (empty: none)."""
        return ShiftDraft(self.centre, self.task, self.day, self.start, self.end, self.places, note)


@dataclass(frozen=True)
class ShiftDraft(ShiftPlaces):
    """At `cv.preview`: the whole shift, ready to publish."""

    note: str


D = TypeVar("D", bound=ShiftTask)


def _stored(ctx: Context, state: str, kind: type[D]) -> D:
    """The draft kept at `state`, for a button that reads it; Stale at another step."""
    if ctx.state.name != state:
        raise Stale
    try:
        return kind.from_data(ctx.state.data)
    except PayloadError:
        raise Stale from None


def _drafting(state: str, kind: type[ShiftTask]) -> Guard:
    """A button at `state`: staff who may still coordinate the centre of the draft kept there."""

    async def guard(ctx: Context, args: Mapping[str, Any]) -> None:
        lookup.coordinator_of(ctx, _stored(ctx, state, kind).centre)

    return guard


# -- the steps -----------------------------------------------------------------------------------
@flow.on_button("n", guard=coordinator_of("centre"))
async def start(ctx: Context, centre: CentreId) -> Reply:
    """Start: what the shift is for."""
    here = await open_centre(ctx, centre)
    ctx.clear_state()
    c = CentreId(here.id)
    buttons = [ctx.button(label, new_task.link(c, task)) for task, label in TASK_NAMES.items()]
    return ctx.reply(
        ASK_TASK, [*rows_of(buttons), _cancel(ctx, here.id)], replace=True,
        centre=ctx.centre_name(here),
    )  # fmt: skip


@flow.on_button("nt", guard=coordinator_of("centre"))
async def new_task(ctx: Context, centre: CentreId, task: Task) -> Reply:
    """The task; then the day."""
    here = await open_centre(ctx, centre)
    ctx.set_state("cv.day", **ShiftTask(CentreId(here.id), task).data())
    return ctx.reply(ASK_DAY, [_cancel(ctx, here.id)])


@flow.on_state("cv.day", guard=coordinator_of("centre"))
async def new_day(ctx: Context, draft: ShiftTask) -> Reply:
    """The day: today or later."""
    day = typed_day(ctx, ctx.incoming.text.strip())
    if day is None or day < local_today(ctx):
        return ctx.reply(BAD_DAY, [_cancel(ctx, draft.centre)])
    ctx.set_state("cv.time", **draft.on(day).data())
    return ctx.reply(ASK_TIME, [_cancel(ctx, draft.centre)])


@flow.on_state("cv.time", guard=coordinator_of("centre"))
async def new_time(ctx: Context, draft: ShiftDay) -> Reply:
    """From when to when, on that day; it must start in the future."""
    hours = _hours(ctx.incoming.text)
    if hours is None or not all(real_time(ctx, draft.day, t) for t in hours):
        return ctx.reply(BAD_TIME, [_cancel(ctx, draft.centre)])
    if local(ctx, draft.day, hours[0]) <= ctx.clock.now():
        return ctx.reply(BAD_PAST, [_cancel(ctx, draft.centre)])
    ctx.set_state("cv.places", **draft.between(*hours).data())
    return ctx.reply(ASK_PLACES, [_cancel(ctx, draft.centre)])


@flow.on_state("cv.places", guard=coordinator_of("centre"))
async def new_places(ctx: Context, draft: ShiftHours) -> Reply:
    """How many volunteers are needed."""
    number = parse_id(ctx.incoming.text.strip())
    if number is None or not 1 <= number <= MAX_PLACES:
        return ctx.reply(BAD_PLACES, [_cancel(ctx, draft.centre)])
    ctx.set_state("cv.note", **draft.needing(number).data())
    return ctx.reply(ASK_NOTE, _note_keyboard(ctx, draft.centre))


@flow.on_state("cv.note", guard=coordinator_of("centre"))
async def new_note(ctx: Context, draft: ShiftPlaces) -> Reply:
    """A short note for the volunteers (what to bring, whom to ask for)."""
    note = " ".join(ctx.incoming.text.split())
    if not note or len(note) > MAX_NOTE:
        return ctx.reply(BAD_NOTE, _note_keyboard(ctx, draft.centre))
    return await _preview(ctx, draft.noting(note))


@flow.on_button("nk", guard=_drafting("cv.note", ShiftPlaces))
async def no_note(ctx: Context) -> Reply:
    """No note."""
    return await _preview(ctx, _stored(ctx, "cv.note", ShiftPlaces).noting(""))


@flow.on_state("cv.preview", guard=coordinator_of("centre"))
async def preview_again(ctx: Context, draft: ShiftDraft) -> Reply:
    """Text typed at the preview: show it again rather than lose the draft."""
    return await _preview(ctx, draft)


@flow.on_button("np", guard=_drafting("cv.preview", ShiftDraft))
async def publish(ctx: Context) -> Reply:
    """Publish the shift (checked again: the binding, the draft, a start still ahead)."""
    draft = _stored(ctx, "cv.preview", ShiftDraft)
    centre = await open_centre(ctx, draft.centre)
    starts, ends = draft.span(ctx)
    now = ctx.clock.now()
    if starts <= now:
        ctx.set_state("cv.time", **draft.data())
        return ctx.reply(BAD_PAST, [_cancel(ctx, centre.id)])
    await ctx.uow.shifts.create(
        centre_id=centre.id, task=draft.task, starts_at=starts.astimezone(UTC),
        ends_at=ends.astimezone(UTC), places=draft.places, note=draft.note, now=now,
    )  # fmt: skip
    ctx.clear_state()
    return ctx.reply(
        PUBLISHED,
        [[ctx.button(N_("Shifts"), shifts.upcoming.link(CentreId(centre.id), 0), icon="📅")],
         [centre_page.back_home(ctx, centre.id), *menu_button(ctx)]],
        replace=True, centre=ctx.centre_name(centre),
    )  # fmt: skip


async def _preview(ctx: Context, draft: ShiftDraft) -> Outgoing:
    ctx.set_state("cv.preview", **draft.data())
    centre = await open_centre(ctx, draft.centre)
    starts, ends = draft.span(ctx)
    return ctx.reply(
        PREVIEW,
        [[ctx.button(N_("Publish"), publish.link(), icon="✅")], _cancel(ctx, centre.id)],
        task=ctx._(TASK_NAMES[draft.task]), centre=ctx.centre_name(centre),
        when=ctx.tr.format_datetime(ctx.locale, starts), until=f"{ends:%H:%M}",
        places=draft.places, note=draft.note or "–",
    )  # fmt: skip


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
