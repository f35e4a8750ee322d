"""RAG strategies: multi-question RAG (the study's best pipeline, parallelized) and a plain
single-query RAG for comparison. Both work with every generative backend.

Multi-question RAG: the record's parts (sections, see :func:`~clinsum.records.parts.split_parts`)
→ key ideas of every part, in parallel → one batched retrieval for all ideas (top-k each,
a distance threshold, a passage kept only with the idea it is closest to) → a summary of
every part with its passages, in parallel → merge. Critical path: three LLM calls plus
one retrieval, whatever the number of parts (up to the backend's concurrency).

Params (``ctx.params``): ``kb`` (base, default ``seed``), ``top_k``, ``max_distance``,
``max_ideas``, ``part_chars``, ``max_parallel``. Every passage, with its distance, goes to
``SummaryResult.retrieval`` (saved in ``generations.retrieval``); the phase wall times go
to the ``retrieval`` stage's meta and ``SummaryResult.meta["rag"]``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from clinsum.backends.base import Message
from clinsum.rag.pipeline import (
    DEFAULT_MAX_DISTANCE,
    DEFAULT_MAX_IDEAS,
    DEFAULT_TOP_K,
    SectionQueries,
    context_block,
    parse_ideas,
    resolve_base,
    retrieval_rows,
    retrieve_sections,
    section_hits,
)
from clinsum.records.parts import DEFAULT_PART_CHARS, split_parts
from clinsum.strategies.base import STRATEGIES, Stage, StrategyContext, SummaryResult
from clinsum.strategies.by_parts import _labelled
from clinsum.strategies.prompted import PromptStrategy

if TYPE_CHECKING:
    from clinsum.records import Record

RETRIEVAL_STAGE = "retrieval"
SINGLE_QUERY_CHARS = 1500


def _settings(ctx: StrategyContext) -> dict[str, Any]:
    p = ctx.params
    distance = p.get("max_distance", DEFAULT_MAX_DISTANCE)
    return {"kb": resolve_base(ctx.store, p.get("kb")),
            "k": int(p.get("top_k") or DEFAULT_TOP_K),
            "max_distance": None if distance in (None, "", 0) else float(distance),
            "max_ideas": int(p.get("max_ideas") or DEFAULT_MAX_IDEAS),
            "part_chars": int(p.get("part_chars") or DEFAULT_PART_CHARS)}


def _retrieval_stage(ctx: StrategyContext, seconds: float, meta: dict[str, Any]) -> Stage:
    stage = Stage(RETRIEVAL_STAGE, [], output=f"{meta.get('passages', 0)} passage(s)",
                  seconds=round(seconds, 4), meta=meta)
    ctx.record_stage(stage)
    return stage


class RagStrategyBase(PromptStrategy):
    retrieves = True

    def _result(self, ctx: StrategyContext, final: Stage, started: float) -> SummaryResult:
        result = super()._result(ctx, final, started)
        found = next((s for s in ctx.stages if s.name == RETRIEVAL_STAGE), None)
        if found is not None:
            phases = dict(found.meta.get("phases") or {})
            phases[final.name] = final.seconds
            result.meta["rag"] = {**found.meta, "phases": phases}
        return result


class MultiQuestionRag(RagStrategyBase):
    name = "rag_multi"
    label = "RAG multipregunta / Multi-question RAG"
    description = ("Key ideas of every section (in parallel), a knowledge-base lookup per idea, "
                   "section summaries with what was found (in parallel), then a merge.")
    final_stage = "merge"

    def calls_per_record(self, record: Record | None = None, params: dict[str, Any] | None = None) -> int | None:
        """Key ideas and a summary for every part, then the merge."""
        if record is None:
            return None
        part_chars = int((params or {}).get("part_chars") or DEFAULT_PART_CHARS)
        return 2 * len(split_parts(record.text, record.sections, part_chars)) + 1

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        cfg = _settings(ctx)
        prompts = self.prompts(ctx)
        parts = split_parts(ctx.record.text, ctx.record.sections, cfg["part_chars"])
        titles = [p.title or f"{i}" for i, p in enumerate(parts, start=1)]

        t0 = time.perf_counter()
        idea_stages = ctx.call_many([
            (f"ideas {i}", prompts.messages("ideas", title=t, part=p.text, max_ideas=cfg["max_ideas"]))
            for i, (t, p) in enumerate(zip(titles, parts, strict=True), start=1)])
        t_ideas = time.perf_counter() - t0

        sections = []
        for i, (title, part, stage) in enumerate(zip(titles, parts, idea_stages, strict=True), start=1):
            ideas = parse_ideas(stage.output, cfg["max_ideas"])
            if not ideas:  # a model that answered nothing usable: look the section up itself
                ideas = [f"{title}: {part.text[:300]}"]
                ctx.notes.append(f"rag: no key ideas parsed for part {i}; its text was the query")
            sections.append(SectionQueries(i, title, ideas))
        seconds, removed = retrieve_sections(ctx.store, cfg["kb"], sections, cfg["k"], cfg["max_distance"])
        rows = retrieval_rows(sections)
        ctx.retrieval.extend(rows)
        phases = {"ideas": round(t_ideas, 4), RETRIEVAL_STAGE: seconds}
        stage = _retrieval_stage(ctx, seconds, {
            "kb": cfg["kb"], "top_k": cfg["k"], "max_distance": cfg["max_distance"],
            "passages": len(rows), "duplicates_removed": removed, "phases": phases,
            "ideas": [{"section": s.title, "ideas": s.queries} for s in sections]})

        t1 = time.perf_counter()
        summaries = ctx.call_many([
            (f"section {s.index}", prompts.messages("section", title=s.title, part=p.text,
                                                     context=context_block(section_hits(s))))
            for s, p in zip(sections, parts, strict=True)])
        stage.meta["phases"]["sections"] = round(time.perf_counter() - t1, 4)
        joined = "\n\n".join(_labelled(s.title, st.output) for s, st in zip(sections, summaries, strict=True))
        return prompts.messages("merge", summaries=joined)


class SingleQueryRag(RagStrategyBase):
    name = "rag_single"
    label = "RAG simple / Single-query RAG"
    description = "One knowledge-base lookup with the record's opening, then one summary call."
    final_stage = "summary"

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        cfg = _settings(ctx)
        query = ctx.record.text[:SINGLE_QUERY_CHARS]
        section = SectionQueries(1, ctx.record.title or "record", [query])
        seconds, _ = retrieve_sections(ctx.store, cfg["kb"], [section], cfg["k"], cfg["max_distance"])
        rows = retrieval_rows([section])
        ctx.retrieval.extend(rows)
        _retrieval_stage(ctx, seconds, {"kb": cfg["kb"], "top_k": cfg["k"], "max_distance": cfg["max_distance"],
                                        "passages": len(rows), "phases": {RETRIEVAL_STAGE: seconds}})
        return self.prompts(ctx).messages("user", record=ctx.record.text,
                                          context=context_block(section_hits(section)))


STRATEGIES.register("rag_multi", MultiQuestionRag())
STRATEGIES.register("rag_single", SingleQueryRag())
