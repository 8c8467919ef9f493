"""The main menu, and a polite word for the parts that are not built yet."""

from __future__ import annotations

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

# (label, payload, icon): an emoji on every entry as a visual anchor for people who read little.
ENTRIES = (
    (N_("Workshops"), "ws:home", "📅"),
    (N_("Legal advice"), "lg:home", "⚖️"),
    (N_("Ask a question"), "menu:soon:ask", "💬"),
    (N_("Volunteer"), "vol:home", "🤝"),
    (N_("Centres"), "cen:list", "📍"),
    (N_("Settings"), "set:open", "⚙️"),
    (N_("My bookings"), "ws:mine", "📌"),
)


def main_menu(ctx: Context, text: Text = MENU, *, replace: bool = False, **params: Any) -> Outgoing:
    """The main menu under a message (by default the menu's own question)."""
    buttons = [ctx.button(label, payload, icon=icon) for label, payload, icon in ENTRIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if ctx.user is not None and ctx.user.has_role(Role.COORDINATOR, Role.ADMIN):
        rows.append(
            [ctx.button(N_("Coordinate workshops"), "cw:home", icon="🗂"),
             ctx.button(N_("Volunteers"), "cv:home", icon="🤝")]
        )  # fmt: skip
        rows.append([ctx.button(N_("Announcements"), "bc:home", icon="📣")])
    if ctx.user is not None and ctx.user.has_role(Role.ADVISER):
        rows.append([ctx.button(N_("My appointments"), "adv:home", icon="🗓")])
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
