"""Announcements for coordinators and admins: write, choose the audience, preview, send, report.

Payloads carry ids only: `bc:home`, `bc:new` (state `bc.text`), `bc:l:<page>` (the list; admins
see everyone's: the audit trail), `bc:d:<id>` (a draft), `bc:lg:<id>` and `bc:tl:<id>:<lang>`
(a text in another language, state `bc.tr`), `bc:df:<id>` and `bc:dl:<id>:<lang>` (the default
language), `bc:a:<id>` (the audience), `bc:t:<id>:<field>:<value>` (one audience choice),
`bc:aw:<id>` and `bc:aj:<id>` (pick a workshop, a centre with legal appointments),
`bc:at:<id>`, `bc:ph:<id>` (state `bc.photo`) and `bc:pin:<id>:<centre or 0>` (the attachment),
`bc:p:<id>` (preview), `bc:go:<id>` (send now), `bc:w:<id>` (state `bc.when`), `bc:r:<id>` (the
report), `bc:s:<id>` and `bc:ss:<id>` (delete a draft, cancel a scheduled one, stop sending).

Every handler checks on the server who asks (`may_broadcast`), whose announcement it is (its
writer or an admin), that its audience names only centres the sender is bound to, and, for
every audience change and before sending, `within`: a coordinator reaches only the people of
the centres they are bound to (never by their own Settings centre), whatever a payload says;
an audience of everyone is for admins and programme-wide coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from handlers.context import Context, rows_of
from handlers.flows.guards import announcement_writer, coordinator_of_or_none, every, staff
from handlers.flows.lookup import open_centre, parse_id, signed_up
from handlers.flows.menu import menu_button
from handlers.flows.typed import local, real_time, typed_day, typed_time, zone
from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Button, Kind, Outgoing
from handlers.model import (
    SESSION_ONLY,
    Broadcast,
    BroadcastStatus,
    Centre,
    ResidentStatus,
    Role,
    Session,
    Target,
    User,
)
from handlers.notices import broadcast_text, pick_title, render, with_attachment
from handlers.payloads import CentreId, Step
from handlers.router import Flow, Reply, Stale
from handlers.rules.broadcasts import (
    MAX_TEXT,
    MESSAGE,
    allowed_centres,
    scoped,
    within,
)
from handlers.texts import N_, T

flow = Flow("bc", guard=staff)
OWN = announcement_writer("broadcast_id")  # its writer or an admin, within their centres
OWN_STEP = announcement_writer("id")  # the same, for the draft a typed step adds to
PAGE = 8
MAX_PHOTO_REF = 200
Written = Literal["en", "sr", "bs", "de", "rom"]  # Serbian Cyrillic readers get `sr` transliterated
WRITTEN: tuple[Written, ...] = get_args(Written)
PLATFORMS = {"telegram": "Telegram", "viber": "Viber", "console": "Console"}
STATUS_NAMES = {
    BroadcastStatus.DRAFT: N_("draft"), BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.SENDING: N_("sending"), BroadcastStatus.DONE: N_("done"),
    BroadcastStatus.STOPPED: N_("stopped"), BroadcastStatus.CANCELLED: N_("cancelled"),
}  # fmt: skip


@dataclass(frozen=True)
class Draft(Step):
    """The draft a typed step adds to (a photo, the time to send it)."""

    id: int


@dataclass(frozen=True)
class Translation(Step):
    """The draft and the language a typed text is for."""

    id: int
    lang: Written


class Choice(StrEnum):
    """The audience choice a `bc:t` button switches; the value after it says to what."""

    CENTRE = "c"  # a centre's id
    STATUS = "s"  # returnee or local
    VOLUNTEERS = "v"  # 1
    WORKSHOP = "w"  # a workshop's id, 0 for any
    LEGAL = "j"  # a centre's id, 0 for no appointment needed
    LANGUAGE = "g"  # one of WRITTEN
    EVERYONE = "e"  # 0


HOME = T("bc.home", "Announcements: news for the people in the programme, in their languages.")
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
AUDIENCE = T(
    "bc.audience",
    "Who should get it? Every choice made must hold. Press a choice to switch it on or off.\n\n"
    "{audience}\n\nPeople in it right now: {total}",
)
PICK_WORKSHOP = T("bc.pick_workshop", "People signed up for which workshop?")
PICK_LEGAL = T("bc.pick_legal", "People with an upcoming legal appointment at which centre?")
ATTACHMENT = T(
    "bc.attachment", "Add a photo or a centre's map pin (one of them).\nNow: {attachment}"
)
ASK_PHOTO = T("bc.ask_photo", "Send the photo now, as a picture.")
COUNTS = T(
    "bc.counts",
    "Above: the announcement as people reading {language} get it.\n\n"
    "Recipients: {total} ({platforms})\nAudience:\n{audience}",
)
VIBER_PAID = T(
    "bc.viber_paid",
    "Viber: {paid} of them are outside the free 24-hour window; those messages are paid "
    "(about {cost} {currency}).",
)
VIBER_SKIPPED = T(
    "bc.viber_skipped",
    "Viber: {paid} of them are outside the free 24-hour window and will not get it "
    "(paid Viber messages are switched off).",
)
NOBODY = T("bc.nobody", "Nobody is in this audience right now. Please change the audience.")
SENDING = T("bc.sending", "Sending to {count} people. You will get a report when it is done.")
ALREADY = T("bc.already", "This announcement was already sent or cancelled by someone else.")
ASK_WHEN = T("bc.ask_when", "When should it go? Write the day and time like 24.11.2026 18:00")
BAD_WHEN = T("bc.bad_when", "Please write a day and time in the future, like 24.11.2026 18:00")
SCHEDULED = T("bc.scheduled", "Scheduled for {when}. You can cancel it until then.")
ASK_DELETE = T("bc.ask_delete", "Delete this draft?")
ASK_CANCEL = T("bc.ask_cancel", "Cancel this announcement? Nobody will get it.")
ASK_STOP = T(
    "bc.ask_stop", "Stop sending? People who already have it keep it; nobody else will get it."
)
DELETED = T("bc.deleted", "The draft is deleted.")
CANCELLED = T("bc.cancelled", "Cancelled. Nobody will get it.")
STOPPED = T("bc.stopped", "Stopped. {delivered} people had it already; the others will not get it.")
PLAN = T(
    "bc.plan",
    "Announcement #{id}: {status}\nWritten by #{by}\nWhen: {when}\nAudience:\n{audience}\n\n"
    "{message}",
)
REPORT_PAGE = T(
    "bc.report_page",
    "Announcement #{id}: {status}\nWritten by #{by}, sent by #{sender}\nWhen: {when}\n"
    "Audience:\n{audience}\nRecipients: {recipients}\n\nDelivered: {delivered}\n"
    "Not delivered (blocked the bot or left): {blocked}\nFailed: {failed}\n"
    "Stopped before sending: {stopped}\nStill queued: {queued}\n\n{message}",
)
OUTSIDE_WINDOW = T(
    "bc.outside_window",
    "Not sent on Viber (outside the free 24-hour window; paid messages are switched off): "
    "{outside_window}",
)
MINE = T("bc.mine", "Your announcements, newest first:\n\n{lines}")
EVERYONE_S = T(
    "bc.all", "All announcements, newest first, with who wrote and sent them:\n\n{lines}"
)
LINE = T(
    "bc.line",
    "#{id} · {when} · {status} · {recipients} recipients\nWritten by #{by}, sent by #{sender}\n"
    "{audience}",
)
NONE_YET = T("bc.none", "No announcements yet.")
AUD_ALL = T("bc.aud_all", "Everyone")
AUD_CENTRES = T("bc.aud_centres", "People of: {centres}")
AUD_RETURNEES = T("bc.aud_returnees", "Returnees only")
AUD_LOCALS = T("bc.aud_locals", "Local residents only")
AUD_VOLUNTEERS = T("bc.aud_volunteers", "Volunteers only")
AUD_WORKSHOP = T("bc.aud_workshop", "Signed up for: {title}")
AUD_LEGAL = T("bc.aud_legal", "With an upcoming legal appointment at {centre}")
AUD_LANGUAGES = T("bc.aud_languages", "Reading: {languages}")
PIN = T("bc.pin", "the map pin of {centre}")


# -- who may, and which announcement -------------------------------------------------------------
def sender(ctx: Context) -> User:
    """The person sending: the flow's guard lets in only coordinators and admins."""
    return signed_up(ctx)


