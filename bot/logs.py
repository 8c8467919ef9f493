"""Structured logging: one line per event, fields as key=value or JSON; never message text."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from types import TracebackType
from typing import Any

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


def withheld_traceback(exc_info: ExcInfo) -> str:
    """A traceback with its frames and exception types, without the exceptions' messages.

    A message can quote people's data: a database error's DETAIL names the row's values
    ("Key (phone)=(064 …) already exists"), a KeyError its key. The frames say where it broke.
    """
    return "".join(_withheld(exc_info[1], set())) if exc_info[1] is not None else ""


def _withheld(exc: BaseException, seen: set[int]) -> list[str]:
    # By identity: an exception's own __eq__ must not decide, and a cycle must end.
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for link in reversed(chain):
        if parts:
            parts.append("\nwhich led to\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        kind = type(link)
        parts.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)")
        if isinstance(link, BaseExceptionGroup):
            # A TaskGroup's failures: each with its own frames, messages withheld alike.
            for number, inner in enumerate(link.exceptions, 1):
                parts.append(f"\n\n+ {number}/{len(link.exceptions)} of the group:\n")
                parts.extend(_withheld(inner, seen))
    return parts


class _Formatter(logging.Formatter):
    """Exceptions without their messages unless `full_exceptions` (LOG_LEVEL=DEBUG)."""

    def __init__(self, *, full_exceptions: bool = False) -> None:
        super().__init__()
        self.full_exceptions = full_exceptions

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        """The traceback, messages withheld unless debugging."""
        return super().formatException(ei) if self.full_exceptions else withheld_traceback(ei)


class KeyValueFormatter(_Formatter):
    """`time level logger event key=value …` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        line = f"{line} {extra}" if extra else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(_Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", stream: Any = None) -> None:
    """Route all logs to stderr (or `stream`) in the chosen format.

    Exceptions are logged with their frames and types; their messages only at DEBUG.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    # Exception messages can quote personal data: only a person debugging sees them.
    full = logging.getLevelName(level) == logging.DEBUG
    formatter = JsonFormatter if fmt == "json" else KeyValueFormatter
    handler.setFormatter(formatter(full_exceptions=full))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # SQLAlchemy's and aiosqlite's debug output can carry parameters: keep them quiet.
    for noisy in ("sqlalchemy", "aiosqlite", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
