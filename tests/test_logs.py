"""Logs: one structured line per update; a failure's traceback never quotes personal data."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.logs import setup_logging, withheld_traceback
from handlers.context import Context
from handlers.conversation import Conversation
from handlers.flows import ALL
from handlers.messages import Incoming
from handlers.router import Flow, anyone

NAME, PHONE = "Milica Jovanović", "064 765 4321"

boom = Flow("boom", guard=anyone)


@boom.on_command("boom")
async def fail_with_personal_data(ctx: Context) -> None:
    """A fault whose messages quote a name and a phone number, as database errors do."""
    try:
        # PostgreSQL: invalid input syntax for type integer: "064 765 4321".
        await ctx.uow._session.execute(  # type: ignore[attr-defined]
            text("SELECT CAST(:v AS integer)"), {"v": PHONE}
        )
        raise KeyError(PHONE)  # SQLite casts quietly: a KeyError quoting its key instead
    except Exception as exc:
        raise ValueError(f"no volunteer {NAME}") from exc


started: dict[str, asyncio.Event] = {}  # made by each test: an Event belongs to one loop


@boom.on_command("hang")
async def hang(ctx: Context) -> None:
    """A step still running when the process stops."""
    started["hang"].set()
    await asyncio.Event().wait()


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    logging.getLogger().handlers.clear()


def conversation(app) -> Conversation:
    return Conversation(
        app.uow, app.clock, app.translator, flows=[*ALL, boom], observer=app.metrics
    )


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_a_failure_is_logged_with_its_frames_but_no_personal_data(app, logged, fmt):
    setup_logging("INFO", fmt, stream=logged)
    replies = await conversation(app).handle(Incoming.message("telegram", "ana", "/boom"))
    assert replies[0].key == "common.error", "the person gets a kind sorry"
    output = logged.getvalue()
    assert "update failed" in output and "update handled" in output
    assert "ValueError (message withheld)" in output
    assert "fail_with_personal_data" in output, "the frames say where it broke"
    assert "which led to" in output, "the chained cause is there too"
    for secret in (PHONE, "Milica", "Jovanović", "765"):
        assert secret not in output, f"{secret!r} reached the log"
    if fmt == "json":
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        (failed,) = [line for line in lines if line["event"] == "update failed"]
        assert failed["level"] == "ERROR" and "exception" in failed
        (handled,) = [line for line in lines if line["event"] == "update handled"]
        assert handled["outcome"] == "error" and handled["flow"] == "boom"


async def test_debugging_shows_the_messages(app, logged):
    setup_logging("DEBUG", "text", stream=logged)
    await conversation(app).handle(Incoming.message("telegram", "ana", "/boom"))
    output = logged.getvalue()
    assert f"no volunteer {NAME}" in output, "LOG_LEVEL=DEBUG is for finding faults"
    assert PHONE in output, "the cause's message too"


async def test_an_update_cut_short_at_shutdown_is_counted_as_cancelled_not_ok(app, logged):
    setup_logging("INFO", "json", stream=logged)
    started["hang"] = asyncio.Event()
    task = asyncio.create_task(
        conversation(app).handle(Incoming.message("telegram", "ana", "/hang"))
    )
    await started["hang"].wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    assert [line["outcome"] for line in lines if line["event"] == "update handled"] == ["cancelled"]
    assert app.metrics.updates.labels("telegram", "cancelled")._value.get() == 1
    assert app.metrics.updates.labels("telegram", "ok")._value.get() == 0


class Picky(Exception):
    """An exception that will not be compared: the formatter must not try."""

    def __eq__(self, other: object) -> bool:
        raise AssertionError("compared")

    __hash__ = Exception.__hash__


def test_a_group_of_failures_and_a_loop_of_causes_are_withheld_alike():
    first, second = KeyError(PHONE), Picky(NAME)
    first.__context__, second.__context__ = second, first  # a loop: it must end
    try:
        raise ExceptionGroup("tasks failed", [first, ValueError(f"no user {NAME}")])
    except ExceptionGroup as group:
        shown = withheld_traceback((type(group), group, group.__traceback__))

    assert "builtins.ExceptionGroup (message withheld)" in shown
    assert "builtins.KeyError (message withheld)" in shown
    assert "builtins.ValueError (message withheld)" in shown
    assert "Picky (message withheld)" in shown
    assert NAME not in shown and PHONE not in shown
    assert withheld_traceback((None, None, None)) == ""
