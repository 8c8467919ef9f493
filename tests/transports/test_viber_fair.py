"""One person's flood on Viber never slows the others: per-person queues, a cap, status 12."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
FLOODER, OTHER = "FlooderViberId000000001==", "OtherViberId00000000001=="
SLOW_DOWN = "faster than I can answer"


@pytest.fixture
def fair(app):
    """Small limits, set before the `viber` fixture builds the transport."""
    app.settings.max_pending_per_chat = 5
    app.settings.viber_concurrency = 2


def to(fake, user: str) -> list[str]:
    """Texts of the messages Viber accepted for `user`, in order."""
    return [m.get("text", "") for m in fake.delivered if m["receiver"] == user]


async def test_a_flood_with_the_per_person_limit_does_not_hold_up_anyone_else(app, fair, viber):
    vb = viber
    vb.fake.chat_rate_limit = 1  # above one message a second to one person: status 12
    flood = [vb.message(FLOODER, f"hello {n}") for n in range(100)]
    statuses = await asyncio.gather(*(vb.post(body) for body in flood))
    assert {r.status for r in statuses} == {200}, "dropped or queued, Viber is not asked again"
    r = await vb.post(vb.message(OTHER, "/menu"))
    assert r.status == 200
    assert to(vb.fake, OTHER), "answered before the 200, while the flood's backlog waits"
    lost = app.metrics.registry.get_sample_value(
        "reintegrate_updates_dropped_total", {"platform": "viber", "reason": "backlog"}
    )
    assert lost is not None and 0 < lost < 100
    kept = 100 - lost
    await vb.fake.wait_for(lambda f: len([t for t in to(f, FLOODER) if SLOW_DOWN not in t]) == kept)
    flooder = to(vb.fake, FLOODER)
    assert len([t for t in flooder if SLOW_DOWN in t]) == 1, "one slow-down for the burst"
    assert vb.fake.rejected > 0, "the flooder did meet Viber's per-person limit"
    receivers = [m["receiver"] for m in vb.fake.delivered]
    last_flooder = len(receivers) - 1 - receivers[::-1].index(FLOODER)
    assert receivers.index(OTHER) < last_flooder
