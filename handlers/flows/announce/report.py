"""Where an announcement stands and, once sent, what arrived; deleting a draft, cancelling a
scheduled one and stopping one being sent."""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.flows.announce import home, writing
from handlers.flows.announce.base import OWN, announcement, flow
from handlers.flows.announce.helpers import audience_words, back, snippet
from handlers.flows.announce.texts import STATUS_NAMES
from handlers.flows.menu import menu_button
from handlers.messages import Outgoing
from handlers.model import Broadcast, BroadcastStatus
from handlers.router import Reply
from handlers.texts import N_, T

ASK_DELETE = T("bc.ask_delete", "Delete this draft?")
ASK_CANCEL = T("bc.ask_cancel", "Cancel this announcement? Nobody will get it.")
ASK_STOP = T(
    "bc.ask_stop", "Stop sending? People who already have it keep it; nobody else will get it."
)
DELETED = T("bc.deleted", "The draft is deleted.")
CANCELLED = T("bc.cancelled", "Cancelled. Nobody will get it.")
STOPPED = T("bc.stopped", "Stopped. {delivered} people had it already; the others will not get it.")
PLAN = T(
    "bc.plan",
    "Announcement #{id}: {status}\nWritten by #{by}\nWhen: {when}\nAudience:\n{audience}\n\n"
    "{message}",
)
REPORT_PAGE = T(
    "bc.report_page",
    "Announcement #{id}: {status}\nWritten by #{by}, sent by #{sender}\nWhen: {when}\n"
    "Audience:\n{audience}\nRecipients: {recipients}\n\nDelivered: {delivered}\n"
    "Not delivered (blocked the bot or left): {blocked}\nFailed: {failed}\n"
    "Stopped before sending: {stopped}\nStill queued: {queued}\n\n{message}",
)
OUTSIDE_WINDOW = T(
    "bc.outside_window",
    "Not sent on Viber (outside the free 24-hour window; paid messages are switched off): "
    "{outside_window}",
)


# -- report, cancel, stop ------------------------------------------------------------------------
@flow.on_button("r", guard=OWN)
async def show(ctx: Context, broadcast_id: int) -> Reply:
    """Where an announcement stands; for one sent, what arrived."""
    ctx.clear_state()
    return await _report(ctx, await announcement(ctx, broadcast_id))


async def _report(ctx: Context, b: Broadcast, *, replace: bool = True) -> Outgoing:
    i, rows = b.id, []
    if b.status is BroadcastStatus.DRAFT:
        rows.append([ctx.button(N_("Open the draft"), writing.draft.link(i), icon="✏️")])
    if b.status is BroadcastStatus.SCHEDULED:
        rows.append([ctx.button(N_("Cancel it"), ask_stop.link(i), icon="❌")])
    if b.status is BroadcastStatus.SENDING:
        rows.append([ctx.button(N_("Stop sending"), ask_stop.link(i), icon="⛔"),
                     ctx.button(N_("Refresh"), show.link(i), icon="🔄")])  # fmt: skip
    rows.append([back(ctx, home.listing.link(0)), *menu_button(ctx)])
    common: dict[str, Any] = {
        "id": i, "status": ctx._(STATUS_NAMES[b.status]), "by": b.created_by or "?",
        "when": ctx.tr.format_datetime(ctx.locale, b.started_at or b.send_at or b.created_at),
        "audience": await audience_words(ctx, b.target), "message": snippet(b, 300),
    }  # fmt: skip
    if b.started_at is None:
        return ctx.reply(PLAN, rows, replace=replace, **common)
    common.update(await ctx.uow.broadcasts.report(i))
    if outside := common.get("outside_window"):  # only with paid Viber messages switched off
        line = ctx.t(OUTSIDE_WINDOW, outside_window=outside)
        common["message"] = f"{line}\n\n{common['message']}"
    return ctx.reply(
        REPORT_PAGE, rows, replace=replace, sender=b.sent_by or "–", recipients=b.recipients,
        **common,
    )  # fmt: skip


@flow.on_button("s", guard=OWN)
async def ask_stop(ctx: Context, broadcast_id: int) -> Reply:
    """Delete a draft, cancel a scheduled one or stop sending: are you sure?"""
    ctx.clear_state()
    b = await announcement(ctx, broadcast_id)
    question = {
        BroadcastStatus.DRAFT: ASK_DELETE, BroadcastStatus.SCHEDULED: ASK_CANCEL,
        BroadcastStatus.SENDING: ASK_STOP,
    }.get(b.status)  # fmt: skip
    if question is None:
        return await _report(ctx, b)
    no = writing.draft.link(b.id) if b.status is BroadcastStatus.DRAFT else show.link(b.id)
    yes = ctx.button(N_("Yes"), stop.link(b.id), icon="⛔")
    return ctx.reply(question, [[yes, ctx.button(N_("No"), no, icon="◀️")]], replace=True)


@flow.on_button("ss", guard=OWN)
async def stop(ctx: Context, broadcast_id: int) -> Reply:
    """Do it: nothing more goes out (what a worker is sending this moment still arrives)."""
    b = await announcement(ctx, broadcast_id)
    if not await ctx.uow.broadcasts.stop(b.id, ctx.clock.now()):
        return await _report(ctx, await announcement(ctx, b.id))
    rows = [[back(ctx, home.listing.link(0)), *menu_button(ctx)]]
    if b.status is BroadcastStatus.DRAFT:
        return ctx.reply(DELETED, rows, replace=True)
    if b.status is BroadcastStatus.SCHEDULED:
        return ctx.reply(CANCELLED, rows, replace=True)
    counts = await ctx.uow.broadcasts.report(b.id)
    see = [ctx.button(N_("See the report"), show.link(b.id), icon="📊")]
    return ctx.reply(STOPPED, [see, *rows], replace=True, delivered=counts["delivered"])
