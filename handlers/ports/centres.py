"""The community centres."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from handlers.model import Centre


class CentreRepository(Protocol):
    """The community centres, public information."""

    async def all(self) -> Sequence[Centre]: ...

    async def by_slug(self, slug: str) -> Centre | None: ...

    async def get(self, centre_id: int) -> Centre | None: ...
