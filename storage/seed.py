"""Demo data: the programme's five community centres. Seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import CentreRow

WEEKDAYS_9_TO_5 = [[d, "09:00", "17:00"] for d in range(5)]

# Addresses and phone numbers are placeholders for trying the bot, not the centres' real ones.
DEMO_CENTRES: list[dict[str, Any]] = [
    {
        "slug": "novi-pazar",
        "name": "Novi Pazar",
        "address": "Stefana Nemanje 12, 36300 Novi Pazar",
        "latitude": 43.1367,
        "longitude": 20.5122,
        "phone": "+381 20 000 101",
        "opening_hours": [*WEEKDAYS_9_TO_5, [5, "10:00", "14:00"]],
    },
    {
        "slug": "tutin",
        "name": "Tutin",
        "address": "Džemaludina Latića 4, 36320 Tutin",
        "latitude": 42.9903,
        "longitude": 20.3369,
        "phone": "+381 20 000 102",
        "opening_hours": WEEKDAYS_9_TO_5,
    },
    {
        "slug": "sjenica",
        "name": "Sjenica",
        "address": "Kralja Petra I 7, 36310 Sjenica",
        "latitude": 43.2731,
        "longitude": 19.9997,
        "phone": "+381 20 000 103",
        "opening_hours": [[d, "08:00", "16:00"] for d in range(5)],
    },
    {
        "slug": "pirot",
        "name": "Pirot",
        "address": "Srpskih vladara 21, 18300 Pirot",
        "latitude": 43.1531,
        "longitude": 22.5861,
        "phone": "+381 10 000 104",
        "opening_hours": WEEKDAYS_9_TO_5,
    },
    {
        "slug": "krusevac",
        "name": "Kruševac",
        "address": "Vidovdanska 30, 37000 Kruševac",
        "latitude": 43.5800,
        "longitude": 21.3339,
        "phone": "+381 37 000 105",
        "opening_hours": [*WEEKDAYS_9_TO_5, [5, "09:00", "13:00"]],
    },
]


async def seed_demo(engine: AsyncEngine) -> int:
    """Insert or refresh the demo centres; returns how many rows changed."""
    changed = 0
    async with session_factory(engine)() as session, session.begin():
        existing = {r.slug: r for r in (await session.execute(select(CentreRow))).scalars()}
        for data in DEMO_CENTRES:
            row = existing.get(data["slug"])
            if row is None:
                session.add(CentreRow(**data))
                changed += 1
                continue
            for key, value in data.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
                    changed += 1
    return changed
