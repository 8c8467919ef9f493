"""Benchmark: text updates through getUpdates on a local fake Bot API, full stack vs echo bot.

    .venv/bin/python -m bench.telegram_throughput [--updates 20000] [--people 1000] [--rounds 1]

The fake server runs in this process; each bot runs in its own process (so its peak memory is
its own), alternating echo and full stack. The full stack is `reintegrate-bot run` on a fresh
SQLite database: every update is one unit of work (a read of the person, the update-id record)
and one sendMessage.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
MAXRSS = (
    "import atexit, resource, runpy, sys;"
    "atexit.register(lambda: print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr));"
    "sys.argv = [sys.argv[1], *sys.argv[2:]];"
    "runpy.run_module(sys.argv[0], run_name='__main__')"
)


async def one_run(kind: str, updates: int, people: int) -> tuple[float, int]:
    """Updates per second and peak RSS (MB) of one bot process."""
    async with FakeTelegram() as tg:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:BENCH", "TELEGRAM_API_BASE": tg.url,
               "LOG_LEVEL": "WARNING", "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "0"}  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
            if kind == "full":
                for verb in (["migrate"], ["seed", "--demo"]):
                    p = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot", *verb,
                        env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL,
                    )  # fmt: skip
                    await p.wait()
                module = ["bot", "run"]
            else:
                module = ["bench.echo_bot"]
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", MAXRSS, *module, env=env, cwd=ROOT,
                stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await tg.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), 60)
            for i in range(updates):
                tg.text_update(100_000 + i % people, f"hello {i}")
            started = time.perf_counter()
            await tg.wait_for(lambda calls: len(tg.of("sendMessage")) >= updates, 3600)
            elapsed = time.perf_counter() - started
            proc.terminate()
            _, err = await proc.communicate()
    rss = next(
        (
            int(line.split()[1])
            for line in err.decode().splitlines()
            if line.startswith("MAXRSS_KB")
        ),
        0,
    )
    return updates / elapsed, rss // 1024


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    for r in range(args.rounds):
        echo_rate, echo_mb = await one_run("echo", args.updates, args.people)
        full_rate, full_mb = await one_run("full", args.updates, args.people)
        print(
            f"round {r + 1}: echo {echo_rate:.0f} updates/s (peak {echo_mb} MB); "
            f"full stack {full_rate:.0f} updates/s (peak {full_mb} MB); "
            f"ratio {full_rate / echo_rate:.0%}",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