async def _announcement(ctx: Context, broadcast_id: int, *status: BroadcastStatus) -> Broadcast:
    """The announcement a route names (its guard checked whose it is); Stale if it is gone or,
    when `status` is given, in none of them: an old button, sent, scheduled or cancelled since."""
    found = await ctx.uow.broadcasts.get(broadcast_id)
    if found is None or (status and found.status not in status):
        raise Stale
    return found


async def _editable(ctx: Context, broadcast_id: int) -> Broadcast:
    """A draft to change (any unfinished step ends); Stale if it is no longer a draft."""
    ctx.clear_state()
    return await _announcement(ctx, broadcast_id, BroadcastStatus.DRAFT)


def _scope(ctx: Context, target: Target) -> Target:
    """What the sender may reach of `target`; Stale if it names a centre beyond their bindings."""
    found = within(sender(ctx), target)
    if found is None:
        raise Stale
    return found


async def _centres(ctx: Context) -> list[Centre]:
    """The centres the sender may name, in the usual order (every centre for admins)."""
    allowed = allowed_centres(sender(ctx))
    return [c for c in await ctx.uow.centres.all() if allowed is None or c.id in allowed]


# -- home, list ----------------------------------------------------------------------------------
@flow.on_button("home")
async def home(ctx: Context) -> Reply:
    """New announcement, or the ones sent."""
    user = sender(ctx)
    ctx.clear_state()
    label = N_("All announcements") if Role.ADMIN in user.roles else N_("My announcements")
    rows = [
        [ctx.button(N_("New announcement"), new.link(), icon="➕")],
        [ctx.button(label, listing.link(0), icon="📋")],
        menu_button(ctx),
    ]
    return ctx.reply(HOME, rows, replace=True)


