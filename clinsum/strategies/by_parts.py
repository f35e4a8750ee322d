"""Summarization by parts: one call per section (in parallel), then a merge.

Sections come from ``record.sections``. Small neighbouring sections are grouped and very
long ones are cut at paragraph or sentence boundaries so that every part stays under
``part_chars`` (a parameter). When there are more partial summaries than ``merge_fanout``
they are merged in groups first, so a 200-page record never builds one enormous prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinsum.backends.base import Message
from clinsum.records.sections import Section
from clinsum.strategies.base import STRATEGIES, StrategyContext
from clinsum.strategies.prompted import PromptStrategy

DEFAULT_PART_CHARS = 6000
DEFAULT_MERGE_FANOUT = 12


@dataclass
class Part:
    title: str
    text: str


def split_parts(text: str, sections: list[Section], part_chars: int = DEFAULT_PART_CHARS) -> list[Part]:
    """Parts of at most about ``part_chars`` characters, following section boundaries."""
    pieces: list[Part] = []
    for section in sections or []:
        body = text[section.start : section.end].strip()
        if not body:
            continue
        for chunk in _cut(body, part_chars):
            pieces.append(Part(section.title or section.kind, chunk))
    if not pieces and text.strip():
        pieces = [Part("", chunk) for chunk in _cut(text.strip(), part_chars)]
    parts: list[Part] = []
    for piece in pieces:  # group small neighbours
        if parts and len(parts[-1].text) + len(piece.text) + 2 <= part_chars // 2:
            last = parts[-1]
            title = last.title if piece.title == last.title else f"{last.title} / {piece.title}"
            parts[-1] = Part(title.strip(" /"), f"{last.text}\n\n{piece.text}")
        else:
            parts.append(piece)
    return parts


def _cut(text: str, limit: int) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, cut at blank lines, lines or spaces."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit
        chunks.append(text[:cut].strip())
        text = text[cut:].strip()
    if text.strip():
        chunks.append(text.strip())
    return [c for c in chunks if c]


class ByPartsStrategy(PromptStrategy):
    name = "by_parts"
    label = "Por partes / By parts"
    description = ("Summarize each section in parallel, then merge the partial summaries "
                   "(the best strategy in the study this workbench follows).")
    final_stage = "merge"

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


def _labelled(title: str, summary: str) -> str:
    title = re.sub(r"\s+", " ", title or "").strip()
    return f"[{title}]\n{summary.strip()}" if title else summary.strip()


STRATEGIES.register("by_parts", ByPartsStrategy())
