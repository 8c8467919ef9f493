"""Fair handling: one person's updates in the order they came, different people in parallel.

Each chat has its own queue and, while it has work, one worker task. A worker takes one of the
shared slots only while it actually handles an update, so a person with a backlog waits for
their own turn without keeping anyone else waiting. A wait inside the handling (a 429's
`retry_after`, a backoff) goes through `pause`, which gives the slot back meanwhile: only that
chat waits. A chat with `max_pending` updates in hand refuses more; the first refusal of a
burst queues one `overflow` job (the "slow down" message) ahead of the chat's backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("reintegrate.ordering")

Job = Callable[[], Awaitable[Any]]
BACKLOG = "backlog"  # drop reason: the chat had too many updates in hand
SHUTDOWN = "shutdown"  # drop reason: still queued when the process stopped


class _Slot:
    """One of the shared slots, held by the worker task that runs a job."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self.held = False

    async def acquire(self) -> None:
        await self._slots.acquire()
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()


_SLOT: ContextVar[_Slot | None] = ContextVar("reintegrate_slot", default=None)


async def pause(seconds: float) -> None:
    """Sleep without holding a shared slot: a wait of one chat's handling delays only that chat."""
    slot = _SLOT.get()
    if slot is None or not slot.held:
        await asyncio.sleep(seconds)
        return
    slot.release()
    try:
        await asyncio.sleep(seconds)
    finally:
        await slot.acquire()


@dataclass
class Ticket:
    """An accepted update: `ahead` jobs of the same chat go first; `done` holds the job's result."""

    ahead: int
    done: asyncio.Future[Any]


@dataclass
class _Chat:
    jobs: deque[tuple[Job, asyncio.Future[Any]]] = field(default_factory=deque)
    busy: bool = False  # a job of this chat is being handled
    warned: bool = False  # this burst's "slow down" is queued or sent


class FairQueue:
    """Per-chat ordered queues sharing `concurrency` slots; at most `max_pending` per chat."""

    def __init__(
        self,
        concurrency: int,
        max_pending: int,
        *,
        dropped: Callable[[str], None] | None = None,
        total: int | None = None,
    ) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        # Updates queued over all chats before `room` holds the caller back (memory stays
        # bounded when many people write at once, not only when one does).
        self.total = total or concurrency * max_pending
        self._queued = 0
        self._room = asyncio.Event()
        self._room.set()
        self.max_pending = max_pending
        self._dropped = dropped or (lambda _reason: None)
        self._chats: dict[str, _Chat] = {}
        self._workers: set[asyncio.Task[None]] = set()

    async def room(self) -> None:
        """Wait while `total` updates are queued over all chats."""
        while self._queued >= self.total:
            self._room.clear()
            await self._room.wait()

    def submit(self, key: str, job: Job, *, overflow: Job | None = None) -> Ticket | None:
        """Queue `job` for chat `key`; None if the chat has too many in hand (job dropped)."""
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
        ahead = len(chat.jobs) + chat.busy
        if ahead >= self.max_pending:
            self._dropped(BACKLOG)
            if overflow is not None and not chat.warned:
                chat.warned = True
                # First in line: the person hears it after the update in hand, not the backlog.
                chat.jobs.appendleft((overflow, asyncio.get_running_loop().create_future()))
                self._queued += 1
            return None
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        chat.jobs.append((job, done))
        self._queued += 1
        if ahead == 0:
            worker = asyncio.create_task(self._work(key, chat), name=f"chat-worker-{key}")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        return Ticket(ahead, done)

    async def _work(self, key: str, chat: _Chat) -> None:
        slot = _Slot(self._slots)
        _SLOT.set(slot)  # this task's own context: `pause` in a job finds its slot
        try:
            while chat.jobs:
                job, done = chat.jobs.popleft()
                self._taken()
                chat.busy = True
                try:
                    await slot.acquire()
                    result = await job()
                except Exception as exc:
                    log.exception("queued job failed")
                    if not done.done():
                        done.set_exception(exc)
                        done.exception()  # nobody may be waiting: retrieved, not "never retrieved"
                except BaseException:  # cancelled: whoever waits for this job must not wait forever
                    done.cancel()
                    raise
                else:
                    if not done.done():
                        done.set_result(result)
                finally:
                    slot.release()
                    chat.busy = False
        finally:
            # Idle (or stopping): the next update starts a new burst with a new warning.
            self._chats.pop(key, None)
            while chat.jobs:
                _, left = chat.jobs.popleft()
                self._taken()
                left.cancel()

    def _taken(self) -> None:
        self._queued -= 1
        if self._queued < self.total:
            self._room.set()

    def pending(self, key: str) -> int:
        """Updates of chat `key` in hand (queued or being handled)."""
        chat = self._chats.get(key)
        return len(chat.jobs) + chat.busy if chat else 0

    def __len__(self) -> int:
        """Chats with work in hand."""
        return len(self._chats)

    async def drain(self, grace: float | None = None) -> None:
        """Wait for every queue to empty; after `grace` seconds cancel what is left."""
        workers = set(self._workers)
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=grace)
        if late:
            left = sum(len(c.jobs) for c in self._chats.values())
            for _ in range(left):
                self._dropped(SHUTDOWN)
            log.warning("stopping with updates in hand", extra={"chats": len(late), "queued": left})
            for worker in late:
                worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*late, return_exceptions=True)
