"""A tiny named registry: backends, strategies, metrics and job kinds each have one.

An entry is an object, or a lazy ``"module:attr"`` target (as lm-evaluation-harness does):
the module is imported the first time the entry is looked up, so registering costs nothing.
A registry made with ``lazy=False`` keeps ``"module:attr"`` strings as plain values (job kinds
hand the target itself to a child process).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from clinsum.errors import NotFound

T = TypeVar("T")


def is_target(value: object) -> bool:
    """True for a ``"module:attr"`` string."""
    return isinstance(value, str) and ":" in value and " " not in value


def resolve_target(target: str) -> Any:
    """The object a ``"module:attr"`` target names (the module is imported)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class Registry(Generic[T]):
    """Maps names to objects; ``register`` works as a decorator or a call."""

    def __init__(self, kind: str, lazy: bool = True) -> None:
        self.kind = kind
        self.lazy = lazy
        self._items: dict[str, Any] = {}
        self._resolved: dict[str, Any] = {}

    def register(self, name: str, obj: T | str | None = None) -> Callable[[T], T] | T:
        def add(item: Any) -> Any:
            known = self._items.get(name)
            if known is not None and known is not item and known != item:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            self._resolved.pop(name, None)
            return item

        return add(obj) if obj is not None else add

    def unregister(self, name: str) -> None:
        """Forget ``name`` (tests that register a plugin clean up with this)."""
        self._items.pop(name, None)
        self._resolved.pop(name, None)

    def target(self, name: str) -> T | str:
        """What was registered, unresolved (an object or a ``"module:attr"`` string)."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise NotFound(f"Unknown {self.kind} {name!r}.", hint=f"Known: {known}.") from None

    def get(self, name: str) -> T:
        item = self.target(name)
        if not (self.lazy and is_target(item)):
            return item
        if name not in self._resolved:
            self._resolved[name] = resolve_target(item)
        return self._resolved[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return [(name, self.get(name)) for name in self.names()]
