"""Settings: language, centre, reminders, "show my data" and "delete my data"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from handlers.context import Context, rows_of
from handlers.flows.guards import person
from handlers.flows.menu import menu_button
from handlers.flows.replies import Asked, again, start_button
from handlers.flows.start import ONBOARDING, resume
from handlers.locales import LANGUAGE_NAMES, LOCALES, is_locale
from handlers.messages import Button, Outgoing
from handlers.model import ResidentStatus, Role, User
from handlers.payloads import LocaleCode, Slug
from handlers.router import Flow, Stale
from handlers.rules.shifts import CHECKIN_SCOPE, TASK_NAMES
from handlers.texts import N_, T, Text
from handlers.usecases import linking
from handlers.usecases import workshops as workshop_cases

flow = Flow("set", guard=person)
SETTINGS = "settings"
DELETE_STATE = "settings.delete"

MENU = T("settings.menu", "Settings. What would you like to change?")
PICK_LANGUAGE = T("settings.language", "Which language should I speak?")
LANGUAGE_SAVED = T("settings.language_saved", "Done. I will speak {language} with you.")
PICK_CENTRE = T("settings.centre", "Which centre should be yours?")
CENTRE_SAVED = T("settings.centre_saved", "Done. Your centre is now {centre}.")
REMINDERS_ON = T(
    "settings.reminders_on", "Reminders are on. I will remind you before your appointments."
)
REMINDERS_OFF = T(
    "settings.reminders_off", "Reminders are off. You can turn them on again here at any time."
)
MY_DATA = T(
    "settings.my_data",
    "This is everything we store about you:\n\n"
    "Language: {language}\n"
    "You: {status}\n"
    "Your centre: {centre}\n"
    "Reminders: {reminders}\n"
    "Accounts: {accounts}\n"
    "Roles: {roles}\n"
    "Agreed to the data notice: {consent}\n"
    "First contact: {created}",
)
DELETE_CONFIRM = T(
    "settings.delete_confirm",
    "Do you really want to delete your data? Your language, centre and any bookings will be "
    "removed. This cannot be undone.",
)
VOLUNTEER_DATA = T(
    "settings.volunteer_data",
    "As a volunteer: first name {name}, centre {centre}, can help with {tasks}, phone {phone}",
)
CONSENT_VALUE = T("settings.consent_value", "{date} (notice version {version})")
DELETED = T(
    "settings.deleted",
    "Your data has been deleted. Thank you for using RE!NTEGRATE. "
    "Write /start if you want to begin again.",
)

STATUS_NAMES = {
    ResidentStatus.RETURNEE: N_("came back from abroad"),
    ResidentStatus.LOCAL: N_("lives here"),
    ResidentStatus.UNSAID: N_("preferred not to say"),
}
ROLE_NAMES = {
    Role.BENEFICIARY: N_("participant"),
    Role.VOLUNTEER: N_("volunteer"),
    Role.ADVISER: N_("legal adviser"),
    Role.COORDINATOR: N_("coordinator"),
    Role.ADMIN: N_("administrator"),
}
NOT_SET = N_("not chosen yet")


def _user(ctx: Context) -> User:
    assert ctx.user is not None  # routes here are not public: the router guarantees a user
    return ctx.user


async def settings_menu(
    ctx: Context, text: Text = MENU, *, replace: bool = False, **params: Any
) -> Outgoing:
    """The settings entries; the reminders button shows what it is now.

    *Unlink* is there only for a person with accounts in more than one app.
    """
    from handlers.flows import link  # here: linking shows this menu when it is done

    user = _user(ctx)
    linked = len(await ctx.uow.users.accounts(user.id)) > 1
    reminders = (
        ctx.button(N_("Reminders: on"), toggle_reminders.link(), icon="🔔")
        if user.reminders_on
        else ctx.button(N_("Reminders: off"), toggle_reminders.link(), icon="🔕")
    )
    rows = [
        [
            ctx.button(N_("Language"), change_language.link(), icon="🌐"),
            ctx.button(N_("My centre"), change_centre.link(), icon="📍"),
        ],
        [reminders],
        [ctx.button(N_("Link Telegram and Viber"), link.make_code.link(), icon="🔗")],
        [ctx.button(N_("Unlink Telegram and Viber"), link.unlink.link(), icon="✂️")]
        if linked
        else [],
        [ctx.button(N_("Show my data"), show_data.link(), icon="👁")],
        [ctx.button(N_("Delete my data"), ask_delete.link(), icon="🗑")],
        menu_button(ctx),
    ]
    if not ctx.state.name.startswith(ONBOARDING):
        ctx.set_state(SETTINGS)
    return ctx.reply(text, rows, replace=replace, **params)


@flow.on_button("open")
async def open_settings(ctx: Context) -> Outgoing:
    """Settings from the main menu."""
    return await settings_menu(ctx, replace=True)


def language_choice(ctx: Context) -> Outgoing:
    """The language list for someone already registered."""
    buttons = [Button(LANGUAGE_NAMES[loc], change_language.link(loc)) for loc in LOCALES]
    return ctx.reply(PICK_LANGUAGE, rows_of(buttons), replace=True)


@flow.on_button("lang")
async def change_language(ctx: Context, locale: LocaleCode = "") -> Outgoing:
    """Show the languages, or switch to the one pressed."""
    if not locale:
        return language_choice(ctx)
    if not is_locale(locale):
        raise Stale(locale)
    await ctx.uow.users.update(_user(ctx).id, locale=locale)
    ctx.use_locale(locale)
    if ctx.state.name.startswith(ONBOARDING):
        return await resume(ctx)  # /language in the middle of the first questions
    return await settings_menu(ctx, LANGUAGE_SAVED, language=LANGUAGE_NAMES[locale])


@flow.on_button("centre")
async def change_centre(ctx: Context, slug: Slug = "") -> Outgoing:
    """Show the centres, or make the pressed one the person's centre."""
    if not slug:
        centres = await ctx.uow.centres.all()
        buttons = [Button(ctx.centre_name(c), change_centre.link(c.slug)) for c in centres]
        return ctx.reply(PICK_CENTRE, rows_of(buttons), replace=True)
    centre = await ctx.uow.centres.by_slug(slug)
    if centre is None:
        raise Stale(slug)
    await ctx.uow.users.update(_user(ctx).id, centre_id=centre.id)
    return await settings_menu(ctx, CENTRE_SAVED, centre=ctx.centre_name(centre))


