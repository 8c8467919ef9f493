"""Who gets an announcement: its audience page, switching one choice, and picking a workshop or
a centre with legal appointments; every change limited to what the sender may reach."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any

from handlers.context import Context, rows_of
from handlers.flows import lookup
from handlers.flows.announce import writing
from handlers.flows.announce.base import (
    OWN,
    WRITTEN,
    announcement,
    editable,
    flow,
    scope,
    sender,
    sender_centres,
)
from handlers.flows.announce.helpers import audience_words, back, short
from handlers.flows.guards import every
from handlers.flows.lookup import open_centre, parse_id
from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Button, Outgoing
from handlers.model import Broadcast, BroadcastStatus, ResidentStatus, Session, Target
from handlers.notices import pick_title
from handlers.router import Reply, Stale
from handlers.rules.broadcasts import allowed_centres
from handlers.texts import N_, T

AUDIENCE = T(
    "bc.audience",
    "Who should get it? Every choice made must hold. Press a choice to switch it on or off.\n\n"
    "{audience}\n\nPeople in it right now: {total}",
)
PICK_WORKSHOP = T("bc.pick_workshop", "People signed up for which workshop?")
PICK_LEGAL = T("bc.pick_legal", "People with an upcoming legal appointment at which centre?")


class Choice(StrEnum):
    """The audience choice a `bc:t` button switches; the value after it says to what."""

    CENTRE = "c"  # a centre's id
    STATUS = "s"  # returnee or local
    VOLUNTEERS = "v"  # 1
    WORKSHOP = "w"  # a workshop's id, 0 for any
    LEGAL = "j"  # a centre's id, 0 for no appointment needed
    LANGUAGE = "g"  # one of WRITTEN
    EVERYONE = "e"  # 0


async def _named_centre(ctx: Context, args: Mapping[str, Any]) -> None:
    """A centre an audience choice names (`c`; `j` but for 0) is one the sender coordinates."""
    number = parse_id(args["value"])
    if args["field"] is Choice.CENTRE or (args["field"] is Choice.LEGAL and number != 0):
        if number is None:
            raise Stale
        lookup.coordinator_of(ctx, number)  # a forged centre: not one they are bound to


# -- the audience --------------------------------------------------------------------------------
@flow.on_button("a", guard=OWN)
async def edit(ctx: Context, broadcast_id: int) -> Reply:
    """The audience editor: centres (admins), returnees/locals, volunteers, languages, …"""
    b = await editable(ctx, broadcast_id)
    return await _audience_page(ctx, b)


async def _audience_page(ctx: Context, b: Broadcast) -> Outgoing:
    target, i = scope(ctx, b.target), b.id

    def toggle(label: str, field: Choice, value: str, on: bool) -> Button:
        return ctx.button(label, choose.link(i, field, value), icon="✅" if on else "▫️")

    rows: list[list[Button]] = []
    centres = await sender_centres(ctx)
    if allowed_centres(sender(ctx)) is None or len(centres) > 1:  # a choice to make
        rows += rows_of(
            [Button(f"{'✅' if c.id in target.centres else '▫️'} {ctx.centre_name(c)}",
                    choose.link(i, Choice.CENTRE, str(c.id))) for c in centres]
        )  # fmt: skip
    rows.append(
        [toggle(N_("Returnees only"), Choice.STATUS, ResidentStatus.RETURNEE.value,
                target.status is ResidentStatus.RETURNEE),
         toggle(N_("Local residents only"), Choice.STATUS, ResidentStatus.LOCAL.value,
                target.status is ResidentStatus.LOCAL)]
    )  # fmt: skip
    rows.append([toggle(N_("Volunteers only"), Choice.VOLUNTEERS, "1", target.volunteers)])
    rows.append(
        [ctx.button(N_("Workshop"), pick_workshop.link(i),
                    icon="✅" if target.workshop_id else "📅"),
         ctx.button(N_("Legal appointment"), pick_legal.link(i),
                    icon="✅" if target.legal_centre else "⚖️")]
    )  # fmt: skip
    rows += rows_of(
        [Button(f"{'✅' if k in target.locales else '▫️'} {LANGUAGE_NAMES[k]}",
                choose.link(i, Choice.LANGUAGE, k)) for k in WRITTEN], 3,
    )  # fmt: skip
    everyone = ctx.button(N_("Everyone"), choose.link(i, Choice.EVERYONE, "0"), icon="👥")
    rows.append([everyone, back(ctx, writing.draft.link(i))])
    total = sum((await ctx.uow.broadcasts.count(target, ctx.clock.now())).values())
    return ctx.reply(
        AUDIENCE, rows, replace=True, audience=await audience_words(ctx, target), total=total
    )


@flow.on_button("t", guard=every(OWN, _named_centre))
async def choose(ctx: Context, broadcast_id: int, field: Choice, value: str) -> Reply:
    """Switch one audience choice; the result is always limited to what the sender may reach.

    What `value` is depends on `field`, so it is read here; the guards have checked the
    announcement and that a centre it names is one the sender is bound to.
    """
    b = await editable(ctx, broadcast_id)
    target = b.target
    number = parse_id(value)
    if field is Choice.CENTRE and number is not None:
        await open_centre(ctx, value)
        centres = set(target.centres) ^ {number}
        target = replace(target, centres=tuple(sorted(centres)))
    elif field is Choice.STATUS and value in ("returnee", "local"):
        status = ResidentStatus(value)
        target = replace(target, status=None if target.status is status else status)
    elif field is Choice.VOLUNTEERS and value == "1":
        target = replace(target, volunteers=not target.volunteers)
    elif field is Choice.WORKSHOP and number is not None:
        if number and number not in {s.workshop_id for s in await _workshops(ctx)}:
            raise Stale
        chosen = None if number in (0, target.workshop_id) else number
        target = replace(target, workshop_id=chosen)
    elif field is Choice.LEGAL and number is not None:
        if number:
            await open_centre(ctx, value)
        legal = None if number in (0, target.legal_centre) else number
        target = replace(target, legal_centre=legal)
    elif field is Choice.LANGUAGE and value in WRITTEN:
        pair = {"sr", "sr_Cyrl"} if value == "sr" else {value}
        had = set(target.locales)
        locales = had - pair if value in had else had | pair
        target = replace(target, locales=tuple(sorted(locales)))
    elif field is Choice.EVERYONE and value == "0":
        target = Target()
    else:
        raise Stale
    if not await ctx.uow.broadcasts.edit(b.id, target=scope(ctx, target)):
        raise Stale
    return await _audience_page(ctx, await announcement(ctx, b.id, BroadcastStatus.DRAFT))


@flow.on_button("aw", guard=OWN)
async def pick_workshop(ctx: Context, broadcast_id: int) -> Reply:
    """People signed up for which upcoming workshop (at the sender's centres)?"""
    b = await editable(ctx, broadcast_id)
    buttons = [
        Button(
            f"{'✅ ' if s.workshop_id == b.target.workshop_id else ''}"
            f"{pick_title(s.titles, ctx.locale)[:40]} · {short(ctx, s.starts_at)}",
            choose.link(b.id, Choice.WORKSHOP, str(s.workshop_id)),
        )
        for s in await _workshops(ctx)
    ]
    rows = [[button] for button in buttons]
    any_workshop = choose.link(b.id, Choice.WORKSHOP, "0")
    rows.append([ctx.button(N_("Any workshop"), any_workshop, icon="▫️"),
                 back(ctx, edit.link(b.id))])  # fmt: skip
    return ctx.reply(PICK_WORKSHOP, rows, replace=True)


@flow.on_button("aj", guard=OWN)
async def pick_legal(ctx: Context, broadcast_id: int) -> Reply:
    """People with an upcoming legal appointment at which centre?"""
    b = await editable(ctx, broadcast_id)
    centres = await sender_centres(ctx)
    buttons = [
        Button(f"{'✅ ' if c.id == b.target.legal_centre else ''}{ctx.centre_name(c)}",
               choose.link(b.id, Choice.LEGAL, str(c.id))) for c in centres
    ]  # fmt: skip
    none = choose.link(b.id, Choice.LEGAL, "0")
    rows = [*rows_of(buttons), [ctx.button(N_("No appointment needed"), none, icon="▫️"),
                                back(ctx, edit.link(b.id))]]  # fmt: skip
    return ctx.reply(PICK_LEGAL, rows, replace=True)


async def _workshops(ctx: Context) -> list[Session]:
    """One upcoming session per workshop at the centres the sender may reach."""
    allowed = allowed_centres(sender(ctx))
    ids = [c.id for c in await ctx.uow.centres.all()] if allowed is None else list(allowed)
    return await ctx.uow.broadcasts.workshops_ahead(ids, ctx.clock.now())
