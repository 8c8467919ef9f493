"""Public information about the community centres: address, opening hours, phone, map pin.

Readable without consent: for people who said "Not now" the language travels in the payload.
"""

from __future__ import annotations

from handlers.context import Context, rows_of
from handlers.flows import start
from handlers.flows.menu import menu_button
from handlers.flows.replies import need_start
from handlers.locales import is_locale
from handlers.messages import Button, Outgoing
from handlers.model import Centre
from handlers.payloads import LocaleCode, Slug
from handlers.router import Flow, Stale, anyone
from handlers.texts import N_, T

flow = Flow("cen", guard=anyone)

LIST = T("centres.list", "Our community centres. Choose one to see its address and opening hours.")
DETAIL = T(
    "centres.detail",
    "{name}\n\nAddress: {address}\nPhone: {phone}\n\nOpening hours:\n{hours}",
)
HOURS_LINE = T("centres.hours_line", "{day}: {opens}–{closes}")
PIN = T("centres.pin", "{name} on the map")
CLOSED = T("centres.closed", "Closed on other days.")


def _carried(ctx: Context) -> str:
    """People without consent carry their language in the payload; others need not."""
    return "" if ctx.user is not None else ctx.locale


def _public(ctx: Context, locale: str) -> bool:
    """Set up the language for someone without consent; False if they cannot be served."""
    if ctx.user is not None:
        return True
    if not is_locale(locale):
        return False
    ctx.use_locale(locale)
    return True


def opening_hours(ctx: Context, centre: Centre) -> str:
    """One line per opening day, with weekday names in the person's language."""
    lines = [
        ctx.t(
            HOURS_LINE,
            day=ctx.tr.weekday_name(ctx.locale, h.weekday),
            opens=h.opens,
            closes=h.closes,
        )
        for h in centre.hours
    ]
    return "\n".join([*lines, ctx.t(CLOSED)])


@flow.on_button("list", public=True)
async def show_list(ctx: Context, locale: LocaleCode = "") -> Outgoing:
    """All centres as buttons."""
    if not _public(ctx, locale):
        return need_start(ctx)
    centres = await ctx.uow.centres.all()
    carried = _carried(ctx)
    buttons = [Button(ctx.centre_name(c), show_centre.link(c.slug, carried)) for c in centres]
    back = (
        menu_button(ctx)
        if ctx.user
        else [ctx.button(N_("Back"), start.not_now.link(ctx.locale), icon="⬅️")]
    )
    return ctx.reply(LIST, [*rows_of(buttons), back], replace=True)


@flow.on_button("show", public=True)
async def show_centre(ctx: Context, slug: Slug, locale: LocaleCode = "") -> list[Outgoing]:
    """One centre's details and its location pin."""
    if not _public(ctx, locale):
        return [need_start(ctx)]
    centre = await ctx.uow.centres.by_slug(slug)
    if centre is None:
        raise Stale(slug)
    name = ctx.centre_name(centre)
    address = ctx.local_name(centre.address)
    rows = [[ctx.button(N_("All centres"), show_list.link(_carried(ctx)), icon="⬅️")]]
    if ctx.user is not None:
        rows.append(menu_button(ctx))
    details = ctx.reply(
        DETAIL,
        rows,
        name=name,
        address=address,
        phone=centre.phone,
        hours=opening_hours(ctx, centre),
    )
    return [
        ctx.reply(PIN, location=ctx.centre_pin(centre), name=name),
        details,
    ]
