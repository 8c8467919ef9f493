"""The main menu, and a polite word for the parts that are not built yet."""

from __future__ import annotations

import functools
from typing import Any

from handlers.context import Context
from handlers.flows.guards import person
from handlers.messages import Button, Outgoing
from handlers.model import Role
from handlers.router import Flow
from handlers.texts import N_, T, Text

flow = Flow("menu", guard=person)

MENU = T("menu.main", "Main menu. What would you like to do?")
SOON = T(
    "menu.soon",
    "This part is not ready yet. We are working on it and will tell you when it is ready.",
)


@functools.cache
def entries() -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...], str]:
    """(label, payload, icon) of everyone's entries, the staff's, and the advisers' one.

    An emoji on every entry is a visual anchor for people who read little. Built on first use:
    every journey shows this menu, so its module cannot import them all when it loads.
    """
    from handlers.flows import (
        advise,
        announce,
        centres,
        coordinate,
        coordinate_volunteers,
        legal,
        settings,
        volunteer,
        workshops,
    )  # fmt: skip

    everyone = (
        (N_("Workshops"), workshops.home.link(), "📅"),
        (N_("Legal advice"), legal.home.link(), "⚖️"),
        (N_("Ask a question"), not_ready.link("ask"), "💬"),
        (N_("Volunteer"), volunteer.join.home.link(), "🤝"),
        (N_("Centres"), centres.show_list.link(), "📍"),
        (N_("Settings"), settings.open_settings.link(), "⚙️"),
        (N_("My bookings"), workshops.mine.link(), "📌"),
    )
    staff = (
        (N_("Coordinate workshops"), coordinate.home.link(), "🗂"),
        (N_("Volunteers"), coordinate_volunteers.centre_page.home.link(), "🤝"),
        (N_("Announcements"), announce.home.show.link(), "📣"),
    )
    return everyone, staff, advise.home.link()


def main_menu(ctx: Context, text: Text = MENU, *, replace: bool = False, **params: Any) -> Outgoing:
    """The main menu under a message (by default the menu's own question)."""
    everyone, staff, appointments = entries()
    buttons = [ctx.button(label, payload, icon=icon) for label, payload, icon in everyone]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if ctx.user is not None and ctx.user.has_role(Role.COORDINATOR, Role.ADMIN):
        mine = [ctx.button(label, payload, icon=icon) for label, payload, icon in staff]
        rows += [mine[:2], mine[2:]]
    if ctx.user is not None and ctx.user.has_role(Role.ADVISER):
        rows.append([ctx.button(N_("My appointments"), appointments, icon="🗓")])
    return ctx.reply(text, rows, replace=replace, **params)


def menu_button(ctx: Context) -> list[Button]:
    """A single "Menu" button row, to put under answers that end a step."""
    return [ctx.button(N_("Menu"), show_menu.link(), icon="🏠")]


@flow.on_button("main")
async def show_menu(ctx: Context) -> Outgoing:
    """Back to the main menu."""
    ctx.clear_state()
    return main_menu(ctx, replace=True)


@flow.on_button("soon")
async def not_ready(ctx: Context, feature: str) -> Outgoing:
    """A menu entry whose feature is still being built."""
    return main_menu(ctx, SOON)
