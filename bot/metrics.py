"""Prometheus metrics (prometheus-client): what the bot handled and sent, and the outbox queue.

Counts and kinds only, never personal data. Each App has its own registry, so several apps in
one process (the tests) never mix their figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from storage.outbox import DROPPED, FAILED, QUEUED, SENDING, SENT

CONTENT_TYPE = CONTENT_TYPE_LATEST
OUTBOX_STATUSES = (QUEUED, SENDING, SENT, FAILED, DROPPED)
# From a cached step (a millisecond) to a slow database (seconds).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The bot's metrics; also the conversation core's Observer (handlers.ports.Observer)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "reintegrate_updates", "Updates handled, by messenger and outcome "
            "(ok, stale, duplicate, error)", ["platform", "outcome"], registry=r,
        )  # fmt: skip
        self.dropped = Counter(
            "reintegrate_updates_dropped", "Updates dropped unhandled, by messenger and reason "
            "(backlog: the person had too many waiting; shutdown: still queued at stop)",
            ["platform", "reason"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "reintegrate_update_seconds", "Time to handle one update (the answer, not sending it)",
            ["platform"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.sent = Counter(
            "reintegrate_messages_sent", "Messages the messenger accepted", ["platform"],
            registry=r,
        )  # fmt: skip
        self.failed = Counter(
            "reintegrate_messages_failed", "Messages the messenger refused or that could not "
            "be sent", ["platform"], registry=r,
        )  # fmt: skip
        self.rate_limited = Counter(
            "reintegrate_rate_limited", "Answers telling us to slow down (HTTP 429 and the like)",
            ["platform"], registry=r,
        )  # fmt: skip
        self.reminders = Counter(
            "reintegrate_reminders_sent", "Reminders delivered", ["platform"], registry=r
        )
        self.bookings = Counter(
            "reintegrate_bookings", "Bookings made in the chat (workshop, waitlist, legal)",
            ["kind"], registry=r,
        )  # fmt: skip
        self.outbox = Gauge(
            "reintegrate_outbox_messages", "Rows in the outbox, by status (finished ones are "
            "pruned after a while)", ["status"], registry=r,
        )  # fmt: skip

    # -- the Observer port ---------------------------------------------------------------
    def update_handled(self, platform: str, flow: str, outcome: str, seconds: float) -> None:
        """Count one handled update and its duration."""
        self.updates.labels(platform, outcome).inc()
        self.latency.labels(platform).observe(seconds)

    def update_dropped(self, platform: str, reason: str) -> None:
        """Count one update dropped before it was handled."""
        self.dropped.labels(platform, reason).inc()

    def booked(self, kind: str) -> None:
        """Count one booking made in the chat."""
        self.bookings.labels(kind).inc()

    def message(self, platform: str, outcome: str) -> None:
        """Count one message a messenger accepted (`sent`), refused, or throttled."""
        counter = {"sent": self.sent, "rate_limited": self.rate_limited}.get(outcome, self.failed)
        counter.labels(platform).inc()

    def reminder_sent(self, platform: str) -> None:
        """Count one reminder delivered."""
        self.reminders.labels(platform).inc()

    # -- exposition ----------------------------------------------------------------------
    async def render(self, outbox_counts: Callable[[], Awaitable[dict[str, int] | None]]) -> bytes:
        """The text a scrape gets; the outbox gauge is read first (None: keep the last)."""
        counts = await outbox_counts()
        if counts is not None:
            for status in {*OUTBOX_STATUSES, *counts}:
                self.outbox.labels(status).set(counts.get(status, 0))
        return generate_latest(self.registry)
