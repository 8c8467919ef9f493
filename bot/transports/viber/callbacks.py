"""The shapes of the Viber callbacks we act on, checked strictly before anything is handled.

Strict: a number where Viber sends a string (or the reverse) is a malformed callback, not
something to coerce; NaN and infinities are refused; fields we do not read are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from bot.transports.bodies import BadBody, invalid

# Ids go into 64-character columns; Viber's are about 24.
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Viber sends message tokens as numbers; a string one is kept too, both as our update id.
if TYPE_CHECKING:
    Token = str  # what the validator below leaves: every token as a string
else:
    Token = Annotated[
        int | Annotated[str, StringConstraints(min_length=1)],
        AfterValidator(lambda v: str(v)[:64]),
    ]


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="ignore", frozen=True)


class Person(_Shape):
    """`sender` of a message, `user` of conversation_started and subscribed."""

    id: Id
    language: Annotated[str, StringConstraints(max_length=35)] | None = None


class Point(_Shape):
    """A shared location."""

    lat: float
    lon: float


class Contact(_Shape):
    """A shared contact."""

    phone_number: Id


class Message(_Shape):
    """What a person sent: text, a location, a contact, or something we answer alike."""

    type: Id
    text: str | None = None  # also a picture's or file's caption
    location: Point | None = None
    contact: Contact | None = None

    @model_validator(mode="after")
    def _has_its_content(self) -> Message:
        needed = {"text": self.text, "location": self.location, "contact": self.contact}
        if self.type in needed and needed[self.type] is None:
            raise ValueError(f"a {self.type} message without its {self.type}")
        return self


class _Callback(_Shape):
    # Milliseconds since the epoch: when the person wrote (a retried callback comes later).
    timestamp: int | float | None = None


class MessageEvent(_Callback):
    """event=message."""

    event: Literal["message"]
    sender: Person
    message: Message
    message_token: Token


class Started(_Callback):
    """event=conversation_started: the person opened the chat, `context` is the deep link."""

    event: Literal["conversation_started"]
    user: Person
    context: str | None = None


class Subscribed(_Callback):
    """event=subscribed."""

    event: Literal["subscribed"]
    user: Person


class Unsubscribed(_Callback):
    """event=unsubscribed."""

    event: Literal["unsubscribed"]
    user_id: Id


class Receipt(_Callback):
    """event=delivered, seen or failed, for the message sent with `message_token`."""

    event: Literal["delivered", "seen", "failed"]
    user_id: Id
    message_token: Token


Callback = MessageEvent | Started | Subscribed | Unsubscribed | Receipt
_CALLBACK: TypeAdapter[Callback] = TypeAdapter(Annotated[Callback, Field(discriminator="event")])
KNOWN = frozenset({"message", "conversation_started", "subscribed", "unsubscribed",
                   "delivered", "seen", "failed"})  # fmt: skip


def parse(body: dict[str, Any]) -> Callback | None:
    """The callback, None for an event we do not act on (webhook, client_status…), or
    BadBody when it lacks what its event needs."""
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise BadBody("event: missing")
    if event not in KNOWN:
        return None
    try:
        return _CALLBACK.validate_python(body)
    except ValidationError as exc:
        raise invalid(exc) from None
