"""Several servers of one model: ``endpoints = [URL, ...]`` in a grid's ``[[models]]`` entry.

Each URL becomes the backend's server setting (``host`` for Ollama, ``base_url`` for the
OpenAI protocols); every endpoint serves ``concurrency`` calls at once. An
:class:`EndpointPool` spreads cells over the healthy endpoints (the least loaded first) and
takes out one whose server fails, so its cells are retried on the others; the last healthy
endpoint is never taken out (its failures are stored as the cells' errors).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from clinsum.errors import ConfigError


def endpoint_key(backend: str) -> str | None:
    """The setting an endpoint URL goes to for ``backend``: the backend's own
    ``server_setting``, the key its ``server_config`` fills (None: it has no server)."""
    from clinsum.backends import BACKENDS

    cls = BACKENDS.get(backend) if backend in BACKENDS else None
    return getattr(cls, "server_setting", None)


def uses_local_model(backend: str) -> bool:
    """Whether ``backend`` runs its model in the worker's own process (its ``local_model``)."""
    from clinsum.backends import BACKENDS

    cls = BACKENDS.get(backend) if backend in BACKENDS else None
    return bool(getattr(cls, "local_model", False))


def check_endpoints(value: Any, where: str) -> list[str]:
    """``endpoints`` of a model entry: a non-empty list of distinct texts."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: endpoints must be a list of server addresses (texts).",
                          hint='For example endpoints = ["http://gpu1:11434", "http://gpu2:11434"].')
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: endpoints names the same server twice.")
    return [v.strip() for v in value]


@dataclass
class Endpoint:
    """One server of a model: the backend config that reaches it and its concurrency."""

    backend: str
    model: str
    config: dict[str, Any]
    concurrency: int
    where: str = ""
    healthy: bool = True
    load: int = 0

    @property
    def id(self) -> str:
        """The server's identity (backend, address, concurrency; a local model adds itself)."""
        place = self.where or (f"{self.model}|{self.config.get('adapter') or ''}"
                               if uses_local_model(self.backend) else "")
        spec = [self.backend, place, self.concurrency]
        return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]


def expand_endpoints(backend: str, model: str, config: dict[str, Any], concurrency: int,
                     default_where: str | None = None) -> list[Endpoint]:
    """The endpoints of a model entry (one, its own config, when it names no ``endpoints``);
    ``default_where`` (the server the backend found by itself, e.g. from ``$OLLAMA_HOST`` of
    this process) is written into that config, so a cluster worker reaches the same server."""
    base = {k: v for k, v in config.items() if k != "endpoints"}
    urls = config.get("endpoints") or []
    key = endpoint_key(backend)
    if not urls:
        if key and not base.get(key) and default_where:
            base[key] = default_where
        where = str(base.get(key) or "") if key else ""
        return [Endpoint(backend, model, base, concurrency, where)]
    if key is None:
        raise ConfigError(f"The backend {backend!r} has no server address, so it cannot take endpoints.",
                          hint="Use endpoints with ollama, openai or openai-compatible models.")
    return [Endpoint(backend, model, {**base, key: url}, concurrency, url) for url in urls]


@dataclass
class EndpointPool:
    """The endpoints of one model, with their load and health (thread-safe)."""

    endpoints: list[Endpoint]
    limit_per_endpoint: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def healthy(self) -> list[Endpoint]:
        return [e for e in self.endpoints if e.healthy]

    def acquire(self) -> Endpoint | None:
        """The healthy endpoint with the most room (its load counted), or None when all are full."""
        with self._lock:
            free = [e for e in self.endpoints if e.healthy and e.load < self.limit_for(e)]
            if not free:
                return None
            chosen = min(free, key=lambda e: (e.load / self.limit_for(e), self.endpoints.index(e)))
            chosen.load += 1
            return chosen

    def release(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.load -= 1

    def limit_for(self, endpoint: Endpoint) -> int:
        return max(1, self.limit_per_endpoint * endpoint.concurrency)

    def take_out(self, endpoint: Endpoint) -> bool:
        """Mark ``endpoint`` failed if another healthy one remains; whether it was taken out."""
        with self._lock:
            if not endpoint.healthy:
                return True  # already out: its cell goes elsewhere too
            if not any(e.healthy for e in self.endpoints if e is not endpoint):
                return False
            endpoint.healthy = False
            return True
