"""The composition root: build(settings) wires storage, translations and the core into an App."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.config import Settings
from bot.i18n import BabelTranslator
from bot.metrics import Metrics
from handlers.conversation import Conversation
from handlers.model import Policy
from handlers.ports import Clock
from storage.db import create_engine, session_factory
from storage.migrate import check_current
from storage.uow import SqlUnitOfWorkFactory


@dataclass
class App:
    """A wired application: the conversation core on a database."""

    settings: Settings
    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    translator: BabelTranslator
    clock: Clock
    conversation: Conversation
    policy: Policy = field(default_factory=Policy)
    metrics: Metrics = field(default_factory=Metrics)

    async def close(self) -> None:
        """Release database connections."""
        await self.engine.dispose()


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    translator: BabelTranslator | None = None,
    check_schema: bool = True,
) -> App:
    """Wire an App; refuses to run on a database whose schema is not the newest."""
    engine = engine or create_engine(settings.database_url)
    if check_schema:
        try:
            await check_current(engine)
        except BaseException:
            await engine.dispose()
            raise
    clock = clock or SystemClock()
    translator = translator or BabelTranslator(settings.timezone)
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    policy = Policy(
        reminder_offsets=settings.reminder_deltas,
        timezone=settings.timezone,
        min_notice=timedelta(hours=settings.legal_min_notice_hours),
        shift_cancel_cutoff=timedelta(hours=settings.shift_cancel_cutoff_hours),
        shift_confirm_before=timedelta(hours=settings.shift_confirm_before_hours),
        shift_confirm_deadline=timedelta(hours=settings.shift_confirm_deadline_hours),
        checkin_radius_m=settings.checkin_radius_m,
        viber_paid_messages=settings.viber_paid_messages,
        viber_message_price=settings.viber_message_price,
        viber_price_currency=settings.viber_price_currency,
    )
    metrics = Metrics()
    conversation = Conversation(
        uow, clock, translator, default_locale=settings.default_locale, policy=policy,
        observer=metrics,
    )  # fmt: skip
    return App(settings, engine, uow, translator, clock, conversation, policy, metrics)
