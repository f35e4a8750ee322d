"""Pytest fixtures around the fakes; import them into a test module (or conftest) by name.

    from tests.fakes.fixtures import llm_server  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.llm_server import LLMServer


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    """A started loopback Ollama + OpenAI server (no latency, unlimited capacity, no key)."""
    with LLMServer() as server:
        yield server
