"""Conversation.handle: one update in, the replies out, in one unit of work."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.context import Context
from handlers.flows import ALL, common
from handlers.flows.replies import error
from handlers.flows.start import CONSENT_VERSION
from handlers.locales import SOURCE_LOCALE, match_locale
from handlers.messages import Incoming, Kind, Outgoing
from handlers.model import ConversationState, Policy
from handlers.ports import (
    Clock,
    Conflict,
    NoObserver,
    Observer,
    Translator,
    UnitOfWork,
    UnitOfWorkFactory,
)
from handlers.router import Flow, Reply, Route, Router, Stale, guard_args

log = logging.getLogger("reintegrate.conversation")


@dataclass
class _Trace:
    """What one update's handling found out, for the log line, the metrics and a "sorry"."""

    route: str = "-"
    flow: str = "-"
    user_id: int | None = None
    locale: str | None = None  # the person's language, for a "sorry" after a failure
    bookings: list[str] = field(default_factory=list)


class Conversation:
    """The conversation core shared by every messenger and the terminal chat."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        translator: Translator,
        *,
        default_locale: str = SOURCE_LOCALE,
        consent_version: str = CONSENT_VERSION,
        flows: Sequence[Flow] = ALL,
        policy: Policy | None = None,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tr = translator
        self._default_locale = default_locale
        self._consent_version = consent_version
        self._router = Router(flows)
        self._policy = policy or Policy()
        self._observer = observer or NoObserver()

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Answer one update. Never raises: a failure rolls back and says sorry."""
        started = time.perf_counter()
        outcome = "ok"
        trace = _Trace()
        try:
            # A unique-key collision (the same person's two first taps at once) is retried once:
            # the second attempt sees the row the first one stored.
            for attempt in (1, 2):
                try:
                    replies = await self._handle_once(incoming, trace)
                    break
                except Conflict:
                    if attempt == 2:
                        raise
            if trace.route == "duplicate":
                outcome = "duplicate"
            elif trace.route.startswith("stale"):
                outcome = "stale"
            return replies
        except Exception:
            outcome = "error"
            log.exception(
                "update failed",
                extra={
                    "platform": incoming.platform,
                    "update_id": incoming.update_id,
                    "route": trace.route,
                },
            )
            return [error(self._bare_context(incoming, trace.locale))]
        except BaseException:  # cancelled (the process stops): neither answered nor failed
            outcome = "cancelled"
            raise
        finally:
            seconds = time.perf_counter() - started
            # Ids and route names only: never the text, a name or a phone number.
            log.info(
                "update handled",
                extra={
                    "platform": incoming.platform,
                    "user": trace.user_id,
                    "kind": incoming.kind.value,
                    "flow": trace.flow,
                    "route": trace.route,
                    "outcome": outcome,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            self._report(incoming.platform, trace, outcome, seconds)

    async def slow_down(self, incoming: Incoming) -> Outgoing:
        """The "please slow down" for the person who sent `incoming`, in their language.

        Only reads: the update that overflowed is not handled, and its id is not recorded.
        """
        locale = None
        try:
            async with self._uow() as uow:
                user = await uow.users.by_identity(incoming.platform, incoming.user_id)
                locale = user.locale if user else None
        except Exception:
            log.exception("slow down: person not read")  # still said, in a guessed language
        return common.slow_down(self._bare_context(incoming, locale))

    def _report(self, platform: str, trace: _Trace, outcome: str, seconds: float) -> None:
        """Tell the observer; metrics must never turn an answer into a failure."""
        try:
            self._observer.update_handled(platform, trace.flow, outcome, seconds)
            if outcome != "error":
                for kind in trace.bookings:
                    self._observer.booked(kind)
        except Exception:
            log.exception("observer failed")

    async def _handle_once(self, incoming: Incoming, trace: _Trace) -> list[Outgoing]:
        async with self._uow() as uow:
            # The update id is recorded in the same transaction as the answer's effects, so a
            # redelivered update is skipped, and one that failed half-way is handled again.
            if not await self._claim(uow, incoming):
                trace.route = "duplicate"
                return []
            # Writing now: this account becomes the one proactive messages go to.
            user = await uow.users.by_identity(
                incoming.platform, incoming.user_id, writes_at=self._clock.now()
            )
            if user is not None:
                trace.locale, trace.user_id = user.locale, user.id
            state = await uow.states.get(user.id) if user else ConversationState()
            ctx = Context(
                incoming=incoming,
                uow=uow,
                clock=self._clock,
                tr=self._tr,
                user=user,
                state=state,
                locale=user.locale if user else self._guess_locale(incoming),
                consent_version=self._consent_version,
                policy=self._policy,
            )
            try:
                trace.route, reply = await self._dispatch(ctx)
            finally:
                trace.flow = ctx.flow  # a failure's log line names the flow too
            # A step that only repeats itself (a re-asked question) writes nothing.
            if ctx.user is not None and ctx.state_changed and ctx.state != state:
                await uow.states.save(ctx.user.id, ctx.state, self._clock.now())
            await uow.commit()
            if ctx.user is not None:
                trace.user_id = ctx.user.id
            trace.bookings = ctx.bookings
            return reply if isinstance(reply, list) else [reply]

    async def _dispatch(self, ctx: Context) -> tuple[str, Reply]:
        incoming = ctx.incoming
        route: Route | None = None
        kwargs: dict[str, Any] = {}
        if incoming.kind is Kind.COMMAND:
            route = self._router.command(incoming.command)
            if route is None:
                return "/?", await common.unknown_command(ctx)
        elif incoming.kind is Kind.BUTTON:
            found = self._router.button(incoming.text)
            if found is None:
                return "stale:unknown", await common.stale(ctx)
            route, kwargs = found
        elif ctx.user is not None:
            route = self._router.state(ctx.state.name)
            if route is not None and incoming.kind is Kind.PHOTO and not route.photos:
                ctx.flow = route.flow
                return f"{route.name}:photo", await common.photo_not_here(ctx)
        if route is None:
            return "fallback", await common.not_understood(ctx)
        ctx.flow = route.flow
        if not route.public and ctx.user is None:
            return f"{route.name}:need-start", await common.stale(ctx)
        try:
            if route.step is not None:
                kwargs = route.load_step(ctx.state.data)
            # Who may use it is checked here, on the parsed arguments, before the handler runs.
            await route.guard(ctx, guard_args(kwargs))
            return route.name, await route.handler(ctx, **kwargs)
        except Stale:
            await ctx.uow.rollback()  # undo whatever the handler did before it noticed
            ctx.bookings.clear()
            await self._claim(ctx.uow, incoming)
            ctx.state_changed = False
            return f"stale:{route.name}", await common.stale(ctx)

    async def _claim(self, uow: UnitOfWork, incoming: Incoming) -> bool:
        """Record the platform's update id; False if it was handled before."""
        if incoming.update_id is None:
            return True
        return await uow.updates.claim(incoming.platform, incoming.update_id, self._clock.now())

    def _guess_locale(self, incoming: Incoming) -> str:
        return match_locale(incoming.lang_hint) or self._default_locale

    def _bare_context(self, incoming: Incoming, locale: str | None) -> Context:
        """A context without storage, just enough to say sorry in a sensible language."""
        return Context(
            incoming=incoming,
            uow=_NO_STORAGE,
            clock=self._clock,
            tr=self._tr,
            user=None,
            state=ConversationState(),
            locale=locale or self._guess_locale(incoming),
            consent_version=self._consent_version,
        )


_NO_STORAGE: UnitOfWork = None  # type: ignore[assignment]  # the sorry reply never touches storage
