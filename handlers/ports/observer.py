"""Where the core reports what it did, for metrics."""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    """Where the core reports what it did, for metrics: counts and kinds, never personal data."""

    def update_handled(self, platform: str, flow: str, outcome: str, seconds: float) -> None: ...

    def booked(self, kind: str) -> None: ...


class NoObserver:
    """An Observer that forgets everything (the default)."""

    def update_handled(self, platform: str, flow: str, outcome: str, seconds: float) -> None:
        """Forget it."""

    def booked(self, kind: str) -> None:
        """Forget it."""
