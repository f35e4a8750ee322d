"""Pieces of the RAG strategies that need no LLM: ideas parsing, context blocks, retrieval rows.

:func:`preview_for_record` retrieves passages for each section of a record using the
section's own text as the query: what the live page shows when only the extractive backend
is available (generation, and key ideas, need an LLM backend).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clinsum.errors import InputError
from clinsum.rag.search import Hit, retrieve

if TYPE_CHECKING:
    from clinsum.records import Record
    from clinsum.store import Store

DEFAULT_BASE = "seed"
DEFAULT_TOP_K = 3
DEFAULT_MAX_DISTANCE = 0.75
DEFAULT_MAX_IDEAS = 4
PASSAGE_CHARS = 600
_BULLET = re.compile(r"^\s*(?:[-*•·–]+|\d{1,2}[.)]|[a-z][.)])\s*", re.IGNORECASE)


@dataclass
class SectionQueries:
    """The queries of one section (key ideas, or the section text) and their passages."""

    index: int
    title: str
    queries: list[str]
    hits: list[list[Hit]] = field(default_factory=list)


def parse_ideas(text: str, max_ideas: int = DEFAULT_MAX_IDEAS) -> list[str]:
    """One idea per line of a model's answer, bullets and numbers removed, duplicates dropped."""
    ideas: list[str] = []
    for line in (text or "").splitlines():
        idea = _BULLET.sub("", line).strip().strip("*").strip()
        if len(idea) >= 4 and idea.lower() not in {i.lower() for i in ideas}:
            ideas.append(idea)
        if len(ideas) >= max_ideas:
            break
    return ideas


def resolve_base(store: Store | None, name: str | None) -> str:
    """The base to use (the seed base is created on first use); InputError without a workspace."""
    from clinsum.rag.bases import get_base
    from clinsum.rag.seed import SEED_NAME, ensure_seed

    if store is None:
        raise InputError("RAG needs a workspace with a knowledge base.",
                         hint="Run it on a workspace (the seed base is created on first use).")
    name = name or DEFAULT_BASE
    if name == SEED_NAME:
        ensure_seed(store)
    else:
        get_base(store, name)
    return name


def retrieve_sections(
    store: Store, base: str, sections: list[SectionQueries], k: int = DEFAULT_TOP_K,
    max_distance: float | None = DEFAULT_MAX_DISTANCE,
) -> tuple[float, int]:
    """Fill ``hits`` of every section with one batched retrieval (de-duplicated across all
    queries of the record); return (seconds, duplicates removed)."""
    flat = [(si, qi, q) for si, s in enumerate(sections) for qi, q in enumerate(s.queries)]
    for s in sections:
        s.hits = [[] for _ in s.queries]
    if not flat:
        return 0.0, 0
    found = retrieve(store, base, [q for _, _, q in flat], k, max_distance)
    for (si, qi, _), hits in zip(flat, found.hits, strict=True):
        sections[si].hits[qi] = hits
    return found.seconds, found.removed_duplicates


def context_block(hits: list[Hit], chars: int = PASSAGE_CHARS) -> str:
    """Numbered passages for a prompt (or a dash when nothing was close enough)."""
    if not hits:
        return "-"
    return "\n".join(f"[{i}] {' '.join(h.text.split())[:chars]}" for i, h in enumerate(hits, start=1))


def retrieval_rows(sections: list[SectionQueries]) -> list[dict[str, Any]]:
    """Every retrieved passage with its distance, section and query: ``generations.retrieval``."""
    rows = []
    for s in sections:
        for qi, (query, hits) in enumerate(zip(s.queries, s.hits, strict=True)):
            for hit in hits:
                rows.append({"section": s.title, "section_index": s.index, "idea": query,
                             "idea_index": qi, "id": hit.id, "text": hit.text,
                             "distance": hit.distance, "score": hit.score, "rank": hit.rank,
                             "base": hit.base, "meta": hit.meta})
    return rows


def section_hits(section: SectionQueries) -> list[Hit]:
    """The section's passages, closest first."""
    return sorted((h for hits in section.hits for h in hits), key=lambda h: h.distance)


def preview_for_record(
    store: Store, record: Record, base: str | None = None, k: int = DEFAULT_TOP_K,
    max_distance: float | None = DEFAULT_MAX_DISTANCE, part_chars: int = 6000,
) -> tuple[list[SectionQueries], float]:
    """Passages per section with the section text itself as the query (no LLM needed)."""
    from clinsum.records.parts import split_parts

    base = resolve_base(store, base)
    parts = split_parts(record.text, record.sections, part_chars)
    sections = [SectionQueries(i, p.title or f"{i}", [p.text[:500]]) for i, p in enumerate(parts, start=1)]
    seconds, _ = retrieve_sections(store, base, sections, k, max_distance)
    return sections, seconds
