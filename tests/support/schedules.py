"""A workshop schedule to import (its header and a good table), and what is stored of one."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import SessionRow, WorkshopRow

HEADER = "centre,kind,audience,language,title_sr,title_en,date,time,minutes,capacity,"
HEADER += "repeat_weekly_until"
# Summer time ends on Sunday 31 October 2027: 16:00 in Belgrade is 14:00 UTC before, 15:00 after.
GOOD = f"""{HEADER}
novi-pazar,school,children,sr,Podrška u učenju,School support,2027-10-19,16:00,90,15,2027-11-02
tutin,sport,youth,bs,"Fudbal, za mlade",,2027-07-03,10:00,120,22,
"""


async def stored_counts(app) -> tuple[int, int]:
    """How many workshops and sessions are stored."""
    async with app.engine.connect() as conn:
        workshops = (await conn.execute(select(func.count()).select_from(WorkshopRow))).scalar()
        sessions = (await conn.execute(select(func.count()).select_from(SessionRow))).scalar()
    return workshops, sessions
