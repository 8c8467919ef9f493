"""Files a platform fetches from us by URL (Viber's file messages), kept until they expire.

In the database rather than in memory, so any process behind the public address can serve a
file another one stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Document
from storage.models import FileRow


class SqlFiles:
    """Store a document for a while; read it back by id."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def put(self, document: Document, *, now: datetime, expires_at: datetime) -> int:
        """Keep `document` until `expires_at`; expired files are forgotten on the way."""
        await self._s.execute(delete(FileRow).where(FileRow.expires_at < now))
        row = FileRow(
            filename=document.filename,
            mime_type=document.mime_type,
            content=document.content,
            created_at=now,
            expires_at=expires_at,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def get(self, file_id: int, now: datetime) -> Document | None:
        """The document, unless it is unknown or expired."""
        row = await self._s.get(FileRow, file_id)
        if row is None or row.expires_at <= now:
            return None
        return Document(row.filename, row.content, row.mime_type)
