"""A new workshop as a coordinator writes it, step by step: one frozen dataclass per step.

Each step's class adds the one answer given at it to the one before (`Draft` at `cw.title`,
`cw.titles` and `cw.kind`, then `WithKind` at `cw.audience` … `Planned` at `cw.preview`), so a
step's handler gets exactly what has been answered so far, typed, and a stored draft that does
not fit its step is stale. Stored as the conversation state, a draft keeps the keys and JSON
types older states carry (`{"lang": "en", "titles": {"en": …}, "kind": "sport", …}`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from handlers.context import Context
from handlers.flows.typed import local
from handlers.model import Audience, WorkshopKind
from handlers.payloads import CentreId, PayloadError, Step


@dataclass(frozen=True)
class Draft(Step):
    """A new workshop's titles by language, and the locale of the title asked (or last given).

    Steps `cw.title`, `cw.titles` and `cw.kind`; each later step's class adds one answer, so
    a step's handler gets exactly what has been answered so far.
    """

    lang: str
    titles: dict[str, str]

    def with_title(self, text: str) -> Draft:
        """The title in the draft's language (both Serbian scripts share `sr`)."""
        key = "sr" if self.lang == "sr_Cyrl" else self.lang
        return replace(self, titles={**self.titles, key: text})

    def of_kind(self, kind: WorkshopKind) -> WithKind:
        """The next step's draft (`cw.audience`)."""
        return WithKind(**self.fields(), kind=kind)


@dataclass(frozen=True)
class WithKind(Draft):
    """Step `cw.audience`."""

    kind: WorkshopKind

    def for_audience(self, audience: Audience) -> WithAudience:
        """The next step's draft (`cw.centre`)."""
        return WithAudience(**self.fields(), audience=audience)


@dataclass(frozen=True)
class WithAudience(WithKind):
    """Step `cw.centre`."""

    audience: Audience

    def at(self, centre: CentreId) -> WithCentre:
        """The next step's draft (`cw.date`)."""
        return WithCentre(**self.fields(), centre=centre)


@dataclass(frozen=True)
class WithCentre(WithAudience):
    """Step `cw.date`: from here on the person must coordinate this very centre."""

    centre: CentreId

    def on(self, day: date) -> WithDate:
        """The next step's draft (`cw.time`)."""
        return WithDate(**self.fields(), date=day)


@dataclass(frozen=True)
class WithDate(WithCentre):
    """Step `cw.time`."""

    date: date

    def at_time(self, clock: time) -> WithTime:
        """The next step's draft (`cw.minutes`; or `cw.date` again if that time has passed)."""
        return WithTime(**self.fields(), time=f"{clock:%H:%M}")


@dataclass(frozen=True)
class WithTime(WithDate):
    """Step `cw.minutes`; the start time is stored as typed back, `16:00`."""

    time: str

    def __post_init__(self) -> None:
        try:
            time.fromisoformat(self.time)
        except ValueError:
            raise PayloadError(self.time) from None

    def lasting(self, minutes: int) -> WithMinutes:
        """The next step's draft (`cw.places`)."""
        return WithMinutes(**self.fields(), minutes=minutes)


@dataclass(frozen=True)
class WithMinutes(WithTime):
    """Step `cw.places`."""

    minutes: int

    def with_places(self, capacity: int) -> WithPlaces:
        """The next step's draft (`cw.repeat`)."""
        return WithPlaces(**self.fields(), capacity=capacity)


@dataclass(frozen=True)
class WithPlaces(WithMinutes):
    """Step `cw.repeat`."""

    capacity: int

    def until_day(self, until: date) -> Planned:
        """The last step's draft (`cw.preview`); `until` is the first day for a single session."""
        return Planned(**self.fields(), until=until)


@dataclass(frozen=True)
class Planned(WithPlaces):
    """Step `cw.preview`: everything is answered."""

    until: date

    def starts(self, ctx: Context) -> list[datetime]:
        """Every session's start: weekly from the first day to the last."""
        clock = time.fromisoformat(self.time)
        weeks = (self.until - self.date).days // 7 + 1
        return [local(ctx, self.date + timedelta(weeks=w), clock) for w in range(weeks)]
