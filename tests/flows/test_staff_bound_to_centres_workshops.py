"""Staff bound to centres, workshops and legal advice: every coordinator and adviser route.

Each route is called with the ids of another centre's session, booking, adviser, hours,
appointment or call-back (pressed or typed as a raw payload, as anyone can on Viber, or typed in a
step whose stored draft names that centre). A coordinator or adviser bound to Pirot only is
refused (or is shown nothing of Novi Pazar), nothing changes and nothing is queued; changing
their own Settings centre to Novi Pazar does not help. The same person succeeds at Pirot, and
programme-wide staff and admins succeed at Novi Pazar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from handlers.flows import advise, advisers, coordinate
from handlers.model import Audience, ConversationState, Role, Topic, WorkshopKind
from storage.db import session_factory
from storage.models import AppointmentRow, CallbackRow
from tests.support import table_rows
from tests.support.journeys import coordinator, joined
from tests.support.outbox import Recorder, tick, user_id, worker

A, B = "pirot", "novi-pazar"
BELGRADE = ZoneInfo("Europe/Belgrade")
EXPIRED = ["common.expired"]
ADVISER = "Vera"  # an adviser of the test's own, with hours at one centre at a time


@dataclass
class World:
    """Fresh things at one centre for one call: a session with a booking, an adviser's week."""

    centre: int
    session: int = 0
    booking: int = 0
    adviser: int = 0
    hours: int = 0
    past: int = 0  # an appointment today that has begun (attendance can be taken)
    callback: int = 0


@dataclass
class Case:
    """One call of a route: the step it is made in, and what it sends."""

    route: str
    act: Callable[[World], tuple[str, str]]  # ("press", payload) or ("send", text)
    state: Callable[[World], tuple[str, dict[str, Any]]] | None = None
    hides: Callable[[World], str] | None = None  # a listing: this payload stays out of it
    shown_when_allowed: bool = True  # a listing that then does show it
    # Steps before any centre is chosen: refused to staff bound to no centre at all.
    before_centre: bool = False
    refused: list[str] = field(default_factory=lambda: list(EXPIRED))


def press(payload: Callable[[World], str]) -> Callable[[World], tuple[str, str]]:
    return lambda w: ("press", payload(w))


def send(text: str) -> Callable[[World], tuple[str, str]]:
    return lambda w: ("send", text)


def draft(name: str) -> Callable[[World], tuple[str, dict[str, Any]]]:
    """A workshop draft at the world's centre, stored at step `name`."""
    return lambda w: (name, {
        "lang": "en", "titles": {"en": "Chess club"}, "kind": "sport", "audience": "adults",
        "centre": w.centre, "date": "2026-11-25", "time": "17:30", "minutes": 90,
        "capacity": 8, "until": "2026-11-25",
    })  # fmt: skip


TITLES = ("cw.titles", {"lang": "en", "titles": {"en": "Chess club"}})
KIND = ("cw.audience", {**TITLES[1], "kind": "sport"})  # the centre is asked for next

COORDINATE = [
    Case("cw:home", press(lambda w: "cw:home"), hides=lambda w: f"cw:l:{w.centre}:0",
         shown_when_allowed=False),
    Case("cw:c", press(lambda w: "cw:c"), hides=lambda w: f"cw:l:{w.centre}:0"),
    Case("cw:l", press(lambda w: f"cw:l:{w.centre}:0")),
    Case("cw:s", press(lambda w: f"cw:s:{w.session}")),
    Case("cw:p", press(lambda w: f"cw:p:{w.session}")),
    Case("cw:a", press(lambda w: f"cw:a:{w.booking}:1")),
    Case("cw:cap", press(lambda w: f"cw:cap:{w.session}")),
    Case("cw:mv", press(lambda w: f"cw:mv:{w.session}")),
    Case("cw:x", press(lambda w: f"cw:x:{w.session}")),
    Case("cw:xx", press(lambda w: f"cw:xx:{w.session}")),
    Case("state:cw.capacity", send("3"), state=lambda w: ("cw.capacity", {"session": w.session})),
    Case("state:cw.move", send("26.11. 18:00"),
         state=lambda w: ("cw.move", {"session": w.session})),
    Case("cw:new", press(lambda w: "cw:new"), before_centre=True),
    Case("state:cw.title", send("Chess club"), state=lambda w: ("cw.title", dict(TITLES[1])),
         before_centre=True),
    Case("cw:tl", press(lambda w: "cw:tl:de"), state=lambda w: TITLES, before_centre=True),
    Case("cw:n", press(lambda w: "cw:n:kind"), state=lambda w: TITLES, before_centre=True),
    Case("cw:n", press(lambda w: "cw:n:aud:adults"), state=lambda w: KIND,
         hides=lambda w: f"cw:n:centre:{w.centre}"),
    Case("cw:n", press(lambda w: f"cw:n:centre:{w.centre}"), state=draft("cw.centre")),
    Case("state:cw.date", send("25.11.2026"), state=draft("cw.date")),
    Case("state:cw.time", send("17:30"), state=draft("cw.time")),
    Case("cw:n", press(lambda w: "cw:n:min:90"), state=draft("cw.minutes")),
    Case("state:cw.places", send("8"), state=draft("cw.places")),
    Case("state:cw.repeat", send("9.12.2026"), state=draft("cw.repeat")),
    Case("cw:n", press(lambda w: "cw:n:once"), state=draft("cw.repeat")),
    Case("cw:n", press(lambda w: "cw:n:publish"), state=draft("cw.preview")),
]  # fmt: skip

ADVISERS = [
    Case("cad:home", press(lambda w: "cad:home"), hides=lambda w: f"cad:a:{w.adviser}"),
    Case("cad:a", press(lambda w: f"cad:a:{w.adviser}")),
    Case("cad:rm", press(lambda w: f"cad:rm:{w.adviser}:{w.hours}")),
    Case("cad:sl", press(lambda w: f"cad:sl:{w.adviser}:60")),
    Case("cad:h", press(lambda w: f"cad:h:{w.adviser}")),
    Case("cad:h", press(lambda w: f"cad:h:{w.adviser}:{w.centre}:2")),
    Case("cad:off", press(lambda w: f"cad:off:{w.adviser}")),
    Case("state:cad.hours", send("21:00-22:00"),
         state=lambda w: ("cad.hours", {"adviser": w.adviser, "centre": w.centre, "weekday": 2})),
    Case("state:cad.off", send("24.11.2026"), state=lambda w: ("cad.off", {"adviser": w.adviser})),
]  # fmt: skip

ADVISE = [
    Case("adv:home", press(lambda w: "adv:home"), before_centre=True, refused=["adv.unbound"]),
    Case("adv:d", press(lambda w: "adv:d:0"), hides=lambda w: f"adv:a:{w.past}:1:0"),
    Case("adv:a", press(lambda w: f"adv:a:{w.past}:1:0")),
    Case("adv:cb", press(lambda w: "adv:cb"), hides=lambda w: f"adv:cbd:{w.callback}"),
    Case("adv:cbd", press(lambda w: f"adv:cbd:{w.callback}")),
    Case("adv:ill", press(lambda w: "adv:ill")),
    Case("adv:ill", press(lambda w: "adv:ill:yes")),
]  # fmt: skip


def test_the_table_covers_every_coordinator_and_adviser_route():
    """A route added to these flows without a line in the table fails here."""
    declared = {
        route.name
        for flow in (coordinate.flow, advisers.flow, advise.flow)
        for table in (flow.buttons, flow.states, flow.commands)
        for route in table.values()
    }
    covered = {case.route for case in COORDINATE + ADVISERS + ADVISE}
    assert covered == declared


# -- the people and the things -----------------------------------------------------------------
class Table:
    """One database: the beneficiary who books, the staff member tried, worlds made on demand."""

    def __init__(self, app: Any, person: Any) -> None:
        self.app, self.person = app, person
        self.made = 0

    async def setup(self) -> None:
        self.ana = await user_id(self.app, await joined(self.person, "ana"))
        self.staff_person = await joined(self.person, "staff")
        self.staff = await user_id(self.app, self.staff_person)
        async with self.app.uow() as uow:
            self.ids = {s: (await uow.centres.by_slug(s)).id for s in (A, B)}
            self.adviser = await uow.legal.replace_hours(ADVISER, 30, [], [])
            await uow.commit()

    async def world(self, slug: str) -> World:
        """A session with a booking, the adviser's hours, two appointments and a call-back."""
        self.made += 1
        k, now = self.made, self.app.clock.now()
        w = World(self.ids[slug])
        async with session_factory(self.app.engine)() as s, s.begin():
            # Earlier calls' appointments and requests go, so each call sees only its own.
            await s.execute(update(AppointmentRow).values(status="cancelled"))
            await s.execute(update(CallbackRow).values(status="done", phone=None))
        async with self.app.uow() as uow:
            (w.session,) = await uow.workshops.create(
                centre_id=w.centre, titles={"en": f"Table {k}"}, kind=WorkshopKind.SPORT,
                audience=Audience.ADULTS, language="en",
                starts=[datetime(2026, 11, 24, 16, 0, tzinfo=BELGRADE)], minutes=60,
                capacity=5, now=now,
            )  # fmt: skip
            w.booking = (await uow.workshops.book(w.session, self.ana, now)).id
            every_day = [(w.centre, d, "08:00", "20:00") for d in range(7)]
            w.adviser = await uow.legal.replace_hours(ADVISER, 30, every_day, [])
            (vera,) = [a for a in await uow.legal.advisers() if a.id == w.adviser]
            w.hours = vera.hours[0].id
            for starts in (now - timedelta(minutes=5 * k), now + timedelta(hours=1, minutes=5 * k),
                           now + timedelta(days=1, minutes=5 * k)):  # fmt: skip
                found = await uow.legal.book(
                    adviser_id=w.adviser, user_id=self.ana, centre_id=w.centre,
                    topic=Topic.DOCUMENTS, starts_at=starts, ends_at=starts + timedelta(minutes=5),
                    now=now,
                )  # fmt: skip
                assert found is not None
                w.past = w.past or found.id
            w.callback = await uow.callbacks.request(
                user_id=self.ana, centre_id=w.centre, topic=Topic.DOCUMENTS,
                phone="+381 64 123 4567", now=now,
            )  # fmt: skip
            await uow.commit()
        return w

    async def staff_as(
        self, role: Role, *, centres: tuple[str, ...] = (), everywhere: bool = False,
        settings_centre: str = A, adviser: bool = False,
    ) -> None:  # fmt: skip
        """The staff member holds only this (and, for the adviser flow, is the adviser Vera)."""
        async with self.app.uow() as uow:
            for held in (Role.COORDINATOR, Role.ADVISER, Role.ADMIN):
                await uow.users.revoke(self.staff, held)
            ids = [self.ids[s] for s in centres]
            if role is Role.ADMIN and adviser:
                await uow.users.grant(self.staff, Role.ADVISER, self.app.clock.now(), centres=ids)
                ids = []
            await uow.users.grant(
                self.staff, role, self.app.clock.now(), centres=ids, all_centres=everywhere
            )
            if adviser:
                await uow.legal.link_adviser(self.staff, ADVISER)
            await uow.users.update(self.staff, centre_id=self.ids[settings_centre])
            await uow.commit()

    async def call(self, case: Case, w: World) -> tuple[list[str], str]:
        """Put the staff member in the case's step and make the call: the keys, and all it said."""
        async with self.app.uow() as uow:
            name, data = case.state(w) if case.state else ("", {})
            await uow.states.save(self.staff, ConversationState(name, data), self.app.clock.now())
            await uow.commit()
        how, what = case.act(w)
        p = self.staff_person
        await (p.press_payload(what) if how == "press" else p.send(what))
        said = " ".join(
            [o.text for o in p.replies]
            + [f"{b.label} {b.payload}" for o in p.replies for b in o.buttons]
        )
        return p.keys, said


async def _lasting(app: Any) -> dict[str, list[tuple[object, ...]]]:
    """Every row but the conversation step (a refusal ends the step, as any stale button does)."""
    return {t: r for t, r in (await table_rows(app.engine)).items() if t != "conversation_states"}


async def _refused(t: Table, case: Case, label: str) -> None:
    w = await t.world(B)
    before = await _lasting(t.app)
    keys, said = await t.call(case, w)
    where = f"{case.route} {case.act(w)} ({label})"
    if case.hides is not None:
        assert keys != EXPIRED and case.hides(w) not in said, where
    else:
        assert keys == case.refused, where
    after = await _lasting(t.app)
    assert after["outbox"] == before["outbox"], f"{where}: something was queued"
    assert after == before, f"{where}: something changed"


async def _allowed(t: Table, case: Case, slug: str, label: str) -> None:
    w = await t.world(slug)
    keys, said = await t.call(case, w)
    where = f"{case.route} {case.act(w)} ({label})"
    assert keys != EXPIRED and keys != ["adv.unbound"], where
    if case.hides is not None and case.shown_when_allowed:
        assert case.hides(w) in said, where


async def _try_all(t: Table, cases: list[Case], role: Role, *, adviser: bool = False) -> None:
    """Each case refused to staff of Pirot only, even with Settings at Novi Pazar; allowed to
    them at Pirot, and to programme-wide staff and admins at Novi Pazar."""
    for case in cases:
        bound = () if case.before_centre else (A,)
        await t.staff_as(role, centres=bound, adviser=adviser)
        await _refused(t, case, f"bound to {bound or 'no centre'}")
        await t.staff_as(role, centres=bound, settings_centre=B, adviser=adviser)
        await _refused(t, case, "Settings centre changed to Novi Pazar")
        await t.staff_as(role, centres=(A,), adviser=adviser)
        await _allowed(t, case, A, "bound to Pirot, at Pirot")
        await t.staff_as(role, everywhere=True, adviser=adviser)
        await _allowed(t, case, B, "programme-wide")
        await t.staff_as(Role.ADMIN, centres=(A,) if adviser else (), adviser=adviser)
        await _allowed(t, case, B, "admin")


