"""Answers shared by all flows: not understood, expired button, please start, sorry."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers.context import Context
from handlers.flows.menu import menu_button
from handlers.messages import Button, Outgoing
from handlers.payloads import Step
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
    from handlers.flows.start import begin  # here: first contact answers with these replies

    return [ctx.button(N_("Start"), begin.link(), icon="▶️")]


def need_start(ctx: Context) -> Outgoing:
    """A feature for registered people, asked for by someone unknown (or deleted)."""
    return ctx.reply(NEED_START, [start_button(ctx)])


def error(ctx: Context) -> Outgoing:
    """Something failed on our side; nothing was saved; the person can simply try again."""
    return ctx.reply(ERROR, [start_button(ctx) if ctx.user is None else menu_button(ctx)])


@dataclass(frozen=True)
class Asked(Step):
    """A question asked before something that cannot be undone: only its latest Yes counts."""

    token: str

    @classmethod
    def fresh(cls) -> Asked:
        """A new question, its token unguessable, so an older Yes button no longer works."""
        return cls(secrets.token_hex(4))
