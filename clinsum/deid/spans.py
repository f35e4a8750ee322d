"""A PHI span: character offsets into a text, its MEDDOCAN type and surface."""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    type: str
    text: str
    source: str = "model"  # model | model-en (tagger on English text) | rule | field | propagated | gold


def remove_overlaps(spans: list[Span]) -> list[Span]:
    """Keep, among overlapping spans, the tagger's, then rules, then propagated; then the longer."""
    priority = {"gold": 0, "model": 0, "rule": 1, "fill": 1, "model-en": 2, "propagated": 3}
    rules = [s for s in spans if s.source == "rule"]
    # a rule span of the same type that contains a tagger span is the fuller reading of it
    spans = [s for s in spans if not s.source.startswith("model") or not any(
        r.type == s.type and r.start <= s.start and s.end <= r.end and (r.end - r.start) > (s.end - s.start)
        for r in rules)]
    ranked = sorted(spans, key=lambda s: (priority.get(s.source, 3), -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept)
