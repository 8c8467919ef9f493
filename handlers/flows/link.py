"""Linking one person's accounts in two apps (Telegram and Viber) with a one-time code.

Settings → *Link Telegram and Viber* shows a code; `/link CODE` typed in the other app only
*claims* it: the code's owner is asked in their app, and the accounts are joined only when
they press Yes. A code links accounts on different platforms only, and an account gets
TRY_LIMIT wrong codes an hour. Settings → *Unlink* takes the other accounts off again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from handlers.context import Context
from handlers.flows.lookup import signed_up
from handlers.flows.menu import main_menu, menu_button
from handlers.flows.replies import Asked, again, start_button
from handlers.flows.settings import open_settings, settings_menu
from handlers.messages import Outgoing
from handlers.model import LinkCode, User
from handlers.notices import PRIORITY_DIRECT, Notice, NoticeButton
from handlers.router import Flow, Stale, anyone
from handlers.rules import linking as rules
from handlers.texts import N_, T, Text
from handlers.usecases.linking import locked_until

flow = Flow("link", guard=anyone)
UNLINK_STATE = "link.unlink"

CODE = T(
    "link.code2",
    "To get my messages on both Telegram and Viber as one person, open me in the other app "
    "and write:\n\n/link {code}\n\nThe code works once, for 10 minutes. I will ask you here "
    "before anything is linked.",
)
ASKED = T(
    "link.asked",
    "Thank you. Please confirm in your other app ({platform}): I have asked you there. "
    "Nothing is linked before you say yes.",
)
QUESTION = T(
    "link.question",
    "Link your {platform} account to this one?\n\nYour link code was just written there. If "
    "that was not you, press “No, that's not me”: nothing will be linked.",
)
LINKED_HERE = T(
    "link.linked",
    "Done: your {platform} account is linked to this one. Reminders and news come to the app "
    "you used last. To undo it: Settings → Unlink Telegram and Viber.",
)
LINKED_THERE = T(
    "link.linked_there",
    "Done: this account is linked to your {platform} one. Reminders and news come to the app "
    "you used last.",
)
NOT_LINKED = T(
    "link.not_linked",
    "Nothing was linked. The code no longer works; you can make a new one in Settings.",
)
UNKNOWN = T(
    "link.unknown",
    "That code does not work (a code works once, for 10 minutes). Please make a new one in "
    "Settings in your other app.",
)
LOCKED = T(
    "link.locked",
    "Too many wrong codes were written from this account. For your safety, please try again "
    "after {time}.",
)
SAME_PLATFORM = T(
    "link.same_platform",
    "This code is from an account on {platform}, the app you are writing from. A code links "
    "accounts in two different apps: please write it in your other app.",
)
TAKEN = T(
    "link.taken",
    "This account already has its own data here, so it cannot be linked. To link it, first "
    "delete its data (Settings → Delete my data), then write the code again.",
)
TAKEN_NOW = T(
    "link.taken_now",
    "That {platform} account now has its own data here, so it was not linked. Nothing changed.",
)
ALREADY = T("link.already", "This account is already linked.")
HOW = T("link.how2", "Please write the code from your other app like this: /link {example}")
EXAMPLE = "ABCD-EFGH"  # a placeholder, so no translation or script changes it
UNLINK_CONFIRM = T(
    "link.unlink_confirm",
    "Unlink {accounts} from this account? Reminders and news will then come only here. You "
    "can link them again later with a new code.",
)
UNLINKED = T("link.unlinked", "Done: {accounts} is no longer linked to this account.")


@flow.on_button("code")
async def make_code(ctx: Context) -> Outgoing:
    """A fresh one-time code for the person (it replaces any earlier one)."""
    user = signed_up(ctx)
    code = rules.new_code()
    await ctx.uow.users.new_link_code(user.id, code, ctx.clock.now(), rules.CODE_TTL)
    return ctx.reply(CODE, [menu_button(ctx)], code=rules.shown(code))


@flow.on_command("link")
async def link(ctx: Context) -> Outgoing:
    """`/link CODE` in the other app: claim the code; its owner is asked before anything joins."""
    incoming = ctx.incoming
    code = rules.read(incoming.text)
    if code is None:
        return _reply(ctx, HOW, example=EXAMPLE)
    now = ctx.clock.now()
    if ctx.user is not None:
        # An account with its own data can link nothing, so it learns nothing about codes
        # either: someone else's code, right or wrong, gets the same answer.
        found = await ctx.uow.users.link_code(code)
        if found is not None and found.expires_at > now and found.user_id == ctx.user.id:
            platforms = {a.platform for a in await ctx.uow.users.accounts(ctx.user.id)}
            if len(platforms) > 1:
                return main_menu(ctx, ALREADY)
            return _reply(ctx, SAME_PLATFORM, platform=rules.platform_name(incoming.platform))
        return _reply(ctx, TAKEN)
    who = rules.subject(incoming.platform, incoming.user_id)
    # Checked before the code is even looked up: a locked account's right code is refused too.
    if (until := await locked_until(ctx.uow, who, now)) is not None:
        return _locked(ctx, until)
    found = await ctx.uow.users.link_code(code)
    claimer = (incoming.platform, incoming.user_id)
    mine = found is not None and (found.claimed_platform, found.claimed_external_id) == claimer
    if (
        found is None
        or found.expires_at <= now
        or (found.claimed_platform is not None and not mine)
    ):
        await ctx.uow.attempts.failed(rules.SCOPE, who, now)
        if (until := await locked_until(ctx.uow, who, now)) is not None:
            return _locked(ctx, until)
        return _reply(ctx, UNKNOWN)
    owner = {a.platform for a in await ctx.uow.users.accounts(found.user_id)}
    if incoming.platform in owner:  # the owner's own mistake: no try counted, nothing joined
        return _reply(ctx, SAME_PLATFORM, platform=rules.platform_name(incoming.platform))
    there = ", ".join(rules.platform_name(p) for p in sorted(owner))
    # No buttons: a Start pressed here while waiting would give this account data of its own.
    if mine:  # written again while the owner has not answered yet
        return ctx.reply(ASKED, platform=there)
    until = now + rules.CODE_TTL  # the owner has the whole lifetime of a code to answer
    claimed = await ctx.uow.users.claim_link_code(
        code, platform=incoming.platform, external_id=incoming.user_id,
        chat_id=incoming.chat_id, now=now, until=until,
    )  # fmt: skip
    if not claimed:  # another account claimed it a moment ago
        return _reply(ctx, UNKNOWN)
    question = Notice.of(
        QUESTION,
        [
            [NoticeButton(N_("Yes"), confirm.link(code), "✅")],
            [NoticeButton(N_("No, that's not me"), refuse.link(code), "✋")],
        ],
        platform=rules.platform_name(incoming.platform),
    )
    await ctx.uow.outbox.enqueue(
        found.user_id, question, not_before=now, now=now, priority=PRIORITY_DIRECT,
        expires_at=until,
    )  # fmt: skip
    return ctx.reply(ASKED, platform=there)


@flow.on_button("yes")
async def confirm(ctx: Context, code: str) -> Outgoing:
    """The owner's Yes: the claimed account joins them; both apps are told."""
    user, claim = await _claim_of(ctx, code)
    platform, external_id, chat_id = _claimed(claim)
    now = ctx.clock.now()
    name = rules.platform_name(platform)
    await ctx.uow.users.drop_link_code(code)
    if platform in {a.platform for a in await ctx.uow.users.accounts(user.id)}:
        raise Stale(code)  # one account per app: never a second one
    joined = await ctx.uow.users.add_identity(
        user.id, platform=platform, external_id=external_id, chat_id=chat_id, now=now
    )
    if not joined:
        return main_menu(ctx, TAKEN_NOW, replace=True, platform=name)
    here = rules.platform_name(ctx.incoming.platform)
    await ctx.uow.outbox.enqueue(
        user.id, Notice.of(LINKED_THERE, platform=here), not_before=now, now=now,
        priority=PRIORITY_DIRECT, platform=platform,
    )  # fmt: skip
    return main_menu(ctx, LINKED_HERE, replace=True, platform=name)


