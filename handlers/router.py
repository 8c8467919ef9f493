"""Flows declare what they answer (commands, button actions, states); the router picks one."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.messages import Outgoing

if TYPE_CHECKING:
    pass

Reply = Outgoing | list[Outgoing]
Handler = Callable[..., Awaitable[Reply]]


class Stale(Exception):
    """A button or step that no longer applies (old message, changed data, wrong arguments)."""


@dataclass(frozen=True, slots=True)
class Route:
    """A handler and whether it serves people who have not agreed to the notice."""

    name: str
    handler: Handler
    public: bool
    photos: bool = False  # a typed-input step that takes a photo (its reference is not text)
    flow: str = "-"  # the journey it belongs to, for logs and metrics

    def accepts(self, args: Sequence[str]) -> bool:
        """True if the handler takes exactly these payload arguments."""
        try:
            inspect.signature(self.handler).bind(None, *args)
        except TypeError:
            return False
        return True


class Flow:
    """One journey's entry points, declared with decorators beside the code that answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.buttons: dict[str, Route] = {}
        self.commands: dict[str, Route] = {}
        self.states: dict[str, Route] = {}

    def on_button(self, action: str, *, public: bool = False) -> Callable[[Handler], Handler]:
        """Handle payload `<flow>:<action>:<args…>`; args become the handler's parameters."""
        return self._register(self.buttons, action, f"{self.name}:{action}", public)

    def on_command(self, command: str, *, public: bool = True) -> Callable[[Handler], Handler]:
        """Handle `/command [argument]`."""
        return self._register(self.commands, command, f"/{command}", public)

    def on_state(self, state: str, *, photos: bool = False) -> Callable[[Handler], Handler]:
        """Handle typed input while a person is in this conversation state.

        A photo reaches the step only with `photos=True`; elsewhere its file reference would
        pass for typed text.
        """
        return self._register(self.states, state, f"state:{state}", False, photos)

    def _register(
        self, table: dict[str, Route], key: str, name: str, public: bool, photos: bool = False
    ) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            if key in table:
                raise ValueError(f"{name} is handled twice")
            table[key] = Route(name, handler, public, photos, self.name)
            return handler

        return decorator


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

    def button(self, payload: str) -> tuple[Route, list[str]] | None:
        """The route for a payload and its arguments, or None if unknown or malformed."""
        parts = payload.split(":")
        if len(parts) < 2:
            return None
        route = self.buttons.get((parts[0], parts[1]))
        args = parts[2:]
        if route is None or not route.accepts(args):
            return None
        return route, args

    def command(self, name: str) -> Route | None:
        """The route for a command, or None."""
        return self.commands.get(name)

    def state(self, name: str) -> Route | None:
        """The route for typed input in a state, or None."""
        return self.states.get(name)
