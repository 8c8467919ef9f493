"""Helpers shared by the tests: people and a fake clock, the outbox, PostgreSQL, processes."""

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
