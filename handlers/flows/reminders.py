"""The answers on a reminder: "I'll come" is noted; "I can't come" cancels the normal way.

Routes: `rem:yes:<reminder>` and `rem:no:<reminder>`, each only for the person the reminder
was sent to (the buttons are written by `handlers.rules.reminders`).
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows.events import canceller_for
from handlers.flows.guards import own, person
from handlers.flows.menu import menu_button
from handlers.model import Reminder
from handlers.router import Flow, Reply, Stale
from handlers.texts import T
from handlers.usecases import reminders

flow = Flow("rem", guard=person)

COMING = T("reminder.coming", "Thank you! See you there.")
NOT_COMING = T("reminder.not_coming", "Thank you for telling us. We hope to see you another time.")
STARTED = T("reminder.started", "This has already started, so nothing was changed.")


async def _whose(ctx: Context, reminder_id: int) -> int | None:
    """The person a reminder was sent to, if there is such a reminder."""
    reminder = await ctx.uow.reminders.get(reminder_id)
    return reminder.user_id if reminder is not None else None


OWN = own("reminder_id", via=_whose)


async def _reminder(ctx: Context, reminder_id: int) -> Reminder:
    reminder = await ctx.uow.reminders.get(reminder_id)
    if reminder is None:
        raise Stale
    return reminder


@flow.on_button("yes", guard=OWN)
async def coming(ctx: Context, reminder_id: int) -> Reply:
    """'I'll come': stored, so the centre knows whom to expect."""
    reminder = await _reminder(ctx, reminder_id)
    await ctx.uow.reminders.answer(reminder.id, "coming")
    return ctx.reply(COMING, [menu_button(ctx)])


@flow.on_button("no", guard=OWN)
async def not_coming(ctx: Context, reminder_id: int) -> Reply:
    """'I can't come': stored, and the event is cancelled through its own cancel path."""
    reminder = await _reminder(ctx, reminder_id)
    if reminder.starts_at <= ctx.clock.now():
        return ctx.reply(STARTED, [menu_button(ctx)])
    await ctx.uow.reminders.answer(reminder.id, "not_coming")
    # No more reminders of it, whatever the event's own cancel path does.
    await reminders.cancel(ctx.uow, ref=reminder.ref, now=ctx.clock.now(), user_id=reminder.user_id)
    cancel = canceller_for(reminder.ref)
    if cancel is not None:
        return await cancel(ctx, reminder.ref)
    return ctx.reply(NOT_COMING, [menu_button(ctx)])
