"""The bot as a process of its own: started, waited on by the events it logs, stopped; and a
poll with a deadline for what no event tells (a database, a file another process writes).

Nothing here sleeps to let a process get ready: a test waits for what the process says
(`await bot.said("http listening")`) or for what the fake APIs receive. The deadlines are
long because they only bound a failure; Python's start, imports and migrations can take
many seconds on a loaded machine, and a wait that is met returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import Call, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 120.0  # seconds a process may take to say something, or to run to its end
WEBHOOK_URL = "https://bot.example.org/telegram/webhook"
WEBHOOK_SECRET = "scale-out-secret"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def telegram_env(tg: FakeTelegram, database_url: str, **more: str) -> dict[str, str]:
    """The environment of a `run` process talking to the fake Telegram on a free port."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEFAULT_LOCALE": "en",
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_API_BASE": tg.url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(free_port()),
        **more,
    }


def sent_texts(calls: list[Call]) -> list[str]:
    """The texts of the messages the bot sent or edited, in order."""
    return [
        c.params.get("text", "") for c in calls if c.method in ("sendMessage", "editMessageText")
    ]


def button(call: Call, label: str) -> str:
    """The callback data of the inline button whose text ends in `label`."""
    rows = call.params["reply_markup"]["inline_keyboard"]
    return str(next(b["callback_data"] for row in rows for b in row if b["text"].endswith(label)))


async def _spawn(args: tuple[str, ...], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


@dataclass
class Finished:
    """A command that ran to its end: its exit code and its output (stdout and stderr)."""

    code: int
    output: str


async def bot_command(*args: str, env: dict[str, str], seconds: float = DEADLINE) -> Finished:
    """Run `python -m bot ARGS` to its end (`migrate`, `seed --demo`, a `run` that refuses)."""
    proc = await _spawn(args, env)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), seconds)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        raise AssertionError(
            f"`{' '.join(args)}` still ran after {seconds:.0f} s; its output:\n{out.decode()}"
        ) from None
    assert proc.returncode is not None
    return Finished(proc.returncode, out.decode(errors="replace"))


class BotProcess:
    """`python -m bot ARGS` running: its output read as it comes, its logged events waited on.

    The process logs JSON lines (LOG_FORMAT=json), so that `said` can find its events. Its
    output is read all the time by a task of its own: a chatty process never blocks on a full
    pipe, and `output` holds everything it wrote so far.
    """

    def __init__(self, args: tuple[str, ...], proc: asyncio.subprocess.Process) -> None:
        self.args = args
        self.proc = proc
        self.records: list[dict[str, Any]] = []  # its JSON log lines, parsed, in order
        self._out = bytearray()
        self._ended = False
        self._change = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str]) -> BotProcess:
        """Start `python -m bot ARGS` with `env` (and LOG_FORMAT=json)."""
        return cls(args, await _spawn(args, {**env, "LOG_FORMAT": "json"}))

    @property
    def output(self) -> str:
        """Everything the process wrote so far, stdout and stderr together."""
        return self._out.decode(errors="replace")

    @property
    def returncode(self) -> int | None:
        """Its exit code once it has ended."""
        return self.proc.returncode

    def events(self) -> list[str]:
        """The `event` of each JSON log line so far."""
        return [str(r.get("event")) for r in self.records]

    async def said(self, event: str, seconds: float = DEADLINE) -> dict[str, Any]:
        """The first log line with this `event`, as soon as the process writes it.

        Fails at once, with the output so far, if the process ends first; or after `seconds`.
        """
        try:
            async with asyncio.timeout(seconds):
                while True:
                    change = self._change
                    for record in self.records:
                        if record.get("event") == event:
                            return record
                    if self._ended:
                        raise AssertionError(
                            f"`{' '.join(self.args)}` ended (exit code {self.returncode}) "
                            f"before it said {event!r}; its output:\n{self.output}"
                        )
                    await change.wait()
        except TimeoutError:
            raise AssertionError(
                f"`{' '.join(self.args)}` did not say {event!r} in {seconds:.0f} s "
                f"(is LOG_LEVEL above INFO?); its output so far:\n{self.output}"
            ) from None

    async def stop(self, seconds: float = DEADLINE) -> str:
        """SIGTERM, then wait for the end (SIGKILL after `seconds`); the whole output."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
        await self._finish()
        return self.output

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM killer would; returns once the process is gone."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self._finish()

    async def _finish(self) -> None:
        await self.proc.wait()
        # The pipe closes with the process (unless a child of its own still holds it).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._reader, DEADLINE)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        pending = b""
        try:
            while chunk := await self.proc.stdout.read(65536):
                self._out += chunk
                *lines, pending = (pending + chunk).split(b"\n")
                self._parse(lines)
                self._changed()
            self._parse([pending])
            await self.proc.wait()
        finally:
            self._ended = True
            self._changed()

    def _parse(self, lines: list[bytes]) -> None:
        for line in lines:
            if line.startswith(b"{"):
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict):
                        self.records.append(record)

    def _changed(self) -> None:
        self._change.set()
        self._change = asyncio.Event()


@contextlib.asynccontextmanager
async def bot_process(*args: str, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    """`python -m bot ARGS` for the block, stopped afterwards (see BotProcess)."""
    proc = await BotProcess.start(*args, env=env)
    try:
        yield proc
    finally:
        await proc.stop()


@contextlib.asynccontextmanager
async def bot_processes(*args: str, envs: list[dict[str, str]]) -> AsyncIterator[list[BotProcess]]:
    """`python -m bot ARGS` once per environment, started together, stopped together."""
    procs: list[BotProcess] = []
    try:
        for env in envs:
            procs.append(await BotProcess.start(*args, env=env))
        yield procs
    finally:
        await asyncio.gather(*(p.stop() for p in procs))


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, seconds: float = DEADLINE, every: float = 0.1
) -> bool:
    """Ask `check` every `every` seconds until it is true (True) or `seconds` have passed (False).

    Only for what has no event to wait on; a check that is met returns at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        answer = check()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(every)
