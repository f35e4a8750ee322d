"""Surface statistics of a summary: distinct-1/2, 3-gram repetition, length, compression."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from clinsum.metrics.base import HIGHER, LOWER, METRICS, NEUTRAL, Metric, MetricResult, Pair
from clinsum.metrics.tokens import ngrams, tokenize


def distinct(tokens: list[str], n: int) -> float | None:
    """Distinct n-grams over all n-grams (Li et al. 2016); None without any n-gram."""
    grams = ngrams(tokens, n)
    return len(set(grams)) / len(grams) if grams else None


def repetition(tokens: list[str], n: int = 3) -> float | None:
    """Share of n-gram occurrences that repeat an earlier one (0: no repetition)."""
    grams = ngrams(tokens, n)
    if not grams:
        return None
    counts = Counter(grams)
    return sum(c - 1 for c in counts.values()) / len(grams)


@METRICS.register("lexical")
class Lexical(Metric):
    """``distinct_1``, ``distinct_2``, ``repetition_3``, ``n_tokens``, ``n_chars`` and
    ``compression`` (source tokens per summary token; needs the source)."""

    name = "lexical"
    base_version = "1"
    directions = {"distinct_1": HIGHER, "distinct_2": HIGHER, "repetition_3": LOWER,
                  "n_tokens": NEUTRAL, "n_chars": NEUTRAL, "compression": NEUTRAL}
    needs = ()
    uses_reference = False

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self._compute(candidate, None if source is None else len(tokenize(source)))

    def compute_many(self, pairs: Sequence[Pair], progress=None) -> list[MetricResult]:
        lengths: dict[str, int] = {}
        out = []
        for i, p in enumerate(pairs):
            if p.source is not None and p.source not in lengths:
                lengths[p.source] = len(tokenize(p.source))
            out.append(self._compute(p.candidate, None if p.source is None else lengths[p.source]))
            if progress:
                progress(i + 1)
        return out

    def _compute(self, candidate: str, n_source: int | None) -> MetricResult:
        tokens = tokenize(candidate or "")
        values: dict[str, float | None] = {
            "distinct_1": distinct(tokens, 1),
            "distinct_2": distinct(tokens, 2),
            "repetition_3": repetition(tokens, 3),
            "n_tokens": float(len(tokens)),
            "n_chars": float(len(candidate or "")),
            "compression": None,
        }
        details: dict[str, Any] = {}
        if n_source is not None:
            values["compression"] = n_source / len(tokens) if tokens else None
            details["source_tokens"] = n_source
        return MetricResult(values, details)
