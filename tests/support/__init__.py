"""Helpers shared by the tests, so no test module imports another: people and a fake clock
(people), journeys through the chat, the outbox and announcements, the messengers in-process,
the bot as a process (processes) and its command line (commands), PostgreSQL, an import table."""

from tests.support.people import (
    START,
    FakeClock,
    Person,
    personal_rows,
    serving,
    table_rows,
    telegram_bridge,
)

__all__ = [
    "START",
    "FakeClock",
    "Person",
    "personal_rows",
    "serving",
    "table_rows",
    "telegram_bridge",
]
