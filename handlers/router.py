"""Flows declare what they answer (commands, button actions, states); the router picks one.

A button route's arguments are its handler's annotated parameters: the router writes them
into the payload (`Action.link`) and parses them back (`handlers.payloads`), so no handler
splits a payload by hand, and a route whose payload could pass Telegram's 64 bytes is refused
when it is declared. A step route may take one `Step` dataclass, built from the stored state.
Every flow says who may use it (`guard=`), and a route may say it more narrowly; the guard
runs before the handler, on the parsed arguments.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

from handlers.messages import Outgoing
from handlers.payloads import MAX_PAYLOAD_BYTES, SEPARATOR, Codec, PayloadError, Step, codec

if TYPE_CHECKING:
    from handlers.context import Context

Reply = Outgoing | list[Outgoing]
Handler = Callable[..., Awaitable[Reply]]
Guard = Callable[["Context", Mapping[str, Any]], Awaitable[None]]
"""Who may use a route: raises Stale (refused as an old button) before the handler runs."""

P = ParamSpec("P")
R = TypeVar("R", bound=Reply)


class Stale(Exception):
    """A button or step that no longer applies (old message, changed data, wrong arguments)."""


@dataclass(frozen=True, slots=True)
class Param:
    """One payload argument: its name, how it is written, and its default if it may be left out."""

    name: str
    codec: Codec
    default: Any = inspect.Parameter.empty

    @property
    def optional(self) -> bool:
        """True if a payload may end before this argument."""
        return self.default is not inspect.Parameter.empty


def _signature(handler: Handler) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    """The handler's parameters after `ctx`, with their resolved annotations."""
    target = inspect.unwrap(handler)
    params = list(inspect.signature(target).parameters.values())[1:]
    # A NameError here is an annotation imported only for type checking: import it for real.
    return params, typing.get_type_hints(target, include_extras=True)


def button_params(handler: Handler) -> tuple[Param, ...]:
    """The payload arguments a handler declares (unannotated ones are text)."""
    params, hints = _signature(handler)
    found = []
    for p in params:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError(f"{handler.__qualname__}: payload arguments are plain parameters")
        found.append(Param(p.name, codec(hints.get(p.name, str)), p.default))
    return tuple(found)


def step_type(handler: Handler) -> tuple[str, type[Step]] | None:
    """The `Step` a state handler takes (its only parameter after `ctx`), if any."""
    params, hints = _signature(handler)
    if not params:
        return None
    kind = hints.get(params[0].name)
    if len(params) > 1 or not (isinstance(kind, type) and issubclass(kind, Step)):
        raise TypeError(f"{handler.__qualname__}: a step handler takes ctx and one Step")
    return params[0].name, kind


async def anyone(ctx: Context, args: Mapping[str, Any]) -> None:
    """No check beyond the route's own (`public` still decides about consent)."""