@flow.on_button("rem")
async def toggle_reminders(ctx: Context) -> Outgoing:
    """Reminders on or off."""
    user = _user(ctx)
    on = not user.reminders_on
    await ctx.uow.users.update(user.id, reminders_on=on)
    ctx.user = replace(user, reminders_on=on)
    return await settings_menu(ctx, REMINDERS_ON if on else REMINDERS_OFF, replace=True)


@flow.on_button("data")
async def show_data(ctx: Context) -> Outgoing:
    """Everything stored about the person, in words."""
    user = await ctx.uow.users.profile(_user(ctx).id) or _user(ctx)
    centre = await ctx.uow.centres.get(user.centre_id) if user.centre_id else None
    consent = next((c for c in user.consents if c.kind == "data"), None)
    roles = sorted({Role.BENEFICIARY, *user.roles}, key=list(Role).index)
    out = await settings_menu(
        ctx,
        MY_DATA,
        language=LANGUAGE_NAMES[user.locale],
        status=ctx._(STATUS_NAMES[user.status]) if user.status else ctx._(NOT_SET),
        centre=ctx.centre_name(centre) if centre else ctx._(NOT_SET),
        reminders=ctx._(N_("on") if user.reminders_on else N_("off")),
        accounts=", ".join(f"{i.platform} {i.external_id}" for i in user.identities),
        roles=", ".join(ctx._(ROLE_NAMES[r]) for r in roles),
        consent=(
            ctx.t(
                CONSENT_VALUE,
                date=ctx.tr.format_datetime(ctx.locale, consent.given_at),
                version=consent.version,
            )
            if consent
            else ctx._(NOT_SET)
        ),
        created=ctx.tr.format_datetime(ctx.locale, user.created_at),
    )
    request = await ctx.uow.volunteers.of_user(user.id)
    if request is None:
        return out
    where = await ctx.uow.centres.get(request.centre_id)
    line = ctx.t(
        VOLUNTEER_DATA,
        name=request.first_name,
        centre=ctx.centre_name(where) if where else ctx._(NOT_SET),
        tasks=", ".join(ctx._(TASK_NAMES[t]) for t in request.tasks),
        phone=request.phone or ctx._(NOT_SET),
    )
    return replace(out, text=f"{out.text}\n{line}")


@flow.on_button("del")
async def ask_delete(ctx: Context, answer: Literal["", "yes"] = "", token: str = "") -> Outgoing:
    """Ask before deleting; only the "yes" of the latest question counts."""
    if not answer:
        question = Asked.fresh()
        ctx.set_state(DELETE_STATE, **question.data())
        return _delete_question(ctx, question.token)
    if ctx.state.name != DELETE_STATE or ctx.state.data.get("token") != token:
        raise Stale(answer)
    user = _user(ctx)
    now = ctx.clock.now()
    # Places are given back the normal way first, so the next person waiting gets them.
    for booking, session in await ctx.uow.workshops.mine(user.id, now):
        centre = await ctx.uow.centres.get(session.centre_id)
        where = centre.name if centre else ""
        await workshop_cases.cancel_booking(ctx.uow, ctx.policy, booking, session, where, now)
    # Wrong check-in codes are kept under a digest of the person's id: they go with the person.
    await ctx.uow.attempts.forget(CHECKIN_SCOPE, str(user.id))
    accounts = [(a.platform, a.external_id) for a in await ctx.uow.users.accounts(user.id)]
    await linking.forget_tries(ctx.uow, accounts, now)
    await ctx.uow.users.delete(user.id)  # its link codes too
    ctx.user = None
    ctx.state_changed = False  # nothing to save: the state went with the person
    return ctx.reply(DELETED, [start_button(ctx)], replace=True)


def _delete_question(ctx: Context, token: str) -> Outgoing:
    rows = [
        [ctx.button(N_("Yes, delete my data"), ask_delete.link("yes", token), icon="🗑")],
        [ctx.button(N_("No, keep it"), open_settings.link(), icon="↩️")],
    ]
    return ctx.reply(DELETE_CONFIRM, rows, replace=True)


@flow.on_state(DELETE_STATE)
async def typed_at_delete(ctx: Context, asked: Asked) -> Outgoing:
    """Typed text at the delete question: never taken as a yes; ask again."""
    question = _delete_question(ctx, asked.token)
    return again(ctx, DELETE_CONFIRM, question.keyboard)


@flow.on_state(SETTINGS)
async def typed_in_settings(ctx: Context) -> Outgoing:
    """Typed text on the settings screen: say so, show the same settings again."""
    return again(ctx, MENU, (await settings_menu(ctx)).keyboard)