@flow.on_button("no")
async def refuse(ctx: Context, code: str) -> Outgoing:
    """The owner's "No, that's not me": the claim and the code go; nothing is joined."""
    _, claim = await _claim_of(ctx, code)
    platform, external_id, _ = _claimed(claim)
    now = ctx.clock.now()
    await ctx.uow.users.drop_link_code(code)
    # A refused claim counts as a wrong try of the account that made it.
    await ctx.uow.attempts.failed(rules.SCOPE, rules.subject(platform, external_id), now)
    return main_menu(ctx, NOT_LINKED, replace=True)


@flow.on_button("unlink")
async def unlink(ctx: Context, answer: Literal["", "yes"] = "", token: str = "") -> Outgoing:
    """Settings → Unlink: ask first, then take the other accounts off this person."""
    user = signed_up(ctx)
    here = (ctx.incoming.platform, ctx.incoming.user_id)
    others = [
        a for a in await ctx.uow.users.accounts(user.id) if (a.platform, a.external_id) != here
    ]
    if not others:
        raise Stale(answer)
    names = ", ".join(rules.platform_name(a.platform) for a in others)
    if not answer:
        question = Asked.fresh()
        ctx.set_state(UNLINK_STATE, **question.data())
        return _unlink_question(ctx, question.token, names)
    if ctx.state.name != UNLINK_STATE or ctx.state.data.get("token") != token:
        raise Stale(answer)
    await ctx.uow.users.unlink(
        user.id, keep_platform=here[0], keep_external_id=here[1], now=ctx.clock.now()
    )
    return await settings_menu(ctx, UNLINKED, replace=True, accounts=names)


