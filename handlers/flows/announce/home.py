"""Announcements' home and the list: a coordinator's own, newest first; everyone's for admins."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows.announce import report, writing
from handlers.flows.announce.base import flow, sender
from handlers.flows.announce.helpers import audience_words, back, short, snippet
from handlers.flows.announce.texts import STATUS_NAMES
from handlers.flows.menu import menu_button
from handlers.messages import Button
from handlers.model import Broadcast, BroadcastStatus, Role
from handlers.router import Reply
from handlers.texts import N_, T

PAGE = 8
HOME = T("bc.home", "Announcements: news for the people in the programme, in their languages.")
MINE = T("bc.mine", "Your announcements, newest first:\n\n{lines}")
EVERYONE_S = T(
    "bc.all", "All announcements, newest first, with who wrote and sent them:\n\n{lines}"
)
LINE = T(
    "bc.line",
    "#{id} · {when} · {status} · {recipients} recipients\nWritten by #{by}, sent by #{sender}\n"
    "{audience}",
)
NONE_YET = T("bc.none", "No announcements yet.")


# -- home, list ----------------------------------------------------------------------------------
@flow.on_button("home")
async def show(ctx: Context) -> Reply:
    """New announcement, or the ones sent."""
    user = sender(ctx)
    ctx.clear_state()
    label = N_("All announcements") if Role.ADMIN in user.roles else N_("My announcements")
    rows = [
        [ctx.button(N_("New announcement"), writing.new.link(), icon="➕")],
        [ctx.button(label, listing.link(0), icon="📋")],
        menu_button(ctx),
    ]
    return ctx.reply(HOME, rows, replace=True)


@flow.on_button("l")
async def listing(ctx: Context, page: int) -> Reply:
    """Newest first: a coordinator's own; everyone's for admins (the audit trail)."""
    user = sender(ctx)
    ctx.clear_state()
    admin = Role.ADMIN in user.roles
    found = await ctx.uow.broadcasts.recent(
        limit=PAGE + 1, offset=page * PAGE, created_by=None if admin else user.id
    )
    rows = [[Button(f"#{b.id} · {snippet(b)}", _open(b))] for b in found[:PAGE]]
    if len(found) > PAGE:
        rows.append([ctx.button(N_("More"), listing.link(page + 1))])
    rows.append([back(ctx, show.link()), *menu_button(ctx)])
    if not found:
        return ctx.reply(NONE_YET, rows, replace=True)
    lines = []
    for b in found[:PAGE]:
        lines.append(ctx.t(
            LINE, id=b.id, when=short(ctx, b.started_at or b.send_at or b.created_at),
            status=ctx._(STATUS_NAMES[b.status]), by=b.created_by or "?", sender=b.sent_by or "–",
            recipients=b.recipients, audience=await audience_words(ctx, b.target, sep="; "),
        ))  # fmt: skip
    return ctx.reply(EVERYONE_S if admin else MINE, rows, replace=True, lines="\n\n".join(lines))


def _open(b: Broadcast) -> str:
    """A draft opens for editing; any other shows where it stands."""
    return writing.draft.link(b.id) if b.status is BroadcastStatus.DRAFT else report.show.link(b.id)
