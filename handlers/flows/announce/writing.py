"""Writing an announcement: its first text, a draft's page, texts in other languages, and the
language everyone gets whose own is not written."""

from __future__ import annotations

from handlers.context import Context, rows_of
from handlers.flows.announce import attachment, audience, home, report, sending
from handlers.flows.announce.base import (
    OWN,
    OWN_STEP,
    WRITTEN,
    Translation,
    Written,
    announcement,
    editable,
    flow,
    sender,
)
from handlers.flows.announce.helpers import attachment_words, audience_words, back
from handlers.flows.menu import menu_button
from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Kind, Outgoing
from handlers.model import BroadcastStatus, Target
from handlers.router import Reply, Stale
from handlers.rules.broadcasts import MAX_TEXT, scoped
from handlers.texts import N_, T

NO_CENTRE = T(
    "bc.no_centre",
    "No centre has been assigned to you as a coordinator yet, so there is nobody you may send "
    "announcements to. Please ask an admin to assign you to your centre.",
)
ASK_TEXT = T(
    "bc.ask_text",
    "New announcement. Write it in {language} (up to {max} characters). "
    "You can add other languages next.",
)
ASK_TEXT_IN = T("bc.ask_text_in", "Write the announcement in {language}.")
BAD_TEXT = T("bc.bad_text", "Please write a text of 1 to {max} characters.")
DRAFT = T(
    "bc.draft",
    "Announcement #{id} (draft)\n\nWritten in: {languages}\nDefault language: {default} "
    "(for everyone whose language is not written)\nAudience:\n{audience}\nAttachment: {attachment}",
)
PICK_LANGUAGE = T(
    "bc.pick_language", "Which language? ✅ marks the texts written; press one to write it anew."
)
PICK_DEFAULT = T(
    "bc.pick_default", "Which text should people get when their language is not written?"
)


# -- writing -------------------------------------------------------------------------------------
@flow.on_button("new")
async def new(ctx: Context) -> Reply:
    """Start: the text in my own language."""
    user = sender(ctx)
    if scoped(user, Target()) is None:
        return ctx.reply(NO_CENTRE, [menu_button(ctx)], replace=True)
    ctx.set_state("bc.text")
    return ctx.reply(ASK_TEXT, [menu_button(ctx)], language=ctx.language_name(), max=MAX_TEXT)


@flow.on_state("bc.text")
async def first_text(ctx: Context) -> Reply:
    """The first text: a new draft, to everyone the sender may reach."""
    user = sender(ctx)
    text = _typed(ctx)
    if text is None:
        return ctx.reply(BAD_TEXT, [menu_button(ctx)], max=MAX_TEXT)
    target = scoped(user, Target())
    if target is None:
        ctx.clear_state()
        return ctx.reply(NO_CENTRE, [menu_button(ctx)])
    lang = _base(ctx.locale)
    made = await ctx.uow.broadcasts.create(
        created_by=user.id, texts={lang: text}, default_locale=lang, now=ctx.clock.now()
    )
    await ctx.uow.broadcasts.edit(made.id, target=target)
    ctx.clear_state()
    return await draft_page(ctx, made.id, replace=False)


@flow.on_button("d", guard=OWN)
async def draft(ctx: Context, broadcast_id: int) -> Reply:
    """A draft: its texts, default language, audience and attachment."""
    b = await editable(ctx, broadcast_id)
    return await draft_page(ctx, b.id)


async def draft_page(ctx: Context, broadcast_id: int, *, replace: bool = True) -> Outgoing:
    """A draft's page, what every change to it comes back to."""
    b = await announcement(ctx, broadcast_id, BroadcastStatus.DRAFT)
    i = b.id
    rows = [
        [ctx.button(N_("Languages"), languages.link(i), icon="✍️"),
         ctx.button(N_("Default language"), default_language.link(i), icon="🌐")],
        [ctx.button(N_("Audience"), audience.edit.link(i), icon="👥"),
         ctx.button(N_("Photo or pin"), attachment.options.link(i), icon="📎")],
        [ctx.button(N_("Preview"), sending.preview.link(i), icon="👁")],
        [ctx.button(N_("Delete draft"), report.ask_stop.link(i), icon="🗑"),
         back(ctx, home.show.link())],
    ]  # fmt: skip
    return ctx.reply(
        DRAFT, rows, replace=replace, id=i,
        languages=", ".join(LANGUAGE_NAMES[k] for k in WRITTEN if k in b.texts),
        default=LANGUAGE_NAMES[b.default_locale], audience=await audience_words(ctx, b.target),
        attachment=await attachment_words(ctx, b),
    )  # fmt: skip


@flow.on_button("lg", guard=OWN)
async def languages(ctx: Context, broadcast_id: int) -> Reply:
    """Write (or write anew) the text in one language."""
    b = await editable(ctx, broadcast_id)
    buttons = [
        ctx.button(LANGUAGE_NAMES[k], text_in.link(b.id, k), icon="✅" if k in b.texts else "▫️")
        for k in WRITTEN
    ]
    return ctx.reply(
        PICK_LANGUAGE, [*rows_of(buttons, 3), [back(ctx, draft.link(b.id))]], replace=True
    )


@flow.on_button("tl", guard=OWN)
async def text_in(ctx: Context, broadcast_id: int, lang: Written) -> Reply:
    """Ask for the text in `lang`."""
    b = await editable(ctx, broadcast_id)
    ctx.set_state("bc.tr", **Translation(b.id, lang).data())
    return ctx.reply(ASK_TEXT_IN, [[back(ctx, draft.link(b.id))]], language=LANGUAGE_NAMES[lang])


@flow.on_state("bc.tr", guard=OWN_STEP)
async def translation(ctx: Context, step: Translation) -> Reply:
    """A text in another language."""
    b = await announcement(ctx, step.id, BroadcastStatus.DRAFT)
    text = _typed(ctx)
    if text is None:
        return ctx.reply(BAD_TEXT, [[back(ctx, draft.link(b.id))]], max=MAX_TEXT)
    if not await ctx.uow.broadcasts.edit(b.id, texts={**b.texts, step.lang: text}):
        raise Stale
    ctx.clear_state()
    return await draft_page(ctx, b.id, replace=False)


@flow.on_button("df", guard=OWN)
async def default_language(ctx: Context, broadcast_id: int) -> Reply:
    """Which written text goes to people whose language is not written."""
    b = await editable(ctx, broadcast_id)
    buttons = [
        ctx.button(
            LANGUAGE_NAMES[k], set_default.link(b.id, k),
            icon="✅" if k == b.default_locale else "▫️",
        )
        for k in WRITTEN
        if k in b.texts
    ]  # fmt: skip
    return ctx.reply(
        PICK_DEFAULT, [*rows_of(buttons, 3), [back(ctx, draft.link(b.id))]], replace=True
    )


@flow.on_button("dl", guard=OWN)
async def set_default(ctx: Context, broadcast_id: int, lang: Written) -> Reply:
    """Make a written text the default."""
    b = await editable(ctx, broadcast_id)
    if lang not in b.texts or not await ctx.uow.broadcasts.edit(b.id, default_locale=lang):
        raise Stale
    return await draft_page(ctx, b.id)


def _base(locale: str) -> str:
    return "sr" if locale == "sr_Cyrl" else locale


def _typed(ctx: Context) -> str | None:
    """A typed announcement text, as written (line breaks kept); None if empty or too long."""
    text = ctx.incoming.text.strip() if ctx.incoming.kind is Kind.TEXT else ""
    return text if 1 <= len(text) <= MAX_TEXT else None
