"""First contact: language, data-protection notice, returnee or local, nearest centre.

Nothing is stored before the person agrees: until then the chosen language and a centre
from a poster's deep link travel inside the buttons' payloads.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import Context, rows_of
from handlers.flows.menu import main_menu
from handlers.flows.replies import again
from handlers.locales import LANGUAGE_NAMES, LOCALES, is_locale, match_locale
from handlers.messages import Button, Outgoing
from handlers.model import Centre, ResidentStatus
from handlers.payloads import LocaleCode, Slug
from handlers.router import Flow, Stale, anyone
from handlers.texts import N_, T

flow = Flow("start", guard=anyone)
onboarding = Flow("ob", guard=anyone)

CONSENT_VERSION = "2026-11"
ONBOARDING = "onboarding."
DEEP_LINK_PREFIX = "centre-"

PICK_LANGUAGE = T(
    "start.language",
    "Hello! I am the RE!NTEGRATE helper. I can tell you about workshops, "
    "free legal advice and our community centres.\n\nPlease choose your language.",
)
NOTICE = T(
    "start.notice",
    "Before we start, a word about your data.\n\n"
    "What we keep: your language, whether you came back from abroad or live here, "
    "your centre, and later your bookings.\n"
    "Why: to show you the right activities and to remind you of them.\n"
    "Who sees it: only the staff of the programme and of your centre.\n"
    "You can see or delete your data at any time in Settings.\n\n"
    "Do you agree?",
)
LATER = T(
    "start.later",
    "That is fine. We have stored nothing about you.\n\n"
    "You can still look at our centres: addresses, opening hours and phone numbers. "
    "If you change your mind, press “I agree”.",
)
STATUS = T("start.status", "Thank you! Did you come back from abroad, or do you live here?")
CENTRE = T("start.centre", "Which community centre is nearest to you?")
CENTRE_PRESET = T(
    "start.centre_preset",
    "Your centre is {centre}. You can change it in Settings.\n\nWhat would you like to do?",
)
DONE = T("start.done", "All set! What would you like to do?")
WELCOME_BACK = T("start.welcome_back", "Welcome back! What would you like to do?")


def language_picker(
    ctx: Context, link: Callable[[str], str] | None = None, *, replace: bool = False
) -> Outgoing:
    """The six languages, each in its own name; the person's phone language comes first.

    `link` makes a language's payload; by default the first-contact choice.
    """
    hinted = match_locale(ctx.incoming.lang_hint)
    order = sorted(LOCALES, key=lambda loc: loc != hinted)
    make = link or chose_language.link
    buttons = [Button(LANGUAGE_NAMES[loc], make(loc)) for loc in order]
    return ctx.reply(PICK_LANGUAGE, rows_of(buttons), replace=replace)


async def _centre_from_link(ctx: Context, argument: str) -> Centre | None:
    slug = argument.strip().lower()
    if not slug.startswith(DEEP_LINK_PREFIX):
        return None
    return await ctx.uow.centres.by_slug(slug.removeprefix(DEEP_LINK_PREFIX))


def _notice(ctx: Context, locale: str, slug: str, *, replace: bool) -> Outgoing:
    return ctx.reply(
        NOTICE,
        [
            [ctx.button(N_("I agree"), agree.link(locale, slug), icon="✅")],
            [ctx.button(N_("Not now"), not_now.link(locale, slug), icon="⏸")],
        ],
        replace=replace,
    )


async def resume(ctx: Context) -> Outgoing:
    """Where a known person continues: an unfinished onboarding step, else the menu."""
    if ctx.state.name == "onboarding.status":
        return ask_status(ctx)
    if ctx.state.name == "onboarding.centre":
        return await ask_centre(ctx)
    ctx.clear_state()
    return main_menu(ctx, WELCOME_BACK)


@flow.on_command("start")
async def start(ctx: Context) -> Outgoing:
    """`/start [centre-<slug>]`: the language picker for newcomers, the menu for others."""
    centre = await _centre_from_link(ctx, ctx.incoming.text)
    if ctx.user is not None:
        return await resume(ctx)
    slug = centre.slug if centre else ""
    return language_picker(ctx, lambda locale: chose_language.link(locale, slug))


@flow.on_button("begin", public=True)
async def begin(ctx: Context) -> Outgoing:
    """The "Start" button shown to people the bot does not know (yet, or any more)."""
    if ctx.user is not None:
        return await resume(ctx)
    return language_picker(ctx, replace=True)


async def _check_slug(ctx: Context, slug: str) -> None:
    """A centre carried in a payload must exist (payloads are never trusted)."""
    if slug and await ctx.uow.centres.by_slug(slug) is None:
        raise Stale(slug)


@flow.on_button("lang", public=True)
async def chose_language(ctx: Context, locale: LocaleCode, slug: Slug = "") -> Outgoing:
    """A language was picked on first contact: show the data notice in that language."""
    if not is_locale(locale):
        raise Stale(locale)
    await _check_slug(ctx, slug)
    ctx.use_locale(locale)
    if ctx.user is not None:
        await ctx.uow.users.update(ctx.user.id, locale=locale)
        return await resume(ctx)
    return _notice(ctx, locale, slug, replace=True)


@flow.on_button("later", public=True)
async def not_now(ctx: Context, locale: LocaleCode, slug: Slug = "") -> Outgoing:
    """No consent: keep nothing, but still show public information."""
    if not is_locale(locale):
        raise Stale(locale)
    await _check_slug(ctx, slug)
    if ctx.user is not None:
        return await resume(ctx)
    ctx.use_locale(locale)
    from handlers.flows import centres  # here: the centres' pages link back to this one

    return ctx.reply(
        LATER,
        [
            [ctx.button(N_("Centres"), centres.show_list.link(locale), icon="📍")],
            [ctx.button(N_("I agree"), agree.link(locale, slug), icon="✅")],
            [ctx.button(N_("Language"), begin.link(), icon="🌐")],
        ],
        replace=True,
    )


@flow.on_button("agree", public=True)
async def agree(ctx: Context, locale: LocaleCode, slug: Slug = "") -> Outgoing:
    """Consent given: from here on the person is stored, starting with the consent itself."""
    if not is_locale(locale):
        raise Stale(locale)
    if ctx.user is not None:
        return await resume(ctx)
    await _check_slug(ctx, slug)
    centre = await ctx.uow.centres.by_slug(slug) if slug else None
    inc = ctx.incoming
    ctx.user = await ctx.uow.users.register(
        platform=inc.platform,
        external_id=inc.user_id,
        chat_id=inc.chat_id,
        locale=locale,
        centre_id=centre.id if centre else None,
        consent_version=ctx.consent_version,
        now=ctx.clock.now(),
    )
    ctx.use_locale(locale)
    return ask_status(ctx, replace=True)


def ask_status(ctx: Context, *, replace: bool = False, note: bool = False) -> Outgoing:
    """Returnee or local resident: the one question the donor's figures need."""
    ctx.set_state("onboarding.status")
    rows = [
        [
            ctx.button(
                N_("I came back from abroad"), chose_status.link(ResidentStatus.RETURNEE), icon="🧳"
            )
        ],
        [ctx.button(N_("I live here"), chose_status.link(ResidentStatus.LOCAL), icon="🏠")],
        [ctx.button(N_("I prefer not to say"), chose_status.link(ResidentStatus.UNSAID))],
    ]
    return again(ctx, STATUS, rows) if note else ctx.reply(STATUS, rows, replace=replace)


