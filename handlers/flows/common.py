"""Commands that work from any step (/help, /menu, /language, /cancel) and the fallbacks."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import replies
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.settings import language_choice
from handlers.flows.start import ONBOARDING, language_picker, resume
from handlers.messages import Outgoing
from handlers.router import Flow, anyone
from handlers.texts import N_, T

flow = Flow("common", guard=anyone)

HELP = T(
    "common.help",
    "I work with buttons: press one under my message.\n\n"
    "/menu – the main menu\n"
    "/language – change the language\n"
    "/cancel – stop what you are doing\n"
    "/help – this help\n\n"
    "To see or delete your data, open Settings.",
)
# The commands a messenger shows in its menu, with a short description each.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start again")),
    ("menu", N_("Main menu")),
    ("language", N_("Change the language")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("How to use this bot")),
)
CANCELLED = T("common.cancelled", "Stopped. Here is the menu.")
SLOW_DOWN = T(
    "common.slow_down",
    "You are sending messages faster than I can answer. I will answer what I have so far; "
    "please wait for my answers before you write again.",
)
UNKNOWN_COMMAND = T(
    "common.unknown_command", "I do not know this command. Write /help to see what I can do."
)


@flow.on_command("help")
async def help_(ctx: Context) -> Outgoing:
    """What the bot can do and how to use it."""
    if ctx.user is None:
        return ctx.reply(HELP, [replies.start_button(ctx)])
    return main_menu(ctx, HELP)


@flow.on_command("menu")
async def menu(ctx: Context) -> Outgoing:
    """The main menu from anywhere; newcomers first choose a language."""
    if ctx.user is None:
        return language_picker(ctx)
    if ctx.state.name.startswith(ONBOARDING):
        return await resume(ctx)  # the two onboarding questions are what the menu relies on
    ctx.clear_state()
    return main_menu(ctx)


@flow.on_command("cancel")
async def cancel(ctx: Context) -> Outgoing:
    """Drop the current step (nothing half-done is kept) and show the menu."""
    if ctx.user is None:
        return language_picker(ctx)
    if ctx.state.name.startswith(ONBOARDING):
        return await resume(ctx)
    ctx.clear_state()
    return main_menu(ctx, CANCELLED)


@flow.on_command("language")
async def language(ctx: Context) -> Outgoing:
    """Change the language from anywhere."""
    if ctx.user is None:
        return language_picker(ctx)
    return language_choice(ctx)


async def unknown_command(ctx: Context) -> Outgoing:
    """A command we do not have."""
    if ctx.user is None:
        return ctx.reply(UNKNOWN_COMMAND, [replies.start_button(ctx)])
    return main_menu(ctx, UNKNOWN_COMMAND)


async def stale(ctx: Context) -> Outgoing:
    """A button we cannot act on any more (an old message, or not meant for this person)."""
    if ctx.user is None:
        return replies.need_start(ctx)
    ctx.clear_state()
    return main_menu(ctx, replies.EXPIRED)


async def not_understood(ctx: Context) -> Outgoing:
    """Typed text or a shared location where the current step expects none."""
    if ctx.user is None:
        return language_picker(ctx)
    if ctx.state.name:
        return await resume(ctx)
    return main_menu(ctx, replies.NOT_UNDERSTOOD)


async def photo_not_here(ctx: Context) -> Outgoing:
    """A photo at a step that expects typed words: the step stays, the person is asked again."""
    return ctx.reply(replies.NO_PHOTO_HERE, [menu_button(ctx)])


def slow_down(ctx: Context) -> Outgoing:
    """Told once when a person has more messages waiting than we keep (the rest are dropped)."""
    return ctx.reply(SLOW_DOWN)
