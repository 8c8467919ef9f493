"""What goes with an announcement: a photo sent now, a centre's map pin, or nothing."""

from __future__ import annotations

from handlers.context import Context, rows_of
from handlers.flows.announce import writing
from handlers.flows.announce.base import (
    OWN,
    OWN_STEP,
    Draft,
    announcement,
    editable,
    flow,
    sender_centres,
)
from handlers.flows.announce.helpers import attachment_words, back
from handlers.flows.guards import coordinator_of_or_none, every
from handlers.messages import Kind
from handlers.model import BroadcastStatus
from handlers.payloads import CentreId
from handlers.router import Reply, Stale
from handlers.texts import N_, T

MAX_PHOTO_REF = 200
ATTACHMENT = T(
    "bc.attachment", "Add a photo or a centre's map pin (one of them).\nNow: {attachment}"
)
ASK_PHOTO = T("bc.ask_photo", "Send the photo now, as a picture.")


# -- the attachment ------------------------------------------------------------------------------
@flow.on_button("at", guard=OWN)
async def options(ctx: Context, broadcast_id: int) -> Reply:
    """A photo, a centre's pin, or nothing."""
    b = await editable(ctx, broadcast_id)
    pins = [
        ctx.button(ctx.centre_name(c), pin.link(b.id, CentreId(c.id)), icon="📍")
        for c in await sender_centres(ctx)
    ]
    rows = [
        [ctx.button(N_("Send a photo"), ask_photo.link(b.id), icon="🖼")],
        *rows_of(pins),
        [ctx.button(N_("No attachment"), pin.link(b.id, CentreId(0)), icon="▫️"),
         back(ctx, writing.draft.link(b.id))],
    ]  # fmt: skip
    return ctx.reply(ATTACHMENT, rows, replace=True, attachment=await attachment_words(ctx, b))


@flow.on_button("ph", guard=OWN)
async def ask_photo(ctx: Context, broadcast_id: int) -> Reply:
    """Wait for a photo."""
    b = await editable(ctx, broadcast_id)
    ctx.set_state("bc.photo", **Draft(b.id).data())
    return ctx.reply(ASK_PHOTO, [[back(ctx, options.link(b.id))]])


@flow.on_state("bc.photo", photos=True, guard=OWN_STEP)
async def photo(ctx: Context, step: Draft) -> Reply:
    """The photo (the platform's file reference); anything else asks again."""
    b = await announcement(ctx, step.id, BroadcastStatus.DRAFT)
    ref = ctx.incoming.text.strip()
    if ctx.incoming.kind is not Kind.PHOTO or not ref or len(ref) > MAX_PHOTO_REF:
        return ctx.reply(ASK_PHOTO, [[back(ctx, options.link(b.id))]])
    if not await ctx.uow.broadcasts.edit(b.id, photo=ref):
        raise Stale
    ctx.clear_state()
    return await writing.draft_page(ctx, b.id, replace=False)


@flow.on_button("pin", guard=every(OWN, coordinator_of_or_none("centre")))
async def pin(ctx: Context, broadcast_id: int, centre: CentreId) -> Reply:
    """A centre's pin (0: no attachment)."""
    b = await editable(ctx, broadcast_id)
    if centre == 0:
        done = await ctx.uow.broadcasts.edit(b.id, clear_attachment=True)
    elif await ctx.uow.centres.get(centre) is None:
        raise Stale  # its guard checked the binding; an admin's may still name no centre
    else:
        done = await ctx.uow.broadcasts.edit(b.id, pin_centre=centre)
    if not done:
        raise Stale
    return await writing.draft_page(ctx, b.id)
