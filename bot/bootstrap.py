"""The composition root: the one place that builds the engine, units of work, the core, the
senders and limiters, the delivery worker, the scheduler and the transports.

`run`, `chat` and every CLI verb get what they need from here; nothing here is imported by
what it builds, and each transport receives only the few things it uses, never the App.
Messenger libraries are imported only when that messenger is configured, so `chat` and the
other verbs never load aiogram.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery import DeliveryWorker, Platform
from bot.i18n import BabelTranslator
from bot.metrics import Metrics
from bot.scheduler import background
from bot.transports.core import AccountGone
from handlers.conversation import Conversation
from handlers.model import Policy
from handlers.ports import Clock
from handlers.usecases import accounts
from storage.db import create_engine, session_factory
from storage.migrate import check_current, upgrade
from storage.seed import seed_demo
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:  # imported where used: aiohttp and the messenger libraries load only then
    from aiohttp import web

    from bot.transports.run import Transport
    from bot.transports.telegram.app import TelegramTransport
    from bot.transports.viber.app import ViberTransport


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


@dataclass(frozen=True)
class Database:
    """The database alone, for the verbs that need no conversation (migrate, seed, grant)."""

    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    clock: Clock


# -- the database ----------------------------------------------------------------------------
def make_engine(settings: Settings) -> AsyncEngine:
    """The engine on DATABASE_URL (the only place the bot's own engine is made)."""
    return create_engine(settings.database_url)


@contextlib.asynccontextmanager
async def database(settings: Settings, *, check_schema: bool = True) -> AsyncIterator[Database]:
    """The configured database while the block runs; refuses (SchemaOutdated) one whose schema
    is not the newest unless `check_schema` is false."""
    engine = make_engine(settings)
    try:
        if check_schema:
            await check_current(engine)
        yield Database(engine, SqlUnitOfWorkFactory(session_factory(engine)), SystemClock())
    finally:
        await engine.dispose()


async def migrate(settings: Settings) -> tuple[str | None, str | None]:
    """Bring the configured database to the newest schema; (before, after) revisions."""
    async with database(settings, check_schema=False) as db:
        return await upgrade(db.engine)


async def seed(settings: Settings) -> int:
    """Load the demo data (volunteering included) into the configured database; rows changed."""
    async with database(settings) as db:
        return await seed_demo(db.engine, volunteering=True)


# -- the application -------------------------------------------------------------------------
def policy_of(settings: Settings) -> Policy:
    """The programme's rules as the settings give them."""
    return Policy(
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


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    translator: BabelTranslator | None = None,
    check_schema: bool = True,
) -> App:
    """Wire an App; refuses to run on a database whose schema is not the newest."""
    engine = engine or make_engine(settings)
    if check_schema:
        try:
            await check_current(engine)
        except BaseException:
            await engine.dispose()
            raise
    clock = clock or SystemClock()
    translator = translator or BabelTranslator(settings.timezone)
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    policy = policy_of(settings)
    metrics = Metrics()
    conversation = Conversation(
        uow, clock, translator, default_locale=settings.default_locale, policy=policy,
        observer=metrics,
    )  # fmt: skip
    return App(settings, engine, uow, translator, clock, conversation, policy, metrics)


def account_gone(app: App) -> AccountGone:
    """What a transport calls when its platform says an account is gone (blocked the bot,
    unsubscribed): the account is marked unreachable and its queued messages are dropped."""

    async def gone(platform: str, external_id: str) -> None:
        await accounts.account_gone(app.uow, platform, external_id, app.clock.now())

    return gone


def make_worker(
    app: App, platforms: Mapping[str, Platform], *, only_external_id: str | None = None
) -> DeliveryWorker:
    """The delivery worker for these platforms, configured by the app's settings."""
    return DeliveryWorker.from_settings(
        app.settings,
        app.uow,
        app.clock,
        app.translator,
        platforms,
        only_external_id=only_external_id,
        on_reminder_sent=app.metrics.reminder_sent,
    )


# -- the transports --------------------------------------------------------------------------
def telegram(app: App) -> TelegramTransport:
    """Telegram's part of `run`: the bot, its dispatcher, webhook or polling, its sender."""
    from bot.transports.telegram.app import TelegramTransport

    return TelegramTransport(
        app.conversation, app.settings, app.translator, app.metrics, account_gone(app)
    )


def viber(app: App) -> ViberTransport:
    """Viber's part of `run`: the client, the webhook and file routes, its sender."""
    from bot.transports.viber.app import ViberTransport

    return ViberTransport(
        app.conversation, app.settings,
        uow=app.uow, clock=app.clock, metrics=app.metrics, account_gone=account_gone(app),
    )  # fmt: skip


def messengers(app: App) -> list[Transport]:
    """The messengers the settings configure (their libraries imported only then)."""
    found: list[Transport] = []
    if app.settings.telegram_bot_token:
        found.append(telegram(app))
    if app.settings.viber_auth_token:
        found.append(viber(app))
    return found


def http_app(app: App) -> web.Application:
    """The one HTTP server's application: /healthz, /metrics if METRICS_ENABLED."""
    from bot.transports.web import web_app

    return web_app(app.engine, app.uow, app.metrics if app.settings.metrics_enabled else None)


async def run(app: App) -> None:
    """`reintegrate-bot run`: the configured messengers on one HTTP server, with one delivery
    worker and the periodic jobs, until SIGINT/SIGTERM."""
    from bot.transports import run as serving

    found = messengers(app)
    worker = make_worker(app, {m.name: m.platform for m in found})
    await serving.run(found, http_app(app), background(app, worker), app.settings)


async def chat(
    app: App, user: str, stdin: TextIO, stdout: TextIO, *, lang_hint: str | None = None
) -> None:
    """`reintegrate-bot chat`: one person at this terminal, with the worker delivering what
    the bot sends them on its own."""
    from bot.transports.console import PLATFORM, ConsoleChat, ConsoleOutbox

    console = ConsoleChat(app.conversation, user, stdin, stdout, lang_hint=lang_hint)
    # Each terminal delivers only its own person's messages: another terminal on the same
    # database shows the other person's.
    outbox = {PLATFORM: Platform(ConsoleOutbox(console), limiter=None)}
    async with background(app, make_worker(app, outbox, only_external_id=user)):
        await console.run()