@flow.on_state(UNLINK_STATE)
async def typed_at_unlink(ctx: Context, asked: Asked) -> Outgoing:
    """Typed text at the unlink question: never taken as a yes; ask again."""
    user = signed_up(ctx)
    here = (ctx.incoming.platform, ctx.incoming.user_id)
    others = [
        a for a in await ctx.uow.users.accounts(user.id) if (a.platform, a.external_id) != here
    ]
    names = ", ".join(rules.platform_name(a.platform) for a in others)
    question = _unlink_question(ctx, asked.token, names)
    return again(ctx, UNLINK_CONFIRM, question.keyboard, accounts=names)


def _unlink_question(ctx: Context, token: str, names: str) -> Outgoing:
    rows = [
        [ctx.button(N_("Yes, unlink"), unlink.link("yes", token), icon="✂️")],
        [ctx.button(N_("No, keep them linked"), open_settings.link(), icon="↩️")],
    ]
    return ctx.reply(UNLINK_CONFIRM, rows, replace=True, accounts=names)


async def _claim_of(ctx: Context, code: str) -> tuple[User, LinkCode]:
    """The person pressing and their code's live claim; Stale for anything else."""
    user = signed_up(ctx)
    found = await ctx.uow.users.link_code(code)
    if (
        found is None
        or found.user_id != user.id
        or found.claimed_platform is None
        or found.expires_at <= ctx.clock.now()
    ):
        raise Stale(code)
    return user, found


def _claimed(claim: LinkCode) -> tuple[str, str, str]:
    assert claim.claimed_platform and claim.claimed_external_id and claim.claimed_chat_id
    return claim.claimed_platform, claim.claimed_external_id, claim.claimed_chat_id


def _locked(ctx: Context, until: datetime) -> Outgoing:
    return _reply(ctx, LOCKED, time=ctx.tr.format_datetime(ctx.locale, until))


def _reply(ctx: Context, text: Text, **params: Any) -> Outgoing:
    """An answer to someone who may not have agreed to the notice yet."""
    rows = [menu_button(ctx)] if ctx.user else [start_button(ctx)]
    return ctx.reply(text, rows, **params)
