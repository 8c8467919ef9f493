"""Files Viber fetches from us: `GET /files/<token>` on the bot's own HTTP server.

Viber's file and picture messages carry a URL, not the bytes. The bytes are kept in the
`files` table (any process behind the public address can serve them) for FILE_TTL, and the
URL's token is `<id>.<expiry>.<signature>`: an HMAC with a key derived from the auth token, so
nobody can guess other people's files or stretch the expiry. Expired rows are deleted as new
files are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aiohttp import web

from handlers.messages import Document
from handlers.ports import Clock
from storage.uow import SqlUnitOfWorkFactory

FILES_PATH = "/files/{token}"
FILE_TTL = timedelta(hours=24)
_TOKEN = re.compile(r"^(\d{1,18})\.(\d{1,12})\.([0-9a-f]{32})$")
_REMEMBERED = 256  # documents whose URL `url` can still give (just stored, about to be sent)


class FileLinks:
    """Store documents, sign their URLs, serve them."""

    def __init__(
        self,
        uow: SqlUnitOfWorkFactory,
        clock: Clock,
        auth_token: str,
        base_url: str,
        ttl: timedelta = FILE_TTL,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        # Its own key, so a file URL never reveals anything about the auth token itself.
        self._key = hmac.new(auth_token.encode(), b"reintegrate files v1", hashlib.sha256).digest()
        self._urls: OrderedDict[Document, str] = OrderedDict()

    async def store(self, document: Document) -> str:
        """Keep the document for a while; its signed URL."""
        now = self.clock.now()
        expires = now + self.ttl
        async with self.uow() as uow:
            file_id = await uow.files.put(document, now=now, expires_at=expires)
            await uow.commit()
        url = f"{self.base_url}/files/{self.token(file_id, expires)}"
        self._urls[document] = url
        self._urls.move_to_end(document)
        while len(self._urls) > _REMEMBERED:
            self._urls.popitem(last=False)
        return url

    def url(self, document: Document) -> str:
        """The URL `store` gave for this document (the renderer's `file_url`)."""
        return self._urls[document]

    def token(self, file_id: int, expires: datetime) -> str:
        """`<id>.<expiry as Unix seconds>.<signature>`."""
        body = f"{file_id}.{int(expires.timestamp())}"
        return f"{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    async def handle(self, request: web.Request) -> web.Response:
        """GET /files/<token>: 404 if malformed or gone, 403 if forged or expired."""
        match = _TOKEN.match(request.match_info["token"])
        if match is None:
            raise web.HTTPNotFound()
        file_id, expiry, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(f"{file_id}.{expiry}")):
            raise web.HTTPForbidden()
        now = self.clock.now()
        if datetime.fromtimestamp(int(expiry), UTC) <= now:
            raise web.HTTPForbidden()
        async with self.uow() as uow:
            document = await uow.files.get(int(file_id), now)
        if document is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=document.content,
            content_type=document.mime_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
                "Cache-Control": "private, max-age=3600",
            },
        )
