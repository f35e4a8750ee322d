"""LLM backends behind one interface (see :mod:`clinsum.backends.base`).

Importing this package registers the built-in backends; each module keeps its heavy imports
(``ollama``, ``openai``, ``torch``, ``transformers``) inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    get_backend,
    strip_reasoning,
)

__all__ = [
    "BACKENDS", "Backend", "BackendStatus", "GenerationOptions", "GenerationResult", "Stream",
    "backend_status", "get_backend", "strip_reasoning",
]


@dataclass
class BackendStatus:
    """One line per backend for ``clinsum backends``, ``clinsum doctor`` and the Home page."""

    name: str
    label: str
    available: bool
    detail: str
    needs: str
    generative: bool


def backend_status(configs: dict[str, dict] | None = None) -> list[BackendStatus]:
    """Every registered backend, whether it can be used now, and what it needs otherwise."""
    out = []
    for name, cls in BACKENDS.items():
        ok, detail = cls.status(**(configs or {}).get(name, {}))
        out.append(BackendStatus(name, cls.label or name, ok, detail, cls.needs, cls.generative))
    return out