@flow.on_button("l")
async def listing(ctx: Context, page: int) -> Reply:
    """Newest first: a coordinator's own; everyone's for admins (the audit trail)."""
    user = sender(ctx)
    ctx.clear_state()
    admin = Role.ADMIN in user.roles
    found = await ctx.uow.broadcasts.recent(
        limit=PAGE + 1, offset=page * PAGE, created_by=None if admin else user.id
    )
    rows = [[Button(f"#{b.id} · {_snippet(b)}", _open(b))] for b in found[:PAGE]]
    if len(found) > PAGE:
        rows.append([ctx.button(N_("More"), listing.link(page + 1))])
    rows.append([_back(ctx, home.link()), *menu_button(ctx)])
    if not found:
        return ctx.reply(NONE_YET, rows, replace=True)
    lines = []
    for b in found[:PAGE]:
        lines.append(ctx.t(
            LINE, id=b.id, when=_short(ctx, b.started_at or b.send_at or b.created_at),
            status=ctx._(STATUS_NAMES[b.status]), by=b.created_by or "?", sender=b.sent_by or "–",
            recipients=b.recipients, audience=await _audience(ctx, b.target, sep="; "),
        ))  # fmt: skip
    return ctx.reply(EVERYONE_S if admin else MINE, rows, replace=True, lines="\n\n".join(lines))


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
    draft = await ctx.uow.broadcasts.create(
        created_by=user.id, texts={lang: text}, default_locale=lang, now=ctx.clock.now()
    )
    await ctx.uow.broadcasts.edit(draft.id, target=target)
    ctx.clear_state()
    return await _draft_page(ctx, draft.id, replace=False)


@flow.on_button("d", guard=OWN)
async def draft_page(ctx: Context, broadcast_id: int) -> Reply:
    """A draft: its texts, default language, audience and attachment."""
    b = await _editable(ctx, broadcast_id)
    return await _draft_page(ctx, b.id)


async def _draft_page(ctx: Context, broadcast_id: int, *, replace: bool = True) -> Outgoing:
    b = await _announcement(ctx, broadcast_id, BroadcastStatus.DRAFT)
    i = b.id
    rows = [
        [ctx.button(N_("Languages"), languages.link(i), icon="✍️"),
         ctx.button(N_("Default language"), default_language.link(i), icon="🌐")],
        [ctx.button(N_("Audience"), audience.link(i), icon="👥"),
         ctx.button(N_("Photo or pin"), attachment.link(i), icon="📎")],
        [ctx.button(N_("Preview"), preview.link(i), icon="👁")],
        [ctx.button(N_("Delete draft"), ask_stop.link(i), icon="🗑"), _back(ctx, home.link())],
    ]  # fmt: skip
    return ctx.reply(
        DRAFT, rows, replace=replace, id=i,
        languages=", ".join(LANGUAGE_NAMES[k] for k in WRITTEN if k in b.texts),
        default=LANGUAGE_NAMES[b.default_locale], audience=await _audience(ctx, b.target),
        attachment=await _attachment(ctx, b),
    )  # fmt: skip


@flow.on_button("lg", guard=OWN)
async def languages(ctx: Context, broadcast_id: int) -> Reply:
    """Write (or write anew) the text in one language."""
    b = await _editable(ctx, broadcast_id)
    buttons = [
        ctx.button(LANGUAGE_NAMES[k], text_in.link(b.id, k), icon="✅" if k in b.texts else "▫️")
        for k in WRITTEN
    ]
    return ctx.reply(
        PICK_LANGUAGE, [*rows_of(buttons, 3), [_back(ctx, draft_page.link(b.id))]], replace=True
    )


