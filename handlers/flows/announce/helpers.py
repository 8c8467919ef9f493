"""What several announcement screens share: the Back button, short dates and snippets, and an
announcement's audience and attachment in words."""

from __future__ import annotations

from datetime import datetime

from handlers.context import Context
from handlers.flows.announce.base import WRITTEN
from handlers.flows.announce.texts import (
    AUD_ALL,
    AUD_CENTRES,
    AUD_LANGUAGES,
    AUD_LEGAL,
    AUD_LOCALS,
    AUD_RETURNEES,
    AUD_VOLUNTEERS,
    AUD_WORKSHOP,
    PIN,
)
from handlers.flows.typed import zone
from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Button
from handlers.model import Broadcast, ResidentStatus, Target
from handlers.notices import pick_title
from handlers.texts import N_


def back(ctx: Context, payload: str) -> Button:
    """The Back button, to `payload`."""
    return ctx.button(N_("Back"), payload, icon="◀️")


def short(ctx: Context, moment: datetime) -> str:
    """A moment as `24.11.2026 18:00` in the programme's timezone."""
    return moment.astimezone(zone(ctx)).strftime("%d.%m.%Y %H:%M")


def snippet(b: Broadcast, size: int = 40) -> str:
    """The start of the default text, on one line."""
    text = " ".join(b.texts.get(b.default_locale, "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


async def attachment_words(ctx: Context, b: Broadcast) -> str:
    """What goes with the announcement: a photo, a centre's map pin, or none."""
    if b.photo:
        return ctx._(N_("a photo"))
    centre = await ctx.uow.centres.get(b.pin_centre) if b.pin_centre else None
    return ctx.t(PIN, centre=ctx.centre_name(centre)) if centre else ctx._(N_("none"))


async def audience_words(ctx: Context, target: Target, *, sep: str = "\n") -> str:
    """The audience in words, one criterion a line."""
    centres = {c.id: c for c in await ctx.uow.centres.all()}
    lines = []
    if target.centres:
        names = ", ".join(ctx.centre_name(centres[c]) for c in target.centres if c in centres)
        lines.append(ctx.t(AUD_CENTRES, centres=names))
    if target.status is ResidentStatus.RETURNEE:
        lines.append(ctx.t(AUD_RETURNEES))
    if target.status is ResidentStatus.LOCAL:
        lines.append(ctx.t(AUD_LOCALS))
    if target.volunteers:
        lines.append(ctx.t(AUD_VOLUNTEERS))
    if target.workshop_id is not None:
        ahead = await ctx.uow.broadcasts.workshops_ahead(list(centres), ctx.clock.now())
        found = next((s for s in ahead if s.workshop_id == target.workshop_id), None)
        title = pick_title(found.titles, ctx.locale) if found else f"#{target.workshop_id}"
        lines.append(ctx.t(AUD_WORKSHOP, title=title))
    if target.legal_centre is not None and target.legal_centre in centres:
        lines.append(ctx.t(AUD_LEGAL, centre=ctx.centre_name(centres[target.legal_centre])))
    if target.locales:
        names = ", ".join(LANGUAGE_NAMES[k] for k in WRITTEN if k in target.locales)
        lines.append(ctx.t(AUD_LANGUAGES, languages=names))
    return sep.join(f"• {line}" for line in lines or [ctx.t(AUD_ALL)])
