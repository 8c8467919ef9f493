"""500 random inputs at every onboarding step: each gets an answer, none raises, none loses data."""

from __future__ import annotations

import logging
import random

import pytest

from handlers.messages import Incoming
from tests.support.journeys import STEPS, WEIRD, walk_to

SEED = 20261122
PAYLOADS = [
    "start:lang",
    "start:lang:xx",
    "start:agree",
    "start:agree:en:atlantis",
    "ob:status",
    "ob:centre:",
    "set:del:yes",
    "set:del:yes:" + "f" * 40,
    "cen:show::",
    "menu:soon:" + "ž" * 20,
    "a" * 64,
    ":::::",
]


def random_input(rng: random.Random, user: str, stale: list[str]) -> Incoming:
    roll = rng.random()
    if roll < 0.3:
        return Incoming.message("telegram", user, rng.choice(WEIRD))
    if roll < 0.5:
        alphabet = "abcčćdđšžABC 0123456789!?.,:/{}🙂ا"
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
        return Incoming.message("telegram", user, text)
    if roll < 0.7:
        return Incoming.button("telegram", user, rng.choice(PAYLOADS))
    if roll < 0.9 and stale:
        return Incoming.button("telegram", user, rng.choice(stale))
    return Incoming.button(
        "telegram", user, "".join(rng.choice("abc:12-") for _ in range(rng.randint(1, 64)))
    )


# What typed text gets at each step: the step's question again, or its natural fallback.
TYPED_TEXT_ANSWER = {
    "new": "start.language",
    "language": "start.language",
    "notice": "start.language",
    "status": "common.again",
    "centre": "common.again",
    "menu": "common.not_understood",
    "settings": "common.again",
    "delete": "common.again",
}
TYPED = [w for w in WEIRD if w and not w.startswith("/")]
WALK_EVERY = 10  # a fresh person at the step every few inputs, so inputs really land there


@pytest.mark.parametrize("step", STEPS)
async def test_500_random_inputs_at_each_step(app, person, step, caplog):
    caplog.set_level(logging.ERROR)
    rng = random.Random(f"{SEED}-{step}")
    walker = None
    for n in range(500):
        if n % WALK_EVERY == 0:
            walker = await walk_to(person, step)
            stale = [
                b.payload for replies in walker.history for out in replies for b in out.buttons
            ]
            typed = Incoming.message("telegram", walker.user_id, rng.choice(TYPED))
            replies = await app.conversation.handle(typed)
            assert replies[0].key == TYPED_TEXT_ANSWER[step], (n, typed.text[:30])
            if replies[0].key == "common.again":
                assert [b.label for b in replies[0].buttons] == walker.labels, "the same buttons"
        incoming = random_input(rng, walker.user_id, stale)
        replies = await app.conversation.handle(incoming)
        assert replies, f"input {n} ({incoming.kind}: {incoming.text[:40]!r}) got no answer"
        assert all(r.text.strip() for r in replies), f"input {n} got an empty message"
        assert all(len(r.text) < 4096 for r in replies)
    assert "update failed" not in caplog.text, "an exception escaped into the error path"
