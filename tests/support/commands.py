"""The command line run as an operator runs it: `python -m bot ARGS` to its end, synchronously."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ("TELEGRAM_BOT_TOKEN", "VIBER_AUTH_TOKEN")


def cli(
    *args: str, db: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` on the SQLite file `db` (no messenger unless `env` gives one)."""
    outside = {k: v for k, v in os.environ.items() if k not in TOKENS}
    environment = {
        **outside,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "DEFAULT_LOCALE": "en",
        **(env or {}),
    }
    # A generous deadline: Python's start and the imports take seconds on a loaded machine.
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )
