"""What a flow handler gets: the update, the person, their state, storage, clock and words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.locales import LANGUAGE_NAMES
from handlers.messages import Button, Document, Incoming, Keyboard, Location, Outgoing
from handlers.model import Centre, ConversationState, Policy, User
from handlers.ports import Clock, Translator, UnitOfWork
from handlers.texts import Text
from handlers.translit import to_cyrillic


@dataclass
class Context:
    """Everything one handler call needs; changes to `state` are saved by the conversation."""

    incoming: Incoming
    uow: UnitOfWork
    clock: Clock
    tr: Translator
    user: User | None
    state: ConversationState
    locale: str
    consent_version: str
    state_changed: bool = field(default=False)
    policy: Policy = field(default_factory=Policy)
    # What the conversation reports once the update is committed (metrics, logs).
    flow: str = "-"
    bookings: list[str] = field(default_factory=list)

    # -- words -------------------------------------------------------------------------------
    def _(self, msgid: str) -> str:
        """Translate a string into the person's language."""
        return self.tr.gettext(self.locale, msgid)

    def t(self, text: Text, **params: Any) -> str:
        """Translate a message and fill its placeholders."""
        return self._(text.msgid).format(**params)

    def local_name(self, name: str) -> str:
        """A proper name (a centre, a street) in the person's script."""
        return to_cyrillic(name) if self.locale == "sr_Cyrl" else name

    def centre_name(self, centre: Centre) -> str:
        """A centre's name in the person's script."""
        return self.local_name(centre.name)

    def centre_pin(self, centre: Centre) -> Location:
        """A centre's map pin, its name and address in the person's script."""
        return Location(
            centre.latitude, centre.longitude, self.centre_name(centre),
            self.local_name(centre.address),
        )  # fmt: skip

    def language_name(self, locale: str | None = None) -> str:
        """A language's own name (`Deutsch`, `Srpski`)."""
        return LANGUAGE_NAMES[locale or self.locale]

    # -- replies -----------------------------------------------------------------------------
    def button(self, label: str, payload: str, *, icon: str = "") -> Button:
        """A button whose label (an English msgid) is shown translated, after an optional icon."""
        text = self._(label)
        return Button(f"{icon} {text}" if icon else text, payload)

    def reply(
        self,
        text: Text,
        keyboard: Iterable[Sequence[Button]] = (),
        *,
        replace: bool = False,
        location: Location | None = None,
        document: Document | None = None,
        **params: Any,
    ) -> Outgoing:
        """A message to the person who wrote, in their language."""
        rows: Keyboard = tuple(tuple(row) for row in keyboard if row)
        return Outgoing(
            chat_id=self.incoming.chat_id,
            text=self.t(text, **params),
            key=text.key,
            keyboard=rows,
            replace=replace,
            location=location,
            document=document,
            params=params,
        )

    # -- state -------------------------------------------------------------------------------
    def set_state(self, name: str, **data: Any) -> None:
        """Remember the step the person is at (saved with the rest of the transaction)."""
        self.state = ConversationState(name, dict(data))
        self.state_changed = True

    def clear_state(self) -> None:
        """Forget the current step."""
        if self.state.name or self.state.data:
            self.set_state("")

    def use_locale(self, locale: str) -> None:
        """Speak another language for the rest of this reply."""
        self.locale = locale


def rows_of(buttons: Sequence[Button], per_row: int = 2) -> list[list[Button]]:
    """Lay buttons out in rows of `per_row` (two fit a narrow phone screen)."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
