"""Replicas starting together on a fresh PostgreSQL database: one migrates, all come up."""

from __future__ import annotations

import asyncio
import os

import aiohttp
import asyncpg

from storage.migrate import head_revision
from tests.fakes.telegram_api import FakeTelegram
from tests.support.postgres import asyncpg_dsn
from tests.support.processes import WEBHOOK_SECRET, WEBHOOK_URL, bot_processes, free_port


async def healthy(http: aiohttp.ClientSession, port: int) -> bool:
    """Whether the process answers /healthz with 200."""
    async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
        return r.status == 200


async def test_three_replicas_on_a_fresh_database_migrate_once_and_all_come_up(database):
    async with FakeTelegram() as tg:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_BASE": tg.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "HTTP_HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        ports = [free_port() for _ in range(3)]
        # No `migrate` beforehand: `run` brings the empty database to the newest schema.
        async with bot_processes(
            "run", envs=[{**env, "HTTP_PORT": str(p)} for p in ports]
        ) as procs:
            await asyncio.gather(*(p.said("http listening") for p in procs))
            async with aiohttp.ClientSession() as http:
                up = [await healthy(http, p) for p in ports]
        outputs = [p.output for p in procs]
    assert up == [True, True, True], outputs
    for output in outputs:
        assert "Traceback" not in output, output
    said = [e for p in procs for e in p.events() if e.startswith("schema ")]
    assert sorted(said) == ["schema current", "schema current", "schema migrated"], outputs
    conn = await asyncpg.connect(asyncpg_dsn(database))
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == head_revision()
    finally:
        await conn.close()
