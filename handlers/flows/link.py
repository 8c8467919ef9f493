"""Linking one person's Telegram and Viber accounts with a one-time code.

Settings → *Link Telegram and Viber* shows a code; `/link CODE` typed in the other app adds
that account to the same person, who then gets reminders and news on the app used last.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from handlers.context import Context
from handlers.flows.lookup import signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.replies import start_button
from handlers.messages import Outgoing
from handlers.router import Flow
from handlers.texts import T

flow = Flow("link")
CODE_TTL = timedelta(minutes=10)

CODE = T(
    "link.code",
    "To get my messages on both Telegram and Viber as one person, open me in the other app "
    "and write:\n\n/link {code}\n\nThe code works once, for 10 minutes.",
)
LINKED = T(
    "link.done",
    "Done: this account is linked to your other one. Reminders and news come to the app "
    "you used last.",
)
UNKNOWN = T(
    "link.unknown",
    "That code does not work (a code works once, for 10 minutes). Please make a new one in "
    "Settings in your other app.",
)
TAKEN = T(
    "link.taken",
    "This account already has its own data here, so it cannot be linked. To link it, first "
    "delete its data (Settings → Delete my data), then write the code again.",
)
ALREADY = T("link.already", "This account is already linked.")
HOW = T("link.how", "Please write the code from your other app like this: /link 123456")


@flow.on_button("code")
async def make_code(ctx: Context) -> Outgoing:
    """A fresh one-time code for the person."""
    user = signed_up(ctx)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await ctx.uow.users.new_link_code(user.id, code, ctx.clock.now(), CODE_TTL)
    return ctx.reply(CODE, [menu_button(ctx)], code=code)


@flow.on_command("link")
async def link(ctx: Context) -> Outgoing:
    """`/link CODE` in the other app: this account joins the person whose code it is."""
    code = "".join(ctx.incoming.text.split())
    if not (code.isdigit() and len(code) == 6):
        rows = [menu_button(ctx)] if ctx.user else [start_button(ctx)]
        return ctx.reply(HOW, rows)
    incoming = ctx.incoming
    outcome = await ctx.uow.users.link(
        code, platform=incoming.platform, external_id=incoming.user_id,
        chat_id=incoming.chat_id, now=ctx.clock.now(),
    )  # fmt: skip
    if outcome == "linked":
        ctx.user = await ctx.uow.users.by_identity(incoming.platform, incoming.user_id)
        if ctx.user is not None:
            ctx.use_locale(ctx.user.locale)
        return main_menu(ctx, LINKED)
    if outcome == "already":
        return main_menu(ctx, ALREADY)
    rows = [menu_button(ctx)] if ctx.user else [start_button(ctx)]
    return ctx.reply(TAKEN if outcome == "taken" else UNKNOWN, rows)