@dataclass(frozen=True, slots=True)
class Route:
    """A handler, who may call it, and whether it serves people who have not agreed yet."""

    name: str
    handler: Handler
    public: bool
    photos: bool = False  # a typed-input step that takes a photo (its reference is not text)
    flow: str = "-"  # the journey it belongs to, for logs and metrics
    guard: Guard = anyone
    params: tuple[Param, ...] | None = None  # button arguments; None: read from the handler
    step: tuple[str, type[Step]] | None = None  # a state route's typed working data

    def parse(self, segments: Sequence[str]) -> dict[str, Any] | None:
        """The handler's keyword arguments from payload segments; None if they do not fit."""
        params = self.params if self.params is not None else button_params(self.handler)
        if len(segments) > len(params) or any(not p.optional for p in params[len(segments) :]):
            return None
        try:
            return {p.name: p.codec.read(s) for p, s in zip(params, segments, strict=False)}
        except PayloadError:
            return None

    def load_step(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A state handler's keyword arguments from the stored state; Stale if it does not fit."""
        if self.step is None:
            return {}
        name, kind = self.step
        try:
            return {name: kind.from_data(data)}
        except PayloadError:
            raise Stale from None


def guard_args(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What a guard sees: the payload arguments, or a step's fields (e.g. its `centre`)."""
    seen: dict[str, Any] = {}
    for key, value in kwargs.items():
        if isinstance(value, Step):
            seen.update(value.fields())
        else:
            seen[key] = value
    return seen


class Action(Generic[P, R]):
    """A declared button handler: still callable as before, and it builds its own payloads."""

    def __init__(
        self, handler: Callable[Concatenate[Context, P], Awaitable[R]], prefix: str, params: Any
    ) -> None:
        self.handler = handler
        self.prefix = prefix
        self.params: tuple[Param, ...] = params
        self.__doc__ = handler.__doc__
        self.__name__ = getattr(handler, "__name__", prefix)
        self.__qualname__ = getattr(handler, "__qualname__", prefix)
        self.__wrapped__ = handler

    async def __call__(self, ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self.handler(ctx, *args, **kwargs)

    def link(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """The payload that calls this handler with these arguments (ValueError if they cannot)."""
        given = dict(zip((p.name for p in self.params), args, strict=False))
        given.update(kwargs)
        if len(args) > len(self.params) or set(given) - {p.name for p in self.params}:
            raise TypeError(f"{self.prefix}: unknown arguments {sorted(given)}")
        segments: list[str | None] = []
        for p in self.params:
            if p.name in given:
                segments.append(p.codec.write(given[p.name]))
            elif p.optional:
                segments.append(None)
            else:
                raise TypeError(f"{self.prefix}: {p.name} is missing")
        while segments and segments[-1] is None:
            segments.pop()  # trailing defaults are left out
        written = [
            s if s is not None else p.codec.write(p.default)
            for s, p in zip(segments, self.params, strict=False)
        ]
        return SEPARATOR.join([self.prefix, *written])


class Flow:
    """One journey's entry points, declared with decorators beside the code that answers."""

    def __init__(self, name: str, *, guard: Guard) -> None:
        self.name = name
        self.guard = guard
        self.buttons: dict[str, Route] = {}
        self.commands: dict[str, Route] = {}
        self.states: dict[str, Route] = {}

    def on_button(
        self, action: str, *, public: bool = False, guard: Guard | None = None
    ) -> Callable[[Callable[Concatenate[Context, P], Awaitable[R]]], Action[P, R]]:
        """Handle payload `<flow>:<action>:<args…>`; the handler's typed parameters are the args."""
        prefix = f"{self.name}{SEPARATOR}{action}"

        def decorator(handler: Callable[Concatenate[Context, P], Awaitable[R]]) -> Action[P, R]:
            params = button_params(handler)
            longest = len(prefix.encode()) + sum(1 + p.codec.longest for p in params)
            if longest > MAX_PAYLOAD_BYTES:
                raise ValueError(f"{prefix}: payloads up to {longest} bytes, over 64")
            route = Route(
                prefix, handler, public, flow=self.name, guard=guard or self.guard, params=params
            )
            self._add(self.buttons, action, route)
            return Action(handler, prefix, params)

        return decorator

    def on_command(
        self, command: str, *, public: bool = True, guard: Guard | None = None
    ) -> Callable[[Handler], Handler]:
        """Handle `/command [argument]`."""

        def decorator(handler: Handler) -> Handler:
            route = Route(f"/{command}", handler, public, flow=self.name, params=())
            self._add(self.commands, command, _guarded(route, guard or self.guard))
            return handler

        return decorator

    def on_state(
        self, state: str, *, photos: bool = False, guard: Guard | None = None
    ) -> Callable[[Handler], Handler]:
        """Handle typed input while a person is in this conversation state.

        The handler may take the step's working data as one `Step` parameter. A photo reaches
        the step only with `photos=True`; elsewhere its file reference would pass for text.
        """

        def decorator(handler: Handler) -> Handler:
            route = Route(
                f"state:{state}", handler, False, photos, self.name, guard or self.guard,
                params=(), step=step_type(handler),
            )  # fmt: skip
            self._add(self.states, state, route)
            return handler

        return decorator

    @staticmethod
    def _add(table: dict[str, Route], key: str, route: Route) -> None:
        if key in table:
            raise ValueError(f"{route.name} is handled twice")
        table[key] = route


def _guarded(route: Route, guard: Guard) -> Route:
    return Route(
        route.name, route.handler, route.public, route.photos, route.flow, guard,
        route.params, route.step,
    )  # fmt: skip


@dataclass
class Found:
    """A route and the keyword arguments its handler is called with."""

    route: Route
    kwargs: dict[str, Any] = field(default_factory=dict)


class Router:
    """All flows' routes in one lookup: command, then button payload, then state."""

    def __init__(self, flows: Sequence[Flow]) -> None:
        self.buttons: dict[tuple[str, str], Route] = {}
        self.commands: dict[str, Route] = {}
        self.states: dict[str, Route] = {}
        for flow in flows:
            for action, route in flow.buttons.items():
                self._add(self.buttons, (flow.name, action), route)
            for command, route in flow.commands.items():
                self._add(self.commands, command, route)
            for state, route in flow.states.items():
                self._add(self.states, state, route)

    @staticmethod
    def _add(table: dict[Any, Route], key: Any, route: Route) -> None:
        if key in table:
            raise ValueError(f"{route.name} is declared by two flows")
        table[key] = route

    def button(self, payload: str) -> tuple[Route, dict[str, Any]] | None:
        """The route for a payload and its parsed arguments, or None if unknown or malformed."""
        parts = payload.split(SEPARATOR)
        if len(parts) < 2:
            return None
        route = self.buttons.get((parts[0], parts[1]))
        if route is None:
            return None
        kwargs = route.parse(parts[2:])
        return None if kwargs is None else (route, kwargs)

    def command(self, name: str) -> Route | None:
        """The route for a command, or None."""
        return self.commands.get(name)

    def state(self, name: str) -> Route | None:
        """The route for typed input in a state, or None."""
        return self.states.get(name)
