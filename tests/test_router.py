"""Routes carry their own types and guards: the router builds, parses and refuses early."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import pytest

from handlers.conversation import Conversation
from handlers.flows import ALL
from handlers.messages import Outgoing
from handlers.payloads import MAX_PAYLOAD_BYTES, CentreId, Codec, Compact, Max, PayloadError, Step
from handlers.router import Flow, Router, Stale, anyone
from handlers.texts import T
from tests.support import Person

_HELLO = T("common.cancelled", "Stopped. Here is the menu.")  # an existing text


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


def _flow(name: str = "tt") -> Flow:
    return Flow(name, guard=anyone)


def test_a_route_builds_its_payload_and_parses_it_back_typed():
    flow = _flow()

    @flow.on_button("s")
    async def show(
        ctx: Any, centre: CentreId, colour: Colour, day: date, page: int = 0, mode: str = ""
    ) -> Outgoing:
        raise AssertionError

    payload = show.link(CentreId(7), Colour.GREEN, date(2026, 12, 9))
    assert payload == "tt:s:7:green:2026-12-09"
    assert (
        show.link(CentreId(7), Colour.RED, date(2026, 12, 9), mode="x")
        == "tt:s:7:red:2026-12-09:0:x"
    )
    route, kwargs = Router([flow]).button(payload)  # type: ignore[misc]
    assert kwargs == {"centre": 7, "colour": Colour.GREEN, "day": date(2026, 12, 9)}
    assert route.name == "tt:s"


@pytest.mark.parametrize(
    "payload",
    [
        "tt:s",  # an argument missing
        "tt:s:seven:red:2026-12-09",  # not an id
        "tt:s:-1:red:2026-12-09",
        "tt:s:7:blue:2026-12-09",  # not one of the colours
        "tt:s:7:red:2026-13-09",  # not a date
        "tt:s:7:red:2026-12-09:1:x:extra",  # one too many
        "tt:s:7:red:2026-12-09:1:has space",
        "tt:x:7",  # no such action
        "zz:s:7",  # no such flow
    ],
)
def test_a_payload_that_does_not_fit_its_route_is_unknown(payload):
    flow = _flow()

    @flow.on_button("s")
    async def show(
        ctx: Any, centre: CentreId, colour: Colour, day: date, page: int = 0, mode: str = ""
    ) -> Outgoing:
        raise AssertionError

    assert Router([flow]).button(payload) is None


def test_a_compact_day_reads_as_older_payloads_wrote_it():
    flow = _flow()

    @flow.on_button("d")
    async def day(ctx: Any, when: Annotated[date, Compact()]) -> Outgoing:
        raise AssertionError

    assert day.link(date(2026, 12, 9)) == "tt:d:20261209"
    assert Router([flow]).button("tt:d:20261209") is not None
    assert Router([flow]).button("tt:d:20261232") is None
    assert Router([flow]).button("tt:d:2026-12-09") is None


def test_a_route_whose_payload_could_pass_64_bytes_is_refused_when_declared():
    flow = _flow()
    with pytest.raises(ValueError, match="over 64"):

        @flow.on_button("long")
        async def long(
            ctx: Any, a: Annotated[str, Max(40)], b: Annotated[str, Max(20)]
        ) -> Outgoing:
            raise AssertionError

    @flow.on_button("fits")
    async def fits(ctx: Any, a: Annotated[str, Max(40)], b: Literal["yes", "no"]) -> Outgoing:
        raise AssertionError

    longest = fits.link("x" * 40, "yes")
    assert len(longest.encode()) <= MAX_PAYLOAD_BYTES
    with pytest.raises(ValueError):
        fits.link("x" * 41, "yes")  # a value its route could not parse is never sent


def test_every_declared_route_fits_telegrams_64_bytes_and_has_a_guard():
    for flow in ALL:
        for route in flow.buttons.values():
            assert route.params is not None, route.name
            longest = len(route.name) + sum(1 + p.codec.longest for p in route.params)
            assert longest <= MAX_PAYLOAD_BYTES, route.name
        for table in (flow.buttons, flow.commands, flow.states):
            for route in table.values():
                assert callable(route.guard), route.name


@dataclass(frozen=True)
class Draft(Step):
    centre: CentreId
    colour: Colour
    day: date | None = None
    notes: tuple[str, ...] = ()


def test_a_step_round_trips_through_stored_data_and_refuses_what_does_not_fit():
    draft = Draft(CentreId(3), Colour.RED, date(2026, 12, 9), ("a",))
    assert draft.data() == {"centre": 3, "colour": "red", "day": "2026-12-09", "notes": ["a"]}
    assert Draft.from_data(draft.data()) == draft
    assert Draft.from_data({"centre": 3, "colour": "green"}) == Draft(3, Colour.GREEN)  # type: ignore[arg-type]
    for bad in (
        {"colour": "red"},
        {"centre": "3", "colour": "red"},
        {"centre": 3, "colour": "blue"},
    ):
        with pytest.raises(ValueError):
            Draft.from_data(bad)


async def test_the_guard_refuses_before_the_handler_runs_and_a_bad_step_is_stale(app):
    """A forged button to a guarded route, and a stored step that no longer fits, get the
    "older message" answer; the handler never runs and nothing is stored."""
    ran: list[Mapping[str, Any]] = []

    async def only_centre_7(ctx: Any, args: Mapping[str, Any]) -> None:
        if args.get("centre") != 7:
            raise Stale

    flow = Flow("tt", guard=only_centre_7)

    @flow.on_button("go")
    async def go(ctx: Any, centre: CentreId) -> Outgoing:
        ran.append({"centre": centre})
        ctx.set_state("tt.step", **Draft(centre, Colour.RED).data())
        return ctx.reply(_HELLO)

    @flow.on_state("tt.step")
    async def step(ctx: Any, draft: Draft) -> Outgoing:
        ran.append(draft.fields())
        return ctx.reply(_HELLO)

    conversation = Conversation(
        app.uow, app.clock, app.translator, default_locale="en", flows=(*ALL, flow)
    )
    p = Person(conversation, "guarded")
    await p.send("/start")
    await p.press("English")
    await p.press("I agree")
    await p.press_payload("tt:go:8")
    assert p.keys == ["common.expired"] and ran == []
    await p.press_payload("tt:go:7")
    assert ran == [{"centre": 7}]
    await p.send("anything")
    assert ran[-1] == {"centre": 7, "colour": Colour.RED, "day": None, "notes": ()}
    async with app.uow() as uow:  # an older version of the step, without its centre
        user = await uow.users.by_identity("telegram", "guarded")
        assert user is not None
        state = await uow.states.get(user.id)
        await uow.states.save(user.id, type(state)("tt.step", {"colour": "red"}), app.clock.now())
        await uow.commit()
    await p.send("anything")
    assert p.keys == ["common.expired"] and len(ran) == 2


def _colour_or_all(text: str) -> Colour | None:
    if text != "all" and text not in set(Colour):
        raise PayloadError(text)
    return None if text == "all" else Colour(text)


COLOUR_OR_ALL = Codec(lambda c: c.value if c else "all", _colour_or_all, 5)


@dataclass(frozen=True)
class Titled(Step):
    titles: dict[str, str]


def test_a_step_keeps_a_mapping_as_stored_and_a_route_may_bring_its_own_codec():
    assert Titled.from_data({"titles": {"en": "Chess"}}).data() == {"titles": {"en": "Chess"}}
    for bad in ({"titles": ["en"]}, {"titles": {"en": 3}}):
        with pytest.raises(ValueError):
            Titled.from_data(bad)
    flow = _flow()

    @flow.on_button("k")
    async def kind(ctx: Any, colour: Annotated[Colour | None, COLOUR_OR_ALL]) -> Outgoing:
        raise AssertionError

    assert kind.link(None) == "tt:k:all" and kind.link(Colour.RED) == "tt:k:red"
    assert Router([flow]).button("tt:k:all")[1] == {"colour": None}  # type: ignore[index]
    assert Router([flow]).button("tt:k:blue") is None
