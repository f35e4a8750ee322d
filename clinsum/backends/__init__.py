"""LLM backends behind one interface (see :mod:`clinsum.backends.base`).

Importing this package registers the built-in backends; each module keeps its heavy imports
(``ollama``, ``openai``, ``torch``, ``transformers``) inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clinsum.backends import extractive as _extractive  # noqa: F401 - registers "extractive"
from clinsum.backends import ollama as _ollama  # noqa: F401 - registers "ollama"
from clinsum.backends import openai_compat as _openai  # noqa: F401 - "openai", "openai-compatible"
from clinsum.backends import transformers_local as _transformers  # noqa: F401 - "transformers"
from clinsum.backends.base import (
    BACKENDS,
    Backend,
    GenerationOptions,
    GenerationResult,
    Stream,
    backend_concurrency,
    get_backend,
    strip_reasoning,
)

__all__ = [
    "BACKENDS", "Backend", "BackendStatus", "GenerationOptions", "GenerationResult", "Stream",
    "backend_concurrency", "backend_status", "get_backend", "preferred_backend", "settings_fingerprint",
    "strip_reasoning",
]


@dataclass
class BackendStatus:
    """One line per backend for ``clinsum backends``, ``clinsum doctor`` and the pages: whether it
    can be used now, and what the rest of the program needs to know about it."""

    name: str
    label: str
    available: bool
    detail: str
    needs: str
    generative: bool
    label_key: str = ""
    needs_key: str = ""
    default_concurrency: int = 2
    concurrency_tunable: bool = True
    preference: int | None = None
    server_config: dict[str, Any] = field(default_factory=dict)


def backend_status(configs: dict[str, dict] | None = None) -> list[BackendStatus]:
    """Every registered backend, whether it can be used now, and what it needs otherwise."""
    out = []
    for name, cls in BACKENDS.items():
        ok, detail = cls.status(**(configs or {}).get(name, {}))
        out.append(BackendStatus(
            name, cls.label or name, ok, detail, cls.needs, cls.generative, cls.label_key(),
            cls.needs_key(), cls.default_concurrency, cls.concurrency_tunable, cls.preference,
            cls.server_config()))
    return out


def preferred_backend(names: list[str]) -> str | None:
    """The backend a page picks by default among ``names``: the lowest ``preference`` rank."""
    ranked = [(BACKENDS.get(n).preference, n) for n in names
              if n in BACKENDS and BACKENDS.get(n).preference is not None]
    return min(ranked)[1] if ranked else None


def settings_fingerprint() -> str:
    """What backend availability depends on (hosts, URLs, key digests): a cache key, so a changed
    setting is seen at once. Holds no secret."""
    return "|".join(f"{name}={cls.settings_key()}" for name, cls in BACKENDS.items())
