"""Sending an announcement: the preview as recipients get it with the numbers, sending now,
and scheduling it for a time."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Context
from handlers.flows.announce import audience, report, writing
from handlers.flows.announce.base import (
    OWN,
    OWN_STEP,
    Draft,
    announcement,
    editable,
    flow,
    scope,
    sender,
)
from handlers.flows.announce.helpers import audience_words, back
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time
from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Kind
from handlers.model import SESSION_ONLY, BroadcastStatus, Target
from handlers.notices import broadcast_text, render, with_attachment
from handlers.router import Reply
from handlers.rules.broadcasts import MESSAGE
from handlers.texts import N_, T

PLATFORMS = {"telegram": "Telegram", "viber": "Viber", "console": "Console"}
COUNTS = T(
    "bc.counts",
    "Above: the announcement as people reading {language} get it.\n\n"
    "Recipients: {total} ({platforms})\nAudience:\n{audience}",
)
VIBER_PAID = T(
    "bc.viber_paid",
    "Viber: {paid} of them are outside the free 24-hour window; those messages are paid "
    "(about {cost} {currency}).",
)
VIBER_SKIPPED = T(
    "bc.viber_skipped",
    "Viber: {paid} of them are outside the free 24-hour window and will not get it "
    "(paid Viber messages are switched off).",
)
NOBODY = T("bc.nobody", "Nobody is in this audience right now. Please change the audience.")
SENDING = T("bc.sending", "Sending to {count} people. You will get a report when it is done.")
ALREADY = T("bc.already", "This announcement was already sent or cancelled by someone else.")
ASK_WHEN = T("bc.ask_when", "When should it go? Write the day and time like 24.11.2026 18:00")
BAD_WHEN = T("bc.bad_when", "Please write a day and time in the future, like 24.11.2026 18:00")
SCHEDULED = T("bc.scheduled", "Scheduled for {when}. You can cancel it until then.")


# -- preview, send, schedule ---------------------------------------------------------------------
@flow.on_button("p", guard=OWN)
async def preview(ctx: Context, broadcast_id: int) -> Reply:
    """The message exactly as a recipient in the default language gets it, then the numbers."""
    b = await editable(ctx, broadcast_id)
    target, i = scope(ctx, b.target), b.id
    counts = await ctx.uow.broadcasts.count(target, ctx.clock.now())
    total = sum(counts.values())
    centre = await ctx.uow.centres.get(b.pin_centre) if b.pin_centre else None
    # Rendered the way the delivery worker renders it for a person reading the default language.
    lang, chat = b.default_locale, ctx.incoming.chat_id
    shown = render(ctx.tr, lang, chat, MESSAGE.key, {"text": broadcast_text(b, lang)}, [])
    shown = with_attachment(shown, b, centre, lang)
    cancel = ctx.button(N_("Cancel"), report.ask_stop.link(i), icon="❌")
    last = [back(ctx, writing.draft.link(i)), cancel]
    if not total:
        change = [ctx.button(N_("Audience"), audience.edit.link(i), icon="👥")]
        return [shown, ctx.reply(NOBODY, [change, last])]
    rows = [
        [ctx.button(N_("Send now"), send_now.link(i), icon="📣"),
         ctx.button(N_("Send at a time"), ask_when.link(i), icon="🕓")],
        last,
    ]  # fmt: skip
    platforms = ", ".join(f"{PLATFORMS.get(p, p)} {n}" for p, n in sorted(counts.items()))
    counted = ctx.reply(
        COUNTS, rows, total=total, platforms=platforms,
        language=LANGUAGE_NAMES[b.default_locale], audience=await audience_words(ctx, target),
    )  # fmt: skip
    if counts.get("viber") and (note := await _viber_note(ctx, target)):
        counted = replace(counted, text=f"{counted.text}\n\n{note}")
    return [shown, counted]


@flow.on_button("go", guard=OWN)
async def send_now(ctx: Context, broadcast_id: int) -> Reply:
    """Queue a message to everyone in the audience now; of two presses, one sends."""
    user = sender(ctx)
    ctx.clear_state()
    b = await announcement(ctx, broadcast_id)
    see = ctx.button(N_("See the report"), report.show.link(b.id), icon="📊")
    done = [[see, *menu_button(ctx)]]
    if b.status is not BroadcastStatus.DRAFT:
        return ctx.reply(ALREADY, done, replace=True)
    target, now = scope(ctx, b.target), ctx.clock.now()
    if not sum((await ctx.uow.broadcasts.count(target, now)).values()):
        change = ctx.button(N_("Audience"), audience.edit.link(b.id), icon="👥")
        return ctx.reply(NOBODY, [[change]])
    # Checked again right before: the sender may have been unbound from a centre meanwhile.
    if not await ctx.uow.broadcasts.edit(b.id, target=target):
        return ctx.reply(ALREADY, done, replace=True)
    queued = await ctx.uow.broadcasts.start(b.id, user.id, now)
    if queued is None:
        return ctx.reply(ALREADY, done, replace=True)
    return ctx.reply(SENDING, done, replace=True, count=queued)


@flow.on_button("w", guard=OWN)
async def ask_when(ctx: Context, broadcast_id: int) -> Reply:
    """Send at a time: ask for the day and time."""
    b = await editable(ctx, broadcast_id)
    ctx.set_state("bc.when", **Draft(b.id).data())
    return ctx.reply(ASK_WHEN, [[back(ctx, preview.link(b.id))]])


@flow.on_state("bc.when", guard=OWN_STEP)
async def when(ctx: Context, step: Draft) -> Reply:
    """`24.11.2026 18:00` in the programme's timezone, in the future."""
    user = sender(ctx)
    b = await announcement(ctx, step.id, BroadcastStatus.DRAFT)
    again = [[back(ctx, preview.link(b.id))]]
    parts = ctx.incoming.text.split() if ctx.incoming.kind is Kind.TEXT else []
    day = typed_day(ctx, parts[0]) if len(parts) == 2 else None
    clock = typed_time(parts[1]) if len(parts) == 2 else None
    if day is None or clock is None or not real_time(ctx, day, clock):
        return ctx.reply(BAD_WHEN, again)
    at = local(ctx, day, clock)
    if at <= ctx.clock.now():
        return ctx.reply(BAD_WHEN, again)
    ctx.clear_state()
    see = ctx.button(N_("See the report"), report.show.link(b.id), icon="📊")
    done = [[see, *menu_button(ctx)]]
    edited = await ctx.uow.broadcasts.edit(b.id, target=scope(ctx, b.target))
    if not edited or not await ctx.uow.broadcasts.schedule(b.id, at, user.id):
        return ctx.reply(ALREADY, done)
    cancel = ctx.button(N_("Cancel it"), report.ask_stop.link(b.id), icon="❌")
    return ctx.reply(
        SCHEDULED, [[cancel, *menu_button(ctx)]], when=ctx.tr.format_datetime(ctx.locale, at)
    )


async def _viber_note(ctx: Context, target: Target) -> str | None:
    """How many Viber recipients are outside the free window, and what that costs or means."""
    paid = await ctx.uow.broadcasts.paid(target, ctx.clock.now())
    if not paid:
        return None
    policy = ctx.policy
    if policy.viber_paid_messages == SESSION_ONLY:
        return ctx.t(VIBER_SKIPPED, paid=paid)
    cost = f"{paid * policy.viber_message_price:.2f}"
    return ctx.t(VIBER_PAID, paid=paid, cost=cost, currency=policy.viber_price_currency)
