"""The volunteers flow for coordinators and what its sections share: the flow, small helpers."""

from __future__ import annotations

from datetime import date, datetime, time

from handlers.context import Context
from handlers.flows.guards import staff
from handlers.flows.lookup import parse_id
from handlers.flows.typed import local, zone
from handlers.messages import Button
from handlers.model import Shift
from handlers.notices import NoticeButton
from handlers.router import Flow, Stale
from handlers.texts import N_

flow = Flow("cv", guard=staff)


async def scheduled_shift(ctx: Context, shift_id: str, *, not_begun: bool = False) -> Shift:
    """A scheduled shift (one that has not begun, if asked); Stale otherwise."""
    number = parse_id(shift_id)
    found = await ctx.uow.shifts.get(number) if number is not None else None
    if found is None or found.status != "scheduled":
        raise Stale
    if not_begun and found.starts_at <= ctx.clock.now():
        raise Stale
    return found


def shifts_button() -> NoticeButton:
    """The volunteer's "Open shifts" button in a notice sent to them."""
    return NoticeButton(N_("Open shifts"), "vol:home", "🤝")


def back(ctx: Context, payload: str) -> Button:
    """A "Back" button to the page `payload` opens."""
    return ctx.button(N_("Back"), payload, icon="◀️")


def midnight(ctx: Context, day: date) -> datetime:
    """The start of a day where the centres are."""
    return local(ctx, day, time(0))


def clock(ctx: Context, moment: datetime) -> str:
    """`14:30`, where the centres are."""
    return f"{moment.astimezone(zone(ctx)):%H:%M}"