@pytest.mark.parametrize(
    ("cases", "role", "adviser"),
    [(COORDINATE, Role.COORDINATOR, False), (ADVISERS, Role.COORDINATOR, False),
     (ADVISE, Role.ADVISER, True)],
    ids=["coordinate", "advisers", "advise"],
)  # fmt: skip
async def test_every_route_refuses_another_centre(app, person, cases, role, adviser):
    t = Table(app, person)
    await t.setup()
    await _try_all(t, cases, role, adviser=adviser)


# -- the finer lines ---------------------------------------------------------------------------
async def _marko(app):
    async with app.uow() as uow:
        (marko,) = [a for a in await uow.legal.advisers() if a.name == "Marko"]
    return marko


async def test_an_adviser_of_two_centres_is_changed_only_where_the_coordinator_is_bound(
    app, person
):
    """Marko works at Pirot (Tuesday) and Kruševac (Friday); a coordinator of Pirot only."""
    co = await coordinator(app, person)
    before = await _marko(app)
    krusevac = next(h for h in before.hours if h.weekday == 4)
    await co.press("Coordinate workshops")
    assert "📍 Another centre" not in co.labels, "one centre: nothing else to pick"
    await co.press("Legal advisers")
    assert "Marko" in co.labels and "Jelena" not in co.labels, "Jelena works elsewhere"
    await co.press("Marko")
    assert "Tuesday 09:00–13:00, Pirot" in co.last.text and "Friday" not in co.last.text
    await co.press("Add hours")
    assert co.labels == ["Pirot"], "hours are added only at one's own centres"
    for payload in (
        f"cad:rm:{before.id}:{krusevac.id}",  # Kruševac's hours
        f"cad:sl:{before.id}:60",  # the length of every appointment, Kruševac's too
        f"cad:h:{before.id}:{krusevac.centre_id}:2",
    ):
        await co.press_payload(payload)
        assert co.keys == EXPIRED, payload
    await co.press_payload(f"cad:off:{before.id}")
    await co.send("04.12.2026")  # a Friday: Kruševac's day
    assert co.keys == EXPIRED
    assert await _marko(app) == before, "nothing changed"

    await co.press_payload(f"cad:off:{before.id}")
    await co.send("01.12.2026")  # a Tuesday: only Pirot's
    assert co.keys == ["cad.off_done"]
    pirot = next(h for h in before.hours if h.weekday == 1)
    await co.press_payload(f"cad:rm:{before.id}:{pirot.id}")
    assert co.keys == ["cad.list"] and "Marko" not in co.labels, "no longer works at Pirot"
    assert [h.weekday for h in (await _marko(app)).hours] == [4]


async def test_a_coordinator_bound_to_no_centre_is_told_to_ask_an_admin(app, person):
    co = await coordinator(app, person, centres=())
    await co.press("Coordinate workshops")
    assert co.keys == ["cw.unbound"] and "New workshop" not in " ".join(co.labels)
    await co.press_payload("cad:home")
    assert co.keys == ["cad.list"] and co.labels == ["🏠 Menu"], "no adviser of theirs"


async def test_call_backs_reach_only_advisers_bound_to_the_centre(app, person):
    """Marko has hours at Pirot; bound to Kruševac only, he is neither told nor shown."""
    marko = await joined(person, "marko")
    uid = await user_id(app, marko)
    async with app.uow() as uow:
        krusevac = (await uow.centres.by_slug("krusevac")).id
        await uow.users.grant(uid, Role.ADVISER, app.clock.now(), centres=[krusevac])
        await uow.legal.link_adviser(uid, "Marko")
        await uow.commit()
    ana = await joined(person)  # at Pirot
    await ana.send("/menu")
    await ana.press_through("Legal advice", "Housing and property", "Call me back instead")
    await ana.press("Yes, call me")
    await ana.send("+381 64 123-4567")
    assert ana.keys == ["lg.callback_saved"]
    rec = Recorder()
    await tick(app, worker(app, rec))
    assert rec.to("marko") == []
    await marko.send("/menu")
    await marko.press_through("My appointments", "Call-back requests")
    assert marko.keys == ["adv.callbacks"] and "+381" not in " ".join(marko.labels)

    async with app.uow() as uow:
        pirot = (await uow.centres.by_slug("pirot")).id
        await uow.users.grant(uid, Role.ADVISER, app.clock.now(), centres=[pirot])
        await uow.commit()
    await marko.press_payload("adv:cb")
    assert "+381 64 123-4567" in marko.last.keyboard[0][0].label
