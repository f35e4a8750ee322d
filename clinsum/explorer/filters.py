"""Which generations an explorer view covers."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from clinsum.errors import InputError

DIMENSIONS = ("model", "strategy", "temperature", "decoding", "backend", "adapter")


@dataclass
class Filters:
    """An empty field means "all". Failed generations (``error`` set) are always left out."""

    models: Sequence[str] = ()
    strategies: Sequence[str] = ()
    temperatures: Sequence[float] = ()
    decodings: Sequence[str] = ()
    backends: Sequence[str] = ()
    record_ids: Sequence[str] = ()
    sources: Sequence[str] = ()  # a record set: records imported from these sources
    since: date | datetime | None = None
    until: date | datetime | None = None  # a date includes that whole day

    def where(self, alias: str = "g") -> tuple[str, list[Any]]:
        """SQL conditions over the cube's ``gen`` table (joined with AND) and parameters."""
        parts = [f"NOT {alias}.failed"]
        params: list[Any] = []
        for column, values in (
            ("model", self.models), ("strategy", self.strategies), ("decoding", self.decodings),
            ("backend", self.backends), ("record_id", self.record_ids), ("source", self.sources),
        ):
            if values:
                parts.append(f"{alias}.{column} IN ({', '.join('?' for _ in values)})")
                params += [str(v) for v in values]
        if self.temperatures:
            parts.append(f"{alias}.temperature IN ({', '.join('?' for _ in self.temperatures)})")
            params += [float(v) for v in self.temperatures]
        if self.since is not None:
            parts.append(f"{alias}.created_at >= ?")
            params.append(_as_datetime(self.since))
        if self.until is not None:
            if isinstance(self.until, datetime):
                parts.append(f"{alias}.created_at <= ?")
                params.append(self.until)
            else:
                parts.append(f"{alias}.created_at < ?")
                params.append(_as_datetime(self.until) + timedelta(days=1))
        return " AND ".join(parts), params


    def cli_args(self) -> str:
        """The same filters as ``clinsum explore`` options (for "reproduce in a terminal")."""
        parts = []
        for flag, values in (
            ("--model", self.models), ("--strategy", self.strategies),
            ("--temperature", self.temperatures), ("--decoding", self.decodings),
            ("--backend", self.backends), ("--record", self.record_ids), ("--source", self.sources),
        ):
            parts += [f"{flag} {shlex.quote(str(v))}" for v in values]
        for flag, value in (("--since", self.since), ("--until", self.until)):
            if value is not None:
                parts.append(f"{flag} {value:%Y-%m-%d}")
        return " ".join(parts)


ALL = Filters()


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def check_dimension(by: str) -> str:
    """``by`` if it is a column views can group by, else an :class:`InputError`."""
    if by not in DIMENSIONS:
        raise InputError(f"Cannot group by {by!r}.", hint=f"Use one of: {', '.join(DIMENSIONS)}.")
    return by
