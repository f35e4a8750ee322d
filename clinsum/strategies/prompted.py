"""Strategies driven by a prompt file: the shared base, plus template and chain-of-thought."""

from __future__ import annotations

from clinsum.backends.base import Message
from clinsum.strategies.base import STRATEGIES, Strategy, StrategyContext
from clinsum.strategies.prompts import PromptSet, load_prompts, prompt_language


class PromptStrategy(Strategy):
    """A strategy whose prompts live in ``prompts/<language>/<name>.toml``."""

    def prompts(self, ctx: StrategyContext) -> PromptSet:
        return load_prompts(self.name, ctx.language, ctx.store)

    def prompt_version(self, ctx: StrategyContext) -> str:
        return f"{self.name}/{prompt_language(ctx.language)}@{self.prompts(ctx).version}"


class SingleCall(PromptStrategy):
    """One call: the ``user`` template filled with the record."""

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        return self.prompts(ctx).messages("user", record=ctx.record.text)


class TemplateStrategy(SingleCall):
    name = "template"
    label = "Plantilla / Template"
    description = "A fixed summary structure (reason, history, course, tests, diagnosis, plan)."


class ChainOfThoughtStrategy(SingleCall):
    name = "chain_of_thought"
    label = "Cadena de razonamiento / Chain of thought"
    description = ("Reason step by step inside <reasoning> tags, then summarize; the reasoning "
                   "is kept in the raw output and stripped from the summary.")


STRATEGIES.register("template", TemplateStrategy())
STRATEGIES.register("chain_of_thought", ChainOfThoughtStrategy())
