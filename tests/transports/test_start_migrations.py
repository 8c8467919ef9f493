"""Replicas starting together on a fresh PostgreSQL database: one migrates, all come up."""

from __future__ import annotations

import asyncio
import json
import os

import aiohttp
import asyncpg

from storage.migrate import head_revision
from tests.fakes.telegram_api import FakeTelegram
from tests.support.postgres import asyncpg_dsn
from tests.transports.test_telegram_run import cli, free_port, stop
from tests.transports.test_telegram_scale_out import SECRET, WEBHOOK, database  # noqa: F401


async def healthy(http: aiohttp.ClientSession, port: int) -> bool:
    """Wait until the process answers /healthz with 200 (False after ~30 s)."""
    for _ in range(300):
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                if r.status == 200:
                    return True
        except aiohttp.ClientConnectorError:
            pass
        await asyncio.sleep(0.1)
    return False


def events(output: str) -> list[str]:
    """The `event` of every JSON log line a process wrote."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line)["event"])
    return found


async def test_three_replicas_on_a_fresh_database_migrate_once_and_all_come_up(database):  # noqa: F811
    async with FakeTelegram() as tg:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_BASE": tg.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "HTTP_HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        ports = [free_port() for _ in range(3)]
        # No `migrate` beforehand: `run` brings the empty database to the newest schema.
        procs = [await cli("run", env={**env, "HTTP_PORT": str(p)}) for p in ports]
        try:
            async with aiohttp.ClientSession() as http:
                up = await asyncio.gather(*(healthy(http, p) for p in ports))
        finally:
            outputs = [await stop(p) for p in procs]
    assert up == [True, True, True], outputs
    for output in outputs:
        assert "Traceback" not in output, output
    said = [e for output in outputs for e in events(output) if e.startswith("schema ")]
    assert sorted(said) == ["schema current", "schema current", "schema migrated"], outputs
    conn = await asyncpg.connect(asyncpg_dsn(database))
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == head_revision()
    finally:
        await conn.close()
