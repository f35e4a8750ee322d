"""Summarization by parts: one call per section (in parallel), then a merge.

Sections come from ``record.sections``. Small neighbouring sections are grouped and very
long ones are cut at paragraph or sentence boundaries so that every part stays under
``part_chars`` (a parameter). When there are more partial summaries than ``merge_fanout``
they are merged in groups first, so a 200-page record never builds one enormous prompt.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from clinsum.backends.base import Message
from clinsum.records.parts import (  # noqa: F401 - re-exported for older imports
    DEFAULT_PART_CHARS,
    Part,
    split_parts,
)
from clinsum.strategies.base import STRATEGIES, StrategyContext
from clinsum.strategies.prompted import PromptStrategy

if TYPE_CHECKING:
    from clinsum.records import Record

DEFAULT_MERGE_FANOUT = 12


class ByPartsStrategy(PromptStrategy):
    name = "by_parts"
    label = "Por partes / By parts"
    description = ("Summarize each section in parallel, then merge the partial summaries "
                   "(the best strategy in the study this workbench follows).")
    final_stage = "merge"

    def calls_per_record(self, record: Record | None = None, params: dict[str, Any] | None = None) -> int | None:
        """One call per part, the intermediate merges, then the final merge."""
        if record is None:
            return None
        params = params or {}
        parts = split_parts(record.text, record.sections, int(params.get("part_chars") or DEFAULT_PART_CHARS))
        return len(parts) + merge_calls(len(parts), int(params.get("merge_fanout") or DEFAULT_MERGE_FANOUT))

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        prompts = self.prompts(ctx)
        part_chars = int(ctx.params.get("part_chars") or DEFAULT_PART_CHARS)
        fanout = max(2, int(ctx.params.get("merge_fanout") or DEFAULT_MERGE_FANOUT))
        parts = split_parts(ctx.record.text, ctx.record.sections, part_chars)
        stages = ctx.call_many(
            [(f"part {i}", prompts.messages("part", title=p.title or "-", part=p.text))
             for i, p in enumerate(parts, start=1)]
        )
        summaries = [_labelled(p.title, s.output) for p, s in zip(parts, stages, strict=True)]
        level = 1
        while len(summaries) > fanout:
            groups = [summaries[i : i + fanout] for i in range(0, len(summaries), fanout)]
            merged = ctx.call_many(
                [(f"merge {level}.{i}", prompts.messages("merge", summaries="\n\n".join(g)))
                 for i, g in enumerate(groups, start=1)]
            )
            summaries = [s.output for s in merged]
            level += 1
        return prompts.messages("merge", summaries="\n\n".join(summaries))


def merge_calls(summaries: int, fanout: int = DEFAULT_MERGE_FANOUT) -> int:
    """Merge calls for ``summaries`` partial summaries: groups of ``fanout`` first, then one."""
    fanout, calls = max(2, fanout), 1
    while summaries > fanout:
        summaries = -(-summaries // fanout)
        calls += summaries
    return calls


def _labelled(title: str, summary: str) -> str:
    title = re.sub(r"\s+", " ", title or "").strip()
    return f"[{title}]\n{summary.strip()}" if title else summary.strip()


STRATEGIES.register("by_parts", ByPartsStrategy())
