"""A delivery worker killed mid-run: after a restart every message is sent, repeats bounded."""

from __future__ import annotations

import asyncio
import collections
import os
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from handlers.notices import Notice
from handlers.rules.reminders import REMINDER
from storage.db import create_engine, session_factory
from storage.models import OutboxRow
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.telegram_api import FakeTelegram
from tests.support.processes import bot_command, bot_process, free_port

MESSAGES, PEOPLE, BATCH = 300, 30, 20


async def fill(url: str) -> None:
    now = datetime.now(UTC)  # the worker in the subprocess runs on the real clock
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    try:
        async with uow() as u:
            for p in range(PEOPLE):
                person = await u.users.register(
                    platform="telegram", external_id=str(9000 + p), chat_id=str(9000 + p),
                    locale="en", centre_id=None, consent_version="1", now=now,
                )  # fmt: skip
                for m in range(MESSAGES // PEOPLE):
                    notice = Notice.of(REMINDER, what=f"msg {p}-{m}", when="soon", where="here")
                    await u.outbox.enqueue(person.id, notice, not_before=now, now=now)
            await u.commit()
    finally:
        await engine.dispose()


async def test_sigkill_mid_run_loses_nothing_and_repeats_at_most_one_batch(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/kill.db"
    async with FakeTelegram(send_delay=0.01) as tg:
        env = {
            **os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "1:KILL",
            "TELEGRAM_API_BASE": tg.url, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port()),
            "TELEGRAM_RATE": "1000", "TELEGRAM_CHAT_RATE": "1000", "OUTBOX_BATCH": str(BATCH),
            "OUTBOX_LEASE_SECONDS": "5", "QUIET_HOURS": "off",
        }  # fmt: skip
        migrate = await bot_command("migrate", env=env)
        assert migrate.code == 0, migrate.output
        await fill(url)

        async with bot_process("run", env=env) as first:
            await first.said("http listening")
            await tg.wait_for(lambda calls: tg.accepted >= MESSAGES // 3)
            await first.kill()
        at_kill = tg.accepted
        assert at_kill < MESSAGES, "killed mid-run"

        env["HTTP_PORT"] = str(free_port())
        async with bot_process("run", env=env) as second:
            # Done when the outbox says so: the rows the killed worker held are taken up
            # again once their lease (5 s here) has run out.
            statuses = await wait_for_statuses(url, {"sent": MESSAGES}, seconds=120)
        assert "Traceback" not in second.output, second.output

    assert statuses == {"sent": MESSAGES}
    expected = {f"msg {p}-{m}" for p in range(PEOPLE) for m in range(MESSAGES // PEOPLE)}
    assert {t.split(": ", 1)[1].split(",")[0] for t in texts(tg)} == expected
    counts = collections.Counter(all_texts(tg))
    repeats = sum(n - 1 for n in counts.values())
    assert repeats <= BATCH, f"{repeats} repeats; at most one batch was in flight"


async def test_after_sigkill_mid_batch_a_restart_sends_everything_within_30_seconds(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/kill.db"
    # Each send takes half a second to answer, so a batch is surely in flight at the kill.
    async with FakeTelegram(send_delay=0.5) as tg:
        env = {
            **{k: v for k, v in os.environ.items() if k != "OUTBOX_LEASE_SECONDS"},
            "DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": "1:KILL",
            "TELEGRAM_API_BASE": tg.url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
            "TELEGRAM_RATE": "1000",
            "TELEGRAM_CHAT_RATE": "1000",
            "OUTBOX_BATCH": str(BATCH),
            "QUIET_HOURS": "off",
        }  # fmt: skip (the lease is the default one)
        migrate = await bot_command("migrate", env=env)
        assert migrate.code == 0, migrate.output
        await fill(url)
        expected = {f"msg {p}-{m}" for p in range(PEOPLE) for m in range(MESSAGES // PEOPLE)}

        async with bot_process("run", env=env) as first:
            await first.said("http listening")
            await tg.wait_for(lambda calls: tg.accepted >= MESSAGES // 3)
            await first.kill()
        in_flight = await whats(url, "sending")
        unsent = in_flight | await whats(url, "queued")
        assert in_flight, "killed mid-batch"
        assert unsent < expected, "killed before the end"
        # The platform may have received the rows in flight already; the bot cannot know that,
        # so the restarted process sends them again: the event is every unsent row arriving.
        before = len(all_texts(tg))

        env["HTTP_PORT"] = str(free_port())
        restarted = time.monotonic()
        async with bot_process("run", env=env) as second:
            await tg.wait_for(lambda calls: {what(t) for t in all_texts(tg)[before:]} >= unsent)
            took = time.monotonic() - restarted
            statuses = await wait_for_statuses(url, {"sent": MESSAGES}, seconds=120)
        assert "Traceback" not in second.output, second.output

    assert took < 30, f"the last message went {took:.1f} s after the restart"
    assert statuses == {"sent": MESSAGES}
    assert {what(t) for t in all_texts(tg)} == expected
    counts = collections.Counter(what(t) for t in all_texts(tg))
    repeated = {w for w, n in counts.items() if n > 1}
    assert repeated <= in_flight, "only messages in flight at the kill may go twice"
    assert max(counts.values()) <= 2


async def whats(url: str, status: str) -> set[str]:
    """The `what` of each outbox row in `status`."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            rows = await s.execute(select(OutboxRow.params).where(OutboxRow.status == status))
            return {params["what"] for (params,) in rows.all()}
    finally:
        await engine.dispose()


def what(text: str) -> str:
    """ "msg 3-4" from the reminder's text."""
    return text.split(": ", 1)[1].split(",")[0]


async def wait_for_statuses(url: str, wanted: dict[str, int], seconds: float) -> dict[str, int]:
    """Poll the outbox's statuses until they are `wanted` or time runs out; the last seen."""
    engine = create_engine(url)
    statuses: dict[str, int] = {}
    try:
        async with asyncio.timeout(seconds):
            while statuses != wanted:
                async with session_factory(engine)() as s:
                    query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
                    statuses = {status: n for status, n in (await s.execute(query)).all()}
                await asyncio.sleep(0.2)
    except TimeoutError:
        pass
    finally:
        await engine.dispose()
    return statuses


def all_texts(tg: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in tg.of("sendMessage") if "msg " in c.params.get("text", "")]


def texts(tg: FakeTelegram) -> set[str]:
    return set(all_texts(tg))
