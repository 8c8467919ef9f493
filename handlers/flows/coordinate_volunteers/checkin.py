"""The daily check-in code at a centre: shown with a QR code to print, or set by a coordinator.

Routes: `code` (today's code at a centre) and `sc` (set one's own) with the step `cv.code` (the
typed code), each for who may coordinate that centre.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from handlers.context import Context
from handlers.flows.coordinate_volunteers import centre_page
from handlers.flows.coordinate_volunteers.base import back, flow
from handlers.flows.guards import coordinator_of
from handlers.flows.lookup import open_centre
from handlers.flows.menu import menu_button
from handlers.flows.typed import today as local_today
from handlers.messages import Button, Document, Outgoing
from handlers.model import Centre
from handlers.payloads import CentreId, Step
from handlers.qr import qr_png
from handlers.router import Reply
from handlers.texts import N_, T

CODE = re.compile(r"[0-9]{6}")  # six digits: with five tries a day, one in 200,000 to guess

CODE_PAGE = T(
    "cv.code",
    "Check-in code at {centre} for {day}:\n\n🔑 {code}\n\nVolunteers write this code when they "
    "arrive. It changes every day. You can print the QR code and put it up at the door.",
)
ASK_CODE = T("cv.ask_code", "Write your own code for today: exactly 6 digits, like 480913.")
BAD_CODE = T(
    "cv.bad_code", "The code must be exactly 6 digits (0 to 9), like 480913. Please write it again."
)
WEAK_CODE = T(
    "cv.weak_code",
    "That code is too easy to guess, or it was yesterday's. Please choose 6 other digits.",
)


@dataclass(frozen=True)
class OwnCode(Step):
    """At `cv.code`: the centre whose code for today is being set."""

    centre: CentreId


@flow.on_button("code", guard=coordinator_of("centre"))
async def code(ctx: Context, centre: CentreId) -> Reply:
    """Today's check-in code at a centre (made now if there is none), with a QR code to print."""
    here = await open_centre(ctx, centre)
    ctx.clear_state()
    return await _code_page(ctx, here)


@flow.on_button("sc", guard=coordinator_of("centre"))
async def ask_code(ctx: Context, centre: CentreId) -> Reply:
    """Set my own code for today: ask for it."""
    here = await open_centre(ctx, centre)
    ctx.set_state("cv.code", **OwnCode(CentreId(here.id)).data())
    return ctx.reply(ASK_CODE, [[_back_to_code(ctx, here.id), *menu_button(ctx)]])


@flow.on_state("cv.code", guard=coordinator_of("centre"))
async def own_code(ctx: Context, step: OwnCode) -> Reply:
    """The typed code: exactly 6 digits (spaces left out), not an easy or yesterday's one."""
    centre = await open_centre(ctx, step.centre)
    typed = "".join(ctx.incoming.text.split())
    rows = [[_back_to_code(ctx, centre.id), *menu_button(ctx)]]
    if not CODE.fullmatch(typed):
        return ctx.reply(BAD_CODE, rows)
    day = local_today(ctx)
    if _easy(typed) or typed == await ctx.uow.shifts.code(centre.id, day - timedelta(days=1)):
        return ctx.reply(WEAK_CODE, rows)
    await ctx.uow.shifts.set_code(centre.id, day, typed, ctx.clock.now())
    ctx.clear_state()
    return await _code_page(ctx, centre, replace=False)


async def _code_page(ctx: Context, centre: Centre, *, replace: bool = True) -> Outgoing:
    day = local_today(ctx)
    found = await ctx.uow.shifts.code(centre.id, day)
    if found is None:
        made = await _new_code(ctx, centre.id, day)
        found = await ctx.uow.shifts.keep_code(centre.id, day, made, ctx.clock.now())
    picture = Document(
        filename=f"checkin-{centre.slug}-{day.isoformat()}.png", content=qr_png(found),
        mime_type="image/png",
    )  # fmt: skip
    return ctx.reply(
        CODE_PAGE,
        [[ctx.button(N_("Set my own code"), ask_code.link(CentreId(centre.id)), icon="✏️")],
         [centre_page.back_home(ctx, centre.id), *menu_button(ctx)]],
        replace=replace, document=picture, centre=ctx.centre_name(centre),
        day=ctx.tr.format_date(ctx.locale, day), code=found,
    )  # fmt: skip


def _back_to_code(ctx: Context, centre_id: int) -> Button:
    return back(ctx, code.link(CentreId(centre_id)))


async def _new_code(ctx: Context, centre_id: int, day: date) -> str:
    """Six random digits, never yesterday's (its printed sheet may still hang at the door)."""
    yesterday = await ctx.uow.shifts.code(centre_id, day - timedelta(days=1))
    while True:
        made = f"{secrets.randbelow(1_000_000):06d}"
        if made != yesterday:
            return made


def _easy(code: str) -> bool:
    """One digit repeated (111111) or a run up or down (123456, 987654): guessed first."""
    steps = {int(b) - int(a) for a, b in pairwise(code)}
    return len(steps) == 1 and steps <= {-1, 0, 1}