@flow.on_button("tl", guard=OWN)
async def text_in(ctx: Context, broadcast_id: int, lang: Written) -> Reply:
    """Ask for the text in `lang`."""
    b = await _editable(ctx, broadcast_id)
    ctx.set_state("bc.tr", **Translation(b.id, lang).data())
    return ctx.reply(
        ASK_TEXT_IN, [[_back(ctx, draft_page.link(b.id))]], language=LANGUAGE_NAMES[lang]
    )


@flow.on_state("bc.tr", guard=OWN_STEP)
async def translation(ctx: Context, step: Translation) -> Reply:
    """A text in another language."""
    b = await _announcement(ctx, step.id, BroadcastStatus.DRAFT)
    text = _typed(ctx)
    if text is None:
        return ctx.reply(BAD_TEXT, [[_back(ctx, draft_page.link(b.id))]], max=MAX_TEXT)
    if not await ctx.uow.broadcasts.edit(b.id, texts={**b.texts, step.lang: text}):
        raise Stale
    ctx.clear_state()
    return await _draft_page(ctx, b.id, replace=False)


@flow.on_button("df", guard=OWN)
async def default_language(ctx: Context, broadcast_id: int) -> Reply:
    """Which written text goes to people whose language is not written."""
    b = await _editable(ctx, broadcast_id)
    buttons = [
        ctx.button(
            LANGUAGE_NAMES[k],
            set_default.link(b.id, k),
            icon="✅" if k == b.default_locale else "▫️",
        )
        for k in WRITTEN
        if k in b.texts
    ]
    return ctx.reply(
        PICK_DEFAULT, [*rows_of(buttons, 3), [_back(ctx, draft_page.link(b.id))]], replace=True
    )


@flow.on_button("dl", guard=OWN)
async def set_default(ctx: Context, broadcast_id: int, lang: Written) -> Reply:
    """Make a written text the default."""
    b = await _editable(ctx, broadcast_id)
    if lang not in b.texts or not await ctx.uow.broadcasts.edit(b.id, default_locale=lang):
        raise Stale
    return await _draft_page(ctx, b.id)


# -- the audience --------------------------------------------------------------------------------
@flow.on_button("a", guard=OWN)
async def audience(ctx: Context, broadcast_id: int) -> Reply:
    """The audience editor: centres (admins), returnees/locals, volunteers, languages, …"""
    b = await _editable(ctx, broadcast_id)
    return await _audience_page(ctx, b)


async def _audience_page(ctx: Context, b: Broadcast) -> Outgoing:
    target, i = _scope(ctx, b.target), b.id

    def toggle(label: str, field: Choice, value: str, on: bool) -> Button:
        return ctx.button(label, choose.link(i, field, value), icon="✅" if on else "▫️")

    rows: list[list[Button]] = []
    centres = await _centres(ctx)
    if allowed_centres(sender(ctx)) is None or len(centres) > 1:  # a choice to make
        rows += rows_of(
            [Button(f"{'✅' if c.id in target.centres else '▫️'} {ctx.centre_name(c)}",
                    choose.link(i, Choice.CENTRE, str(c.id))) for c in centres]
        )  # fmt: skip
    rows.append(
        [toggle(N_("Returnees only"), Choice.STATUS, ResidentStatus.RETURNEE.value,
                target.status is ResidentStatus.RETURNEE),
         toggle(N_("Local residents only"), Choice.STATUS, ResidentStatus.LOCAL.value,
                target.status is ResidentStatus.LOCAL)]
    )  # fmt: skip
    rows.append([toggle(N_("Volunteers only"), Choice.VOLUNTEERS, "1", target.volunteers)])
    rows.append(
        [ctx.button(N_("Workshop"), pick_workshop.link(i),
                    icon="✅" if target.workshop_id else "📅"),
         ctx.button(N_("Legal appointment"), pick_legal.link(i),
                    icon="✅" if target.legal_centre else "⚖️")]
    )  # fmt: skip
    rows += rows_of(
        [Button(f"{'✅' if k in target.locales else '▫️'} {LANGUAGE_NAMES[k]}",
                choose.link(i, Choice.LANGUAGE, k)) for k in WRITTEN], 3,
    )  # fmt: skip
    everyone = ctx.button(N_("Everyone"), choose.link(i, Choice.EVERYONE, "0"), icon="👥")
    rows.append([everyone, _back(ctx, draft_page.link(i))])
    total = sum((await ctx.uow.broadcasts.count(target, ctx.clock.now())).values())
    return ctx.reply(
        AUDIENCE, rows, replace=True, audience=await _audience(ctx, target), total=total
    )


