"""Stepwise refinement: draft, critique the draft against the record, revise."""

from __future__ import annotations

from clinsum.backends.base import Message
from clinsum.strategies.base import STRATEGIES, StrategyContext
from clinsum.strategies.prompted import PromptStrategy


class RefineStrategy(PromptStrategy):
    name = "refine"
    label = "Refinamiento por pasos / Stepwise refinement"
    description = "Three calls: a draft, a critique of the draft against the record, a revision."
    final_stage = "revise"

    def calls_per_record(self, record=None, params=None) -> int:
        return 3

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        prompts = self.prompts(ctx)
        record = ctx.record.text
        draft = ctx.call("draft", prompts.messages("draft", record=record)).output
        critique = ctx.call("critique", prompts.messages("critique", record=record, draft=draft)).output
        return prompts.messages("revise", record=record, draft=draft, critique=critique)


STRATEGIES.register("refine", RefineStrategy())