async def ask_centre(ctx: Context, *, replace: bool = False, note: bool = False) -> Outgoing:
    """The nearest centre, from the list of centres."""
    ctx.set_state("onboarding.centre")
    centres = await ctx.uow.centres.all()
    buttons = [Button(ctx.centre_name(c), chose_centre.link(c.slug)) for c in centres]
    rows = rows_of(buttons)
    return again(ctx, CENTRE, rows) if note else ctx.reply(CENTRE, rows, replace=replace)


@onboarding.on_button("status")
async def chose_status(ctx: Context, status: ResidentStatus) -> Outgoing:
    """Store the answer; ask for the centre unless a poster's link already chose it."""
    assert ctx.user is not None
    await ctx.uow.users.update(ctx.user.id, status=status)
    if ctx.user.centre_id is not None:
        centre = await ctx.uow.centres.get(ctx.user.centre_id)
        if centre is not None:
            ctx.clear_state()
            return main_menu(ctx, CENTRE_PRESET, replace=True, centre=ctx.centre_name(centre))
    return await ask_centre(ctx, replace=True)


@onboarding.on_button("centre")
async def chose_centre(ctx: Context, slug: Slug) -> Outgoing:
    """Store the nearest centre and open the menu."""
    assert ctx.user is not None
    centre = await ctx.uow.centres.by_slug(slug)
    if centre is None:
        raise Stale(slug)
    await ctx.uow.users.update(ctx.user.id, centre_id=centre.id)
    ctx.clear_state()
    return main_menu(ctx, DONE, replace=True)


@onboarding.on_state("onboarding.status")
async def typed_at_status(ctx: Context) -> Outgoing:
    """Typed text where a button was expected: say so and ask again."""
    return ask_status(ctx, note=True)


@onboarding.on_state("onboarding.centre")
async def typed_at_centre(ctx: Context) -> Outgoing:
    """Typed text where a button was expected: say so and ask again."""
    return await ask_centre(ctx, note=True)