@flow.on_button("t", guard=OWN)
async def choose(ctx: Context, broadcast_id: int, field: Choice, value: str) -> Reply:
    """Switch one audience choice; the result is always limited to what the sender may reach."""
    b = await _editable(ctx, broadcast_id)
    user, target = sender(ctx), b.target
    number = parse_id(value)
    allowed = allowed_centres(user)
    if field is Choice.CENTRE and number is not None:
        if allowed is not None and number not in allowed:
            raise Stale  # a forged centre: not one they are bound to
        await open_centre(ctx, value)
        centres = set(target.centres) ^ {number}
        target = replace(target, centres=tuple(sorted(centres)))
    elif field is Choice.STATUS and value in ("returnee", "local"):
        status = ResidentStatus(value)
        target = replace(target, status=None if target.status is status else status)
    elif field is Choice.VOLUNTEERS and value == "1":
        target = replace(target, volunteers=not target.volunteers)
    elif field is Choice.WORKSHOP and number is not None:
        if number and number not in {s.workshop_id for s in await _workshops(ctx)}:
            raise Stale
        chosen = None if number in (0, target.workshop_id) else number
        target = replace(target, workshop_id=chosen)
    elif field is Choice.LEGAL and number is not None:
        if number and (allowed is not None and number not in allowed):
            raise Stale  # a forged centre: not one of theirs
        if number:
            await open_centre(ctx, value)
        legal = None if number in (0, target.legal_centre) else number
        target = replace(target, legal_centre=legal)
    elif field is Choice.LANGUAGE and value in WRITTEN:
        pair = {"sr", "sr_Cyrl"} if value == "sr" else {value}
        had = set(target.locales)
        locales = had - pair if value in had else had | pair
        target = replace(target, locales=tuple(sorted(locales)))
    elif field is Choice.EVERYONE and value == "0":
        target = Target()
    else:
        raise Stale
    if not await ctx.uow.broadcasts.edit(b.id, target=_scope(ctx, target)):
        raise Stale
    return await _audience_page(ctx, await _announcement(ctx, b.id, BroadcastStatus.DRAFT))


@flow.on_button("aw", guard=OWN)
async def pick_workshop(ctx: Context, broadcast_id: int) -> Reply:
    """People signed up for which upcoming workshop (at the sender's centres)?"""
    b = await _editable(ctx, broadcast_id)
    buttons = [
        Button(
            f"{'✅ ' if s.workshop_id == b.target.workshop_id else ''}"
            f"{pick_title(s.titles, ctx.locale)[:40]} · {_short(ctx, s.starts_at)}",
            choose.link(b.id, Choice.WORKSHOP, str(s.workshop_id)),
        )
        for s in await _workshops(ctx)
    ]
    rows = [[button] for button in buttons]
    any_workshop = choose.link(b.id, Choice.WORKSHOP, "0")
    rows.append([ctx.button(N_("Any workshop"), any_workshop, icon="▫️"),
                 _back(ctx, audience.link(b.id))])  # fmt: skip
    return ctx.reply(PICK_WORKSHOP, rows, replace=True)


@flow.on_button("aj", guard=OWN)
async def pick_legal(ctx: Context, broadcast_id: int) -> Reply:
    """People with an upcoming legal appointment at which centre?"""
    b = await _editable(ctx, broadcast_id)
    centres = await _centres(ctx)
    buttons = [
        Button(f"{'✅ ' if c.id == b.target.legal_centre else ''}{ctx.centre_name(c)}",
               choose.link(b.id, Choice.LEGAL, str(c.id))) for c in centres
    ]  # fmt: skip
    none = choose.link(b.id, Choice.LEGAL, "0")
    rows = [*rows_of(buttons), [ctx.button(N_("No appointment needed"), none, icon="▫️"),
                                _back(ctx, audience.link(b.id))]]  # fmt: skip
    return ctx.reply(PICK_LEGAL, rows, replace=True)


