"""Typed values in button payloads and stored steps: how each type is written and read back.

A route's arguments are declared by its handler's annotations; a codec per type turns a value
into a payload segment and a segment back into a value, refusing anything else. Every codec
knows its longest segment, so a route whose payload could pass Telegram's 64 bytes is refused
when it is declared, not when a person presses it.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, NewType, Self, get_args, get_origin

MAX_PAYLOAD_BYTES = 64  # Telegram's limit for callback_data
SEPARATOR = ":"
_ID = re.compile(r"[0-9]{1,9}")  # a database id or a page number; no sign, no leading spaces
_WORD = re.compile(r"[A-Za-z0-9_.\-]*")  # short tokens: slugs, locales, codes; never a colon

CentreId = NewType("CentreId", int)
"""A centre's id in a payload, named so guards can find it."""


@dataclass(frozen=True, slots=True)
class Max:
    """`Annotated[str, Max(32)]`: a text argument longer than the default 12 characters."""

    length: int


Slug = Annotated[str, Max(40)]
"""A centre's slug (`novi-pazar`), as long as the database allows."""
LocaleCode = Annotated[str, Max(7)]
"""A language code carried for people who have not agreed yet (`sr_Cyrl`); checked by the flow."""


class PayloadError(ValueError):
    """A segment that is not a value of its declared type (an old or forged button)."""


@dataclass(frozen=True, slots=True)
class Compact:
    """`Annotated[date, Compact()]`: a day written `20261209`, as older payloads carry it."""


@dataclass(frozen=True, slots=True)
class Codec:
    """How one type is written into a payload and read back from it."""

    write: Callable[[Any], str]
    read: Callable[[str], Any]
    longest: int  # characters (payload characters are ASCII, so also bytes)


def _read_int(text: str) -> int:
    if not _ID.fullmatch(text):
        raise PayloadError(text)
    return int(text)


def _write_int(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise ValueError(f"not a payload id: {value!r}")
    return str(value)


def _word_codec(longest: int) -> Codec:
    def check(text: str) -> str:
        if len(text) > longest or not _WORD.fullmatch(text):
            raise PayloadError(text)
        return text

    def write(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"not a payload word: {value!r}")
        try:
            return check(value)
        except PayloadError:
            raise ValueError(f"not a payload word: {value!r}") from None

    return Codec(write, check, longest)


def _read_date(text: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise PayloadError(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PayloadError(text) from None


def _read_compact(text: str) -> date:
    if not re.fullmatch(r"[0-9]{8}", text):
        raise PayloadError(text)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise PayloadError(text) from None


def _choice_codec(values: Mapping[str, Any]) -> Codec:
    """A closed set of values, written as their strings (an Enum's values, a Literal's)."""
    back = {v: k for k, v in values.items()}

    def read(text: str) -> Any:
        if text not in values:
            raise PayloadError(text)
        return values[text]

    def write(value: Any) -> str:
        if value not in back:
            raise ValueError(f"not one of {sorted(values)}: {value!r}")
        return back[value]

    return Codec(write, read, max(len(k) for k in values))


_BOOL = _choice_codec({"1": True, "0": False})
_INT = Codec(_write_int, _read_int, 9)
_DATE = Codec(lambda d: d.isoformat(), _read_date, 10)
_COMPACT_DATE = Codec(lambda d: f"{d:%Y%m%d}", _read_compact, 8)
DEFAULT_WORD = 12


def codec(annotation: Any) -> Codec:
    """The codec for a handler parameter's (resolved) annotation; TypeError if none fits."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        own = [m for m in extra if isinstance(m, Codec)]
        if own:  # a route's own small closed set, e.g. "one kind or all"
            return own[0]
        limits = [m.length for m in extra if isinstance(m, Max)]
        if base is str and limits:
            return _word_codec(limits[0])
        if base is date and any(isinstance(m, Compact) for m in extra):
            return _COMPACT_DATE
        return codec(base)
    if origin is Literal:
        return _choice_codec({str(v): v for v in get_args(annotation)})
    supertype = getattr(annotation, "__supertype__", None)  # a NewType
    if supertype is not None:
        return codec(supertype)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice_codec({str(m.value): m for m in annotation})
    if annotation is bool:
        return _BOOL
    if annotation is int:
        return _INT
    if annotation is str:
        return _word_codec(DEFAULT_WORD)
    if annotation is date:
        return _DATE
    raise TypeError(f"no payload codec for {annotation!r}")


# -- stored steps --------------------------------------------------------------------------------
def _from_json(annotation: Any, value: Any) -> Any:
    """A JSON value stored with a step, back as its declared type; PayloadError if it is not."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _from_json(get_args(annotation)[0], value)
    if origin in (types.UnionType, typing.Union):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _from_json(option, value)
            except PayloadError:
                continue
        raise PayloadError(repr(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise PayloadError(repr(value))
        keys, values = get_args(annotation)
        return {_from_json(keys, k): _from_json(values, v) for k, v in value.items()}
    if origin in (tuple, list, frozenset):
        if not isinstance(value, list | tuple):
            raise PayloadError(repr(value))
        inner = get_args(annotation)[0]
        return origin(_from_json(inner, v) for v in value)
    if origin is Literal:
        if value not in get_args(annotation):
            raise PayloadError(repr(value))
        return value
    supertype = getattr(annotation, "__supertype__", None)
    if supertype is not None:
        return _from_json(supertype, value)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        try:
            return annotation(value)
        except ValueError:
            raise PayloadError(repr(value)) from None
    if annotation is date:
        if not isinstance(value, str):
            raise PayloadError(repr(value))
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PayloadError(value) from None
    if annotation is bool:
        if not isinstance(value, bool):
            raise PayloadError(repr(value))
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayloadError(repr(value))
        return value
    if annotation in (str, float):
        if annotation is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, annotation):
            raise PayloadError(repr(value))
        return value
    raise TypeError(f"no stored-step type {annotation!r}")


def _to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Step:
    """Base of a step's working data: a small frozen dataclass stored with the conversation.

    Subclass it per step (`class ShiftDraft(Step): centre: CentreId; task: Task`); the router
    builds it from the stored state before the handler runs, so a handler never reads an
    untyped dict, and a stored state that does not fit (an older version, a forged one) is
    treated as stale.
    """

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """The step from stored data; PayloadError if a field is missing or of the wrong type."""
        hints = typing.get_type_hints(cls, include_extras=True)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                values[f.name] = _from_json(hints[f.name], data[f.name])
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise PayloadError(f"missing {f.name}")
        return cls(**values)

    def data(self) -> dict[str, Any]:
        """The step as JSON-ready data, for the conversation state."""
        return {f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def fields(self) -> dict[str, Any]:
        """The step's fields by name (what a guard reads, e.g. `centre`)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
