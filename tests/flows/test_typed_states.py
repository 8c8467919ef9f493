"""Random input wherever the new journeys expect typed text: a kind answer, never an error."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import date, time

import pytest

from handlers.flows.workshop_drafts import Draft, Planned, WithTime
from handlers.messages import Incoming
from handlers.model import Audience, WorkshopKind
from handlers.payloads import CentreId
from tests.support.journeys import WEIRD, browse, coordinator, joined, open_session, programme

INPUTS = 40  # per step and database; a fresh walk to the step every 8
NAMESPACES = ["ws:", "cw:", "cw:n:", "lg:", "lg:bk:docs:1:", "adv:", "cad:", "cad:h:1:", "rem:"]


async def child_name(app, person, n):
    p = await joined(person, f"mum{n}")
    await browse(p, "Homework club")
    await p.press("Sign up my child")
    return p


async def child_age(app, person, n):
    p = await child_name(app, person, n)
    await p.send("Ana")
    return p


async def new_title(app, person, n):
    co = await coordinator(app, person, f"co{n}")
    await co.press("Coordinate workshops")
    await co.press("New workshop")
    return co


async def new_date(app, person, n):
    co = await new_title(app, person, n)
    await co.send("Chess")
    await co.press("Next")
    await co.press("Sport")
    await co.press("adults")
    await co.press("Pirot")
    return co


async def new_places(app, person, n):
    co = await new_date(app, person, n)
    await co.send("24.12.2026")
    await co.send("17:00")
    await co.press("60 min")
    return co


async def capacity(app, person, n):
    co = await coordinator(app, person, f"cc{n}")
    await open_session(co, "Homework club")
    await co.press("Change places")
    return co


async def move(app, person, n):
    co = await coordinator(app, person, f"cm{n}")
    await open_session(co, "Homework club")
    await co.press("Change time")
    return co


async def phone(app, person, n):
    p = await joined(person, f"ph{n}")
    await p.send("/menu")
    await p.press("Legal advice")
    await p.press("Housing and property")
    await p.press("Call me back instead")
    await p.press("Yes, call me")
    return p


async def adviser_hours(app, person, n):
    co = await coordinator(app, person, f"ca{n}")
    await co.press("Coordinate workshops")
    await co.press("Legal advisers")
    await co.press("Marko")
    await co.press("Add hours")
    await co.press("Pirot")
    await co.press("Friday")
    return co


STEPS: dict[str, Callable[..., Awaitable[object]]] = {
    "ws.child_name": child_name,
    "ws.child_age": child_age,
    "cw.title": new_title,
    "cw.date": new_date,
    "cw.places": new_places,
    "cw.capacity": capacity,
    "cw.move": move,
    "lg.phone": phone,
    "cad.hours": adviser_hours,
}


@pytest.mark.parametrize("step", list(STEPS))
async def test_random_input_at_each_typed_step(app, person, step, caplog):
    caplog.set_level(logging.ERROR)
    await programme(app, audience=Audience.CHILDREN, title="Homework club")
    rng = random.Random(f"typed-{step}")
    walker = None
    for n in range(INPUTS):
        if n % 8 == 0:
            walker = await STEPS[step](app, person, n)
        roll = rng.random()
        if roll < 0.4:
            incoming = Incoming.message("telegram", walker.user_id, rng.choice(WEIRD))
        elif roll < 0.7:
            alphabet = "abcčćdđšž 0123456789-:.+/()🙂"
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            incoming = Incoming.message("telegram", walker.user_id, text)
        else:
            tail = "".join(rng.choice("abc0123456789:²-") for _ in range(rng.randint(0, 30)))
            payload = (rng.choice(NAMESPACES) + tail)[:64]
            incoming = Incoming.button("telegram", walker.user_id, payload)
        replies = await app.conversation.handle(incoming)
        assert replies, f"{step} input {n} got no answer"
        assert all(r.key != "common.error" for r in replies), (step, n, incoming.text[:40])
        assert all(r.text.strip() for r in replies)
    assert "update failed" not in caplog.text, "an exception escaped into the error path"


def test_a_workshop_draft_is_stored_with_the_keys_older_states_carry():
    """Each step's dataclass writes what the steps stored before they were typed."""
    planned = (
        Draft("sr_Cyrl", {}).with_title("Šah").of_kind(WorkshopKind.SPORT)
        .for_audience(Audience.ADULTS).at(CentreId(2)).on(date(2026, 11, 25)).at_time(time(17, 30))
        .lasting(90).with_places(8).until_day(date(2026, 12, 9))
    )  # fmt: skip
    stored = {
        "lang": "sr_Cyrl", "titles": {"sr": "Šah"}, "kind": "sport", "audience": "adults",
        "centre": 2, "date": "2026-11-25", "time": "17:30", "minutes": 90, "capacity": 8,
        "until": "2026-12-09",
    }  # fmt: skip
    assert planned.data() == stored and Planned.from_data(stored) == planned
    with pytest.raises(ValueError):
        WithTime.from_data({**stored, "time": "half past five"})