# -- the attachment ------------------------------------------------------------------------------
@flow.on_button("at", guard=OWN)
async def attachment(ctx: Context, broadcast_id: int) -> Reply:
    """A photo, a centre's pin, or nothing."""
    b = await _editable(ctx, broadcast_id)
    pins = [
        ctx.button(ctx.centre_name(c), pin.link(b.id, CentreId(c.id)), icon="📍")
        for c in await _centres(ctx)
    ]
    rows = [
        [ctx.button(N_("Send a photo"), ask_photo.link(b.id), icon="🖼")],
        *rows_of(pins),
        [ctx.button(N_("No attachment"), pin.link(b.id, CentreId(0)), icon="▫️"),
         _back(ctx, draft_page.link(b.id))],
    ]  # fmt: skip
    return ctx.reply(ATTACHMENT, rows, replace=True, attachment=await _attachment(ctx, b))


@flow.on_button("ph", guard=OWN)
async def ask_photo(ctx: Context, broadcast_id: int) -> Reply:
    """Wait for a photo."""
    b = await _editable(ctx, broadcast_id)
    ctx.set_state("bc.photo", **Draft(b.id).data())
    return ctx.reply(ASK_PHOTO, [[_back(ctx, attachment.link(b.id))]])


@flow.on_state("bc.photo", photos=True, guard=OWN_STEP)
async def photo(ctx: Context, step: Draft) -> Reply:
    """The photo (the platform's file reference); anything else asks again."""
    b = await _announcement(ctx, step.id, BroadcastStatus.DRAFT)
    ref = ctx.incoming.text.strip()
    if ctx.incoming.kind is not Kind.PHOTO or not ref or len(ref) > MAX_PHOTO_REF:
        return ctx.reply(ASK_PHOTO, [[_back(ctx, attachment.link(b.id))]])
    if not await ctx.uow.broadcasts.edit(b.id, photo=ref):
        raise Stale
    ctx.clear_state()
    return await _draft_page(ctx, b.id, replace=False)


@flow.on_button("pin", guard=every(OWN, coordinator_of_or_none("centre")))
async def pin(ctx: Context, broadcast_id: int, centre: CentreId) -> Reply:
    """A centre's pin (0: no attachment)."""
    b = await _editable(ctx, broadcast_id)
    if centre == 0:
        done = await ctx.uow.broadcasts.edit(b.id, clear_attachment=True)
    elif await ctx.uow.centres.get(centre) is None:
        raise Stale  # its guard checked the binding; an admin's may still name no centre
    else:
        done = await ctx.uow.broadcasts.edit(b.id, pin_centre=centre)
    if not done:
        raise Stale
    return await _draft_page(ctx, b.id)


# -- preview, send, schedule ---------------------------------------------------------------------
@flow.on_button("p", guard=OWN)
async def preview(ctx: Context, broadcast_id: int) -> Reply:
    """The message exactly as a recipient in the default language gets it, then the numbers."""
    b = await _editable(ctx, broadcast_id)
    target, i = _scope(ctx, b.target), b.id
    counts = await ctx.uow.broadcasts.count(target, ctx.clock.now())
    total = sum(counts.values())
    centre = await ctx.uow.centres.get(b.pin_centre) if b.pin_centre else None
    # Rendered the way the delivery worker renders it for a person reading the default language.
    lang, chat = b.default_locale, ctx.incoming.chat_id
    shown = render(ctx.tr, lang, chat, MESSAGE.key, {"text": broadcast_text(b, lang)}, [])
    shown = with_attachment(shown, b, centre, lang)
    back = [_back(ctx, draft_page.link(i)), ctx.button(N_("Cancel"), ask_stop.link(i), icon="❌")]
    if not total:
        return [
            shown,
            ctx.reply(NOBODY, [[ctx.button(N_("Audience"), audience.link(i), icon="👥")], back]),
        ]
    rows = [
        [ctx.button(N_("Send now"), send_now.link(i), icon="📣"),
         ctx.button(N_("Send at a time"), ask_when.link(i), icon="🕓")],
        back,
    ]  # fmt: skip
    platforms = ", ".join(f"{PLATFORMS.get(p, p)} {n}" for p, n in sorted(counts.items()))
    counted = ctx.reply(
        COUNTS, rows, total=total, platforms=platforms,
        language=LANGUAGE_NAMES[b.default_locale], audience=await _audience(ctx, target),
    )  # fmt: skip
    if counts.get("viber") and (note := await _viber_note(ctx, target)):
        counted = replace(counted, text=f"{counted.text}\n\n{note}")
    return [shown, counted]


