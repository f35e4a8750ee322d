"""A backend, a strategy and a metric written the way DEVELOPING.md's recipes say, for
``tests/pages/test_plugins.py``: each is registered there (the backend as a lazy ``"module:attr"``
target) and the rest of the program must pick it up with no other file changed."""

from __future__ import annotations

import time
from typing import Any

from clinsum.backends.base import (
    Backend,
    GenerationOptions,
    GenerationResult,
    Message,
    timed_result,
)
from clinsum.metrics.base import HIGHER, Metric, MetricResult
from clinsum.strategies.base import Strategy, StrategyContext

ECHO_URL = "echo://127.0.0.1/loop"
STRINGS = {
    "backends.echo.label": ("Eco (de prueba)", "Echo (test backend)"),
    "backends.echo.needs": ("Nada.", "Nothing."),
    "strategy.two_step.description": ("Un borrador y luego un resumen.", "A draft, then a summary."),
}


class EchoBackend(Backend):
    """Answers with the start of the last message it was sent."""

    name = "echo"
    label = "Echo (test backend)"
    needs = "Nothing."
    default_concurrency = 5
    preference = 0  # preferred over every built-in backend
    server_setting = "url"  # the key server_config fills; a grid's endpoints replace it

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        return ["echo-1"]

    @classmethod
    def server_config(cls) -> dict[str, Any]:
        return {cls.server_setting: ECHO_URL}

    @classmethod
    def settings_key(cls) -> str:
        return ECHO_URL

    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        return timed_result(self, "ECHO " + messages[-1]["content"][:60], time.perf_counter())


class TwoStepStrategy(Strategy):
    """A draft, then a summary of the draft; it looks nothing up but says it retrieves, so the
    pages show the knowledge-base settings for it."""

    name = "two_step"
    label = "Two steps"
    description = "A draft, then a summary."
    retrieves = True

    def calls_per_record(self, record=None, params=None) -> int:
        return 2

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        draft = ctx.call("draft", [{"role": "user", "content": ctx.record.text}]).output
        return [{"role": "user", "content": f"Summarize: {draft}"}]


class ShoutMetric(Metric):
    """The share of upper-case letters in the candidate (no reference needed)."""

    name = "shout"
    directions = {"shout_share": HIGHER}
    needs = ()
    uses_reference = False

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        letters = [c for c in candidate if c.isalpha()]
        return MetricResult({"shout_share": sum(c.isupper() for c in letters) / max(len(letters), 1)})
