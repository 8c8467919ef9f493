"""Background work beside the messengers: the delivery worker and APScheduler's periodic jobs.

Each job only calls a core use case on the database; nothing lives only in the scheduler's
memory, so a restart loses nothing (a job that did not run simply finds more to do next time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import DeliveryWorker
from handlers.model import Policy
from handlers.ports import Clock
from handlers.usecases import broadcasts, shifts
from handlers.usecases.reminders import release_due
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("reintegrate.scheduler")
REMINDER_BATCH = 500


class Jobs(Protocol):
    """What the periodic jobs use of the application (bot.bootstrap.App has it)."""

    @property
    def uow(self) -> SqlUnitOfWorkFactory: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def policy(self) -> Policy: ...


async def release_reminders(app: Jobs, worker: DeliveryWorker | None = None) -> int:
    """Move every due reminder into the outbox (in batches); wake the worker if any went."""
    total = 0
    while True:
        async with app.uow() as uow:
            handled = await release_due(uow, app.clock.now(), limit=REMINDER_BATCH)
            await uow.commit()
        total += handled
        if handled < REMINDER_BATCH:
            break
    if total and worker is not None:
        worker.wakeup.set()
    return total


async def release_shift_work(app: Jobs, worker: DeliveryWorker | None = None) -> int:
    """Ask volunteers the day before, alert coordinators on silence, close open check-ins."""
    total = 0
    while True:
        async with app.uow() as uow:
            handled = await shifts.release_due(
                uow, app.policy, app.clock.now(), limit=REMINDER_BATCH
            )
            await uow.commit()
        total += handled
        if handled < REMINDER_BATCH:
            break
    if total and worker is not None:
        worker.wakeup.set()
    return total


async def release_broadcasts(app: Jobs, worker: DeliveryWorker | None = None) -> int:
    """Start announcements whose time has come; report the ones whose sending ended."""
    now = app.clock.now()
    async with app.uow() as uow:
        queued = await broadcasts.release_due(uow, now)
        done = await broadcasts.report_finished(uow, now)
        await uow.commit()
    if (queued or done) and worker is not None:
        worker.wakeup.set()
    return queued


async def prune(app: Jobs) -> None:
    """Forget handled update ids after a day, wrong tries at codes after two (no try limit
    looks back further), expired link codes, and finished outbox rows after 30 days."""
    now = app.clock.now()
    async with app.uow() as uow:
        await uow.updates.prune(now - timedelta(days=1))
        await uow.attempts.prune(now - timedelta(days=2))
        await uow.users.prune_link_codes(now)
        await uow.outbox.prune(now - timedelta(days=30))
        await uow.commit()


@contextlib.asynccontextmanager
async def background(
    app: Jobs, worker: DeliveryWorker, *, reminders_every: float = 30
) -> AsyncIterator[AsyncIOScheduler]:
    """Run the delivery worker and the periodic jobs while the block runs."""
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop), name="delivery")
    scheduler = AsyncIOScheduler(timezone=UTC)
    first = datetime.now(UTC)
    scheduler.add_job(
        release_reminders, "interval", seconds=reminders_every, args=(app, worker),
        id="reminders", next_run_time=first, coalesce=True, max_instances=1,
    )  # fmt: skip
    scheduler.add_job(
        release_shift_work, "interval", seconds=reminders_every, args=(app, worker),
        id="shifts", next_run_time=first, coalesce=True, max_instances=1,
    )  # fmt: skip
    scheduler.add_job(
        release_broadcasts, "interval", seconds=reminders_every, args=(app, worker),
        id="broadcasts", next_run_time=first, coalesce=True, max_instances=1,
    )  # fmt: skip
    scheduler.add_job(
        prune, "interval", hours=1, args=(app,),
        id="prune", next_run_time=first, coalesce=True, max_instances=1,
    )  # fmt: skip
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        stop.set()
        await delivery