@flow.on_button("go", guard=OWN)
async def send_now(ctx: Context, broadcast_id: int) -> Reply:
    """Queue a message to everyone in the audience now; of two presses, one sends."""
    user = sender(ctx)
    ctx.clear_state()
    b = await _announcement(ctx, broadcast_id)
    done = [[ctx.button(N_("See the report"), report.link(b.id), icon="📊"), *menu_button(ctx)]]
    if b.status is not BroadcastStatus.DRAFT:
        return ctx.reply(ALREADY, done, replace=True)
    target, now = _scope(ctx, b.target), ctx.clock.now()
    if not sum((await ctx.uow.broadcasts.count(target, now)).values()):
        return ctx.reply(NOBODY, [[ctx.button(N_("Audience"), audience.link(b.id), icon="👥")]])
    # Checked again right before: the sender may have been unbound from a centre meanwhile.
    if not await ctx.uow.broadcasts.edit(b.id, target=target):
        return ctx.reply(ALREADY, done, replace=True)
    queued = await ctx.uow.broadcasts.start(b.id, user.id, now)
    if queued is None:
        return ctx.reply(ALREADY, done, replace=True)
    return ctx.reply(SENDING, done, replace=True, count=queued)


@flow.on_button("w", guard=OWN)
async def ask_when(ctx: Context, broadcast_id: int) -> Reply:
    """Send at a time: ask for the day and time."""
    b = await _editable(ctx, broadcast_id)
    ctx.set_state("bc.when", **Draft(b.id).data())
    return ctx.reply(ASK_WHEN, [[_back(ctx, preview.link(b.id))]])


@flow.on_state("bc.when", guard=OWN_STEP)
async def when(ctx: Context, step: Draft) -> Reply:
    """`24.11.2026 18:00` in the programme's timezone, in the future."""
    user = sender(ctx)
    b = await _announcement(ctx, step.id, BroadcastStatus.DRAFT)
    back = [[_back(ctx, preview.link(b.id))]]
    parts = ctx.incoming.text.split() if ctx.incoming.kind is Kind.TEXT else []
    day = typed_day(ctx, parts[0]) if len(parts) == 2 else None
    clock = typed_time(parts[1]) if len(parts) == 2 else None
    if day is None or clock is None or not real_time(ctx, day, clock):
        return ctx.reply(BAD_WHEN, back)
    at = local(ctx, day, clock)
    if at <= ctx.clock.now():
        return ctx.reply(BAD_WHEN, back)
    ctx.clear_state()
    done = [[ctx.button(N_("See the report"), report.link(b.id), icon="📊"), *menu_button(ctx)]]
    edited = await ctx.uow.broadcasts.edit(b.id, target=_scope(ctx, b.target))
    if not edited or not await ctx.uow.broadcasts.schedule(b.id, at, user.id):
        return ctx.reply(ALREADY, done)
    row = [ctx.button(N_("Cancel it"), ask_stop.link(b.id), icon="❌"), *menu_button(ctx)]
    return ctx.reply(SCHEDULED, [row], when=ctx.tr.format_datetime(ctx.locale, at))


# -- report, cancel, stop ------------------------------------------------------------------------
@flow.on_button("r", guard=OWN)
async def report(ctx: Context, broadcast_id: int) -> Reply:
    """Where an announcement stands; for one sent, what arrived."""
    ctx.clear_state()
    return await _report(ctx, await _announcement(ctx, broadcast_id))


async def _report(ctx: Context, b: Broadcast, *, replace: bool = True) -> Outgoing:
    i, rows = b.id, []
    if b.status is BroadcastStatus.DRAFT:
        rows.append([ctx.button(N_("Open the draft"), draft_page.link(i), icon="✏️")])
    if b.status is BroadcastStatus.SCHEDULED:
        rows.append([ctx.button(N_("Cancel it"), ask_stop.link(i), icon="❌")])
    if b.status is BroadcastStatus.SENDING:
        rows.append([ctx.button(N_("Stop sending"), ask_stop.link(i), icon="⛔"),
                     ctx.button(N_("Refresh"), report.link(i), icon="🔄")])  # fmt: skip
    rows.append([_back(ctx, listing.link(0)), *menu_button(ctx)])
    common: dict[str, Any] = {
        "id": i, "status": ctx._(STATUS_NAMES[b.status]), "by": b.created_by or "?",
        "when": ctx.tr.format_datetime(ctx.locale, b.started_at or b.send_at or b.created_at),
        "audience": await _audience(ctx, b.target), "message": _snippet(b, 300),
    }  # fmt: skip
    if b.started_at is None:
        return ctx.reply(PLAN, rows, replace=replace, **common)
    common.update(await ctx.uow.broadcasts.report(i))
    if outside := common.get("outside_window"):  # only with paid Viber messages switched off
        line = ctx.t(OUTSIDE_WINDOW, outside_window=outside)
        common["message"] = f"{line}\n\n{common['message']}"
    return ctx.reply(
        REPORT_PAGE, rows, replace=replace, sender=b.sent_by or "–", recipients=b.recipients,
        **common,
    )  # fmt: skip


