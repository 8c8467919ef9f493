"""Short leases, renewed while a batch is in flight: a live worker keeps its rows however long
pacing takes, and a dead worker's rows come back within one lease."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from bot.delivery import DeliveryWorker, Limiter, Platform, Result, Verdict
from storage.uow import SqlUnitOfWorkFactory
from tests.support import FakeClock
from tests.support.outbox import Recorder, SimTime, enqueue, news, onboard, worker

LEASE = timedelta(seconds=20)


class Tracked:
    """The app's units of work, counted, so simulated time moves only once the database is done."""

    def __init__(self, factory: SqlUnitOfWorkFactory) -> None:
        self.factory = factory
        self.busy = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.down = False  # True: the database does not answer

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        if self.down:
            raise ConnectionRefusedError("the database is away")
        self.busy += 1
        self.idle.clear()
        try:
            async with self.factory() as uow:
                yield uow
        finally:
            self.busy -= 1
            if not self.busy:
                self.idle.set()


class ClockedTime(SimTime):
    """Simulated seconds: the worker's sleeps, its monotonic time and the app's clock move
    together, and only when the test says so (each step once every task has settled)."""

    def __init__(self, clock: FakeClock, db: Tracked) -> None:
        super().__init__()
        self.clock = clock
        self.db = db

    async def settle(self) -> None:
        """Let every task run until it sleeps (or waits for something that never comes)."""
        while True:
            await self.db.idle.wait()
            for _ in range(50):
                await asyncio.sleep(0)
            if self.db.idle.is_set():
                return

    async def until(self, t: float) -> None:
        """Run everything due up to simulated second `t`."""
        await self.settle()
        while self.waiters and self.waiters[0][0] <= t:
            at, _, fut = heapq.heappop(self.waiters)
            self._to(at)
            if not fut.done():
                fut.set_result(None)
            await self.settle()
        self._to(t)

    def _to(self, t: float) -> None:
        if t > self.t:
            self.clock.advance(seconds=t - self.t)
            self.t = t


async def test_a_dead_workers_rows_come_back_within_a_lease_not_before(app, person, clock):
    people = [await onboard(app, person(f"p{n}")) for n in range(3)]
    for n, uid in enumerate(people):
        await enqueue(app, uid, news(n))
    db = Tracked(app.uow)
    sim = ClockedTime(clock, db)
    tried: list[str] = []

    class Hanging:  # the platform never answers: the batch stays in flight
        async def send(self, chat_id: str, out: object) -> Result:
            tried.append(chat_id)
            await asyncio.Event().wait()
            raise AssertionError("never answered")

    first = DeliveryWorker(
        db, app.clock, app.translator, {"telegram": Platform(Hanging(), None)},  # type: ignore[arg-type]
        lease=LEASE, monotonic=sim.monotonic, sleep=sim.sleep,
    )  # fmt: skip
    batch = asyncio.ensure_future(first.deliver_once())
    await sim.until(30)  # alive for longer than one lease, renewing it
    assert len(tried) == 3
    rec = Recorder()
    other = worker(app, rec, lease=LEASE)
    await other.drain()
    assert rec.sent == [], "a live worker's rows are its own, past the first lease too"

    batch.cancel()  # the worker dies: nobody renews its lease any more
    await asyncio.wait([batch])
    await other.drain()
    assert rec.sent == []
    clock.advance(seconds=LEASE.total_seconds())
    await other.drain()
    assert sorted(o.params["what"] for o in rec.sent) == ["news 0", "news 1", "news 2"]
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"sent": 3}


async def test_a_live_worker_keeps_a_batch_slower_than_its_lease_and_sends_each_once(
    app, person, clock
):
    ana = await onboard(app, person("ana"))
    for n in range(5):
        await enqueue(app, ana, news(n))
    db = Tracked(app.uow)
    sim = ClockedTime(clock, db)
    sent: list[tuple[float, str]] = []

    class Timed:
        async def send(self, chat_id: str, out: Any) -> Result:
            sent.append((sim.t, out.params["what"]))
            return Result(Verdict.SENT, message_id=str(len(sent)))

    # One chat, one message every 10 s: the batch of five takes 40 s, twice the lease.
    slow = DeliveryWorker(
        db, app.clock, app.translator, {"telegram": Platform(Timed(), Limiter(100, 0.1))},  # type: ignore[arg-type]
        lease=LEASE, monotonic=sim.monotonic, sleep=sim.sleep,
    )  # fmt: skip
    rec = Recorder()
    other = worker(app, rec, lease=LEASE)
    batch = asyncio.ensure_future(slow.deliver_once())
    for t in (15, 25, 35, 45):  # another worker looks while the batch is in flight
        await sim.until(t)
        await other.drain()
        assert rec.sent == [], f"another worker took a row at {t} s"
    await sim.until(60)
    assert batch.done() and batch.result() == 5
    assert sent == [(10.0 * n, f"news {n}") for n in range(5)]
    await other.drain()
    assert rec.sent == []
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"sent": 5}


async def test_a_worker_whose_renewals_fail_stops_sending_before_its_lease_could_end(
    app, person, clock
):
    ana = await onboard(app, person("ana"))
    for n in range(3):
        await enqueue(app, ana, news(n))
    db = Tracked(app.uow)
    sim = ClockedTime(clock, db)
    sent: list[tuple[float, str]] = []

    class Timed:
        async def send(self, chat_id: str, out: Any) -> Result:
            sent.append((sim.t, out.params["what"]))
            return Result(Verdict.SENT, message_id=str(len(sent)))

    slow = DeliveryWorker(
        db, app.clock, app.translator, {"telegram": Platform(Timed(), Limiter(100, 0.1))},  # type: ignore[arg-type]
        lease=LEASE, monotonic=sim.monotonic, sleep=sim.sleep,
    )  # fmt: skip
    batch = asyncio.ensure_future(slow.deliver_once())
    await sim.until(1)
    db.down = True  # no renewal gets through: after 20 s another worker may take the rows
    await sim.until(19)
    db.down = False  # back in time for the outcomes
    await sim.until(60)
    assert batch.done() and batch.result() == 3
    assert sent == [(0.0, "news 0"), (10.0, "news 1")], "the one due at 20 s was held back"
    rec = Recorder()
    await worker(app, rec, lease=LEASE).drain()
    assert [o.params["what"] for o in rec.sent] == ["news 2"]
    async with app.uow() as uow:
        assert await uow.outbox.counts() == {"sent": 3}
