"""Answers shared by all flows: not understood, expired button, please start, sorry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handlers.context import Context
from handlers.messages import Button, Outgoing
from handlers.texts import N_, T, Text

AGAIN = T("common.again", "Sorry, I did not understand. Please use the buttons.\n\n{question}")
NOT_UNDERSTOOD = T(
    "common.not_understood", "Sorry, I did not understand. Please use the buttons below."
)
EXPIRED = T(
    "common.expired",
    "This button is from an older message and no longer works. Here is the menu.",
)
NO_PHOTO_HERE = T(
    "common.no_photo_here", "Sorry, I cannot use a photo here. Please write your answer."
)
NEED_START = T("common.need_start", "To use this, please start first and choose your language.")
ERROR = T("common.error", "Sorry, something went wrong on our side. Please try again in a moment.")


def again(
    ctx: Context, question: Text, keyboard: Iterable[Sequence[Button]], **params: object
) -> Outgoing:
    """Typed text where a button was expected: one line of explanation, the same question."""
    return ctx.reply(AGAIN, keyboard, question=ctx.t(question, **params))


def start_button(ctx: Context) -> list[Button]:
    """A "Start" button row for people the bot does not know."""
    return [ctx.button(N_("Start"), "start:begin", icon="▶️")]


def need_start(ctx: Context) -> Outgoing:
    """A feature for registered people, asked for by someone unknown (or deleted)."""
    return ctx.reply(NEED_START, [start_button(ctx)])


def error(ctx: Context) -> Outgoing:
    """Something failed on our side; nothing was saved; the person can simply try again."""
    row = (
        start_button(ctx) if ctx.user is None else [ctx.button(N_("Menu"), "menu:main", icon="🏠")]
    )
    return ctx.reply(ERROR, [row])