@flow.on_button("s", guard=OWN)
async def ask_stop(ctx: Context, broadcast_id: int) -> Reply:
    """Delete a draft, cancel a scheduled one or stop sending: are you sure?"""
    ctx.clear_state()
    b = await _announcement(ctx, broadcast_id)
    question = {
        BroadcastStatus.DRAFT: ASK_DELETE, BroadcastStatus.SCHEDULED: ASK_CANCEL,
        BroadcastStatus.SENDING: ASK_STOP,
    }.get(b.status)  # fmt: skip
    if question is None:
        return await _report(ctx, b)
    back = draft_page.link(b.id) if b.status is BroadcastStatus.DRAFT else report.link(b.id)
    yes = ctx.button(N_("Yes"), stop.link(b.id), icon="⛔")
    return ctx.reply(question, [[yes, ctx.button(N_("No"), back, icon="◀️")]], replace=True)


@flow.on_button("ss", guard=OWN)
async def stop(ctx: Context, broadcast_id: int) -> Reply:
    """Do it: nothing more goes out (what a worker is sending this moment still arrives)."""
    b = await _announcement(ctx, broadcast_id)
    if not await ctx.uow.broadcasts.stop(b.id, ctx.clock.now()):
        return await _report(ctx, await _announcement(ctx, b.id))
    rows = [[_back(ctx, listing.link(0)), *menu_button(ctx)]]
    if b.status is BroadcastStatus.DRAFT:
        return ctx.reply(DELETED, rows, replace=True)
    if b.status is BroadcastStatus.SCHEDULED:
        return ctx.reply(CANCELLED, rows, replace=True)
    counts = await ctx.uow.broadcasts.report(b.id)
    see = [ctx.button(N_("See the report"), report.link(b.id), icon="📊")]
    return ctx.reply(STOPPED, [see, *rows], replace=True, delivered=counts["delivered"])


# -- helpers -------------------------------------------------------------------------------------
def _base(locale: str) -> str:
    return "sr" if locale == "sr_Cyrl" else locale


def _typed(ctx: Context) -> str | None:
    """A typed announcement text, as written (line breaks kept); None if empty or too long."""
    text = ctx.incoming.text.strip() if ctx.incoming.kind is Kind.TEXT else ""
    return text if 1 <= len(text) <= MAX_TEXT else None


def _back(ctx: Context, payload: str) -> Button:
    return ctx.button(N_("Back"), payload, icon="◀️")


def _open(b: Broadcast) -> str:
    """A draft opens for editing; any other shows where it stands."""
    return draft_page.link(b.id) if b.status is BroadcastStatus.DRAFT else report.link(b.id)


def _short(ctx: Context, moment: datetime) -> str:
    return moment.astimezone(zone(ctx)).strftime("%d.%m.%Y %H:%M")


def _snippet(b: Broadcast, size: int = 40) -> str:
    text = " ".join(b.texts.get(b.default_locale, "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


async def _workshops(ctx: Context) -> list[Session]:
    """One upcoming session per workshop at the centres the sender may reach."""
    allowed = allowed_centres(sender(ctx))
    ids = [c.id for c in await ctx.uow.centres.all()] if allowed is None else list(allowed)
    return await ctx.uow.broadcasts.workshops_ahead(ids, ctx.clock.now())


async def _attachment(ctx: Context, b: Broadcast) -> str:
    if b.photo:
        return ctx._(N_("a photo"))
    centre = await ctx.uow.centres.get(b.pin_centre) if b.pin_centre else None
    return ctx.t(PIN, centre=ctx.centre_name(centre)) if centre else ctx._(N_("none"))


async def _viber_note(ctx: Context, target: Target) -> str | None:
    """How many Viber recipients are outside the free window, and what that costs or means."""
    paid = await ctx.uow.broadcasts.paid(target, ctx.clock.now())
    if not paid:
        return None
    policy = ctx.policy
    if policy.viber_paid_messages == SESSION_ONLY:
        return ctx.t(VIBER_SKIPPED, paid=paid)
    cost = f"{paid * policy.viber_message_price:.2f}"
    return ctx.t(VIBER_PAID, paid=paid, cost=cost, currency=policy.viber_price_currency)


async def _audience(ctx: Context, target: Target, *, sep: str = "\n") -> str:
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
