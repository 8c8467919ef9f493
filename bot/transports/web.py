"""The one HTTP server of `run`: /healthz, /metrics if enabled, and the messengers' webhooks."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.metrics import CONTENT_TYPE, Metrics
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("reintegrate.http")


async def healthz(engine: AsyncEngine) -> web.Response:
    """200 while the database answers, 503 otherwise."""
    try:
        async with engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=5)
    except Exception:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def web_app(
    engine: AsyncEngine, uow: SqlUnitOfWorkFactory, metrics: Metrics | None
) -> web.Application:
    """The HTTP side: /healthz always, /metrics with `metrics`; each messenger adds its
    webhook route."""
    http = web.Application()

    async def health(_request: web.Request) -> web.Response:
        return await healthz(engine)

    http.router.add_get("/healthz", health)
    if metrics is not None:

        async def page(_request: web.Request) -> web.Response:
            body = await metrics.render(lambda: outbox_counts(uow))
            return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

        http.router.add_get("/metrics", page)
    return http


async def outbox_counts(uow: SqlUnitOfWorkFactory) -> dict[str, int] | None:
    """Outbox rows by status; None (the gauge keeps its last figures) if the database fails."""
    try:
        async with uow() as work:
            return await asyncio.wait_for(work.outbox.counts(), timeout=5)
    except Exception as exc:
        log.warning("metrics: outbox not counted", extra={"error": type(exc).__name__})
        return None


async def serve(http: web.Application, settings: Settings) -> web.AppRunner:
    """Start listening on HTTP_HOST:HTTP_PORT; the caller cleans the runner up."""
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    log.info("http listening", extra={"host": settings.http_host, "port": settings.http_port})
    return runner


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
