"""BLEU (Papineni et al. 2002) with Chen & Cherry (2014) smoothing, sentence and corpus level.

Written from the definitions: clipped n-gram precisions (1–4 by default), the brevity penalty
against the closest reference length, and smoothing methods 0–4 of Chen & Cherry with the
same conventions as nltk's ``SmoothingFunction`` (the tests check parity). Per-candidate
details keep the raw counts, so corpus BLEU of any group of stored rows can be recomputed
with :func:`corpus_bleu_from_details`.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from clinsum.errors import ConfigError
from clinsum.metrics.base import HIGHER, METRICS, NEUTRAL, Metric, MetricResult, Pair
from clinsum.metrics.tokens import ngrams, tokenize

DEFAULT_WEIGHTS = (0.25, 0.25, 0.25, 0.25)
SMOOTHING_METHODS = (0, 1, 2, 3, 4)


class BleuStats:
    """Summed clipped n-gram matches and totals, hypothesis and closest-reference lengths."""

    def __init__(self, max_n: int = 4) -> None:
        self.numerators = [0] * max_n
        self.denominators = [0] * max_n
        self.hyp_len = 0
        self.ref_len = 0

    def add(self, hypothesis: Sequence[str], references: Sequence[Sequence[str]]) -> BleuStats:
        max_n = len(self.numerators)
        return self.add_counts(ngram_counts(hypothesis, max_n), len(hypothesis),
                               [ngram_counts(r, max_n) for r in references], [len(r) for r in references])

    def add_counts(self, hyp: list[Counter], hyp_len: int, refs: Sequence[list[Counter]],
                   ref_lens: Sequence[int]) -> BleuStats:
        """:meth:`add` from precomputed :func:`ngram_counts` (texts repeated across pairs)."""
        for n in range(1, len(self.numerators) + 1):
            counts = hyp[n - 1]
            if not refs:
                hits = 0
            elif len(refs) == 1:
                ref_counts = refs[0][n - 1]
                hits = sum(min(c, ref_counts[g]) for g, c in counts.items() if g in ref_counts)
            else:
                hits = sum(min(c, max(r[n - 1].get(g, 0) for r in refs)) for g, c in counts.items())
            self.numerators[n - 1] += hits
            self.denominators[n - 1] += max(1, hyp_len - n + 1)
        self.hyp_len += hyp_len
        if ref_lens:
            self.ref_len += min(ref_lens, key=lambda r: (abs(r - hyp_len), r))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"num": self.numerators, "den": self.denominators,
                "hyp_len": self.hyp_len, "ref_len": self.ref_len}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BleuStats:
        stats = cls(len(data["num"]))
        stats.numerators, stats.denominators = list(data["num"]), list(data["den"])
        stats.hyp_len, stats.ref_len = int(data["hyp_len"]), int(data["ref_len"])
        return stats

    def merge(self, other: BleuStats) -> BleuStats:
        for i in range(len(self.numerators)):
            self.numerators[i] += other.numerators[i]
            self.denominators[i] += other.denominators[i]
        self.hyp_len += other.hyp_len
        self.ref_len += other.ref_len
        return self


def ngram_counts(tokens: Sequence[str], max_n: int) -> list[Counter]:
    """Counters of the 1- … ``max_n``-grams of ``tokens``."""
    tokens = list(tokens)
    return [Counter(ngrams(tokens, n)) for n in range(1, max_n + 1)]


def brevity_penalty(ref_len: int, hyp_len: int) -> float:
    if hyp_len > ref_len:
        return 1.0
    if hyp_len == 0:
        return 0.0
    return math.exp(1 - ref_len / hyp_len)


def smoothed_precisions(stats: BleuStats, method: int, epsilon: float = 0.1, k: int = 5) -> list[float]:
    """Precisions after Chen & Cherry smoothing ``method`` (0: none, 1: +epsilon on zero counts,
    2: +1 to counts and totals beyond unigrams, 3: NIST 1/2^k, 4: 3 scaled by hypothesis length)."""
    if method not in SMOOTHING_METHODS:
        raise ConfigError(f"Unknown BLEU smoothing method {method!r}.", hint="Use 0, 1, 2, 3 or 4.")
    out: list[float] = []
    doubling = 1
    for i, (num, den) in enumerate(zip(stats.numerators, stats.denominators, strict=True)):
        if method == 2 and i > 0:
            out.append((num + 1) / (den + 1))
        elif num != 0 or method == 2:
            out.append(num / den)
        elif method == 0:
            out.append(sys.float_info.min)
        elif method == 1:
            out.append((num + epsilon) / den)
        elif method == 3:
            out.append(1 / (2**doubling * den))
            doubling += 1
        elif stats.hyp_len > 1:  # method 4
            out.append(1 / (2**doubling * k / math.log(stats.hyp_len)) / den)
            doubling += 1
        else:
            out.append(0.0)
    return out


def bleu_from_stats(stats: BleuStats, weights: Sequence[float] = DEFAULT_WEIGHTS,
                    smoothing: int = 1) -> float:
    if stats.numerators[0] == 0:
        return 0.0
    precisions = smoothed_precisions(stats, smoothing)
    bp = brevity_penalty(stats.ref_len, stats.hyp_len)
    logs = (w * math.log(p) for w, p in zip(weights, precisions, strict=False) if p > 0)
    return bp * math.exp(math.fsum(logs))


def sentence_bleu(references: Sequence[Sequence[str]], hypothesis: Sequence[str],
                  weights: Sequence[float] = DEFAULT_WEIGHTS, smoothing: int = 1) -> float:
    """BLEU of one tokenized hypothesis against its tokenized references."""
    return bleu_from_stats(BleuStats(len(weights)).add(hypothesis, references), weights, smoothing)


def corpus_bleu(list_of_references: Sequence[Sequence[Sequence[str]]],
                hypotheses: Sequence[Sequence[str]], weights: Sequence[float] = DEFAULT_WEIGHTS,
                smoothing: int = 1) -> float:
    """Corpus BLEU: counts summed over every hypothesis before the precisions are taken."""
    if len(list_of_references) != len(hypotheses):
        raise ConfigError("Corpus BLEU needs one list of references per hypothesis.")
    stats = BleuStats(len(weights))
    for refs, hyp in zip(list_of_references, hypotheses, strict=True):
        stats.add(hyp, refs)
    return bleu_from_stats(stats, weights, smoothing)


def corpus_bleu_from_details(details: Iterable[dict[str, Any]], smoothing: int = 1) -> float | None:
    """Corpus BLEU of stored rows (the ``details`` of each ``bleu`` value); None if there are none."""
    total: BleuStats | None = None
    for item in details:
        if not item or "num" not in item:
            continue
        stats = BleuStats.from_dict(item)
        total = stats if total is None else total.merge(stats)
    if total is None:
        return None
    return bleu_from_stats(total, (1 / len(total.numerators),) * len(total.numerators), smoothing)


@METRICS.register("bleu")
class Bleu(Metric):
    """Sentence BLEU on lowercased Unicode word tokens; options ``smoothing`` (0–4, default 1)
    and ``max_n`` (default 4, uniform weights)."""

    name = "bleu"
    base_version = "1"
    directions = {"bleu": HIGHER, "bleu_p1": HIGHER, "bleu_p2": HIGHER, "bleu_p3": HIGHER,
                  "bleu_p4": HIGHER, "bleu_bp": HIGHER, "bleu_len_ratio": NEUTRAL}
    needs = ("reference",)

    def __init__(self, smoothing: int = 1, max_n: int = 4, **options: Any) -> None:
        super().__init__(smoothing=smoothing, max_n=max_n, **options)
        if int(smoothing) not in SMOOTHING_METHODS or not 1 <= int(max_n) <= 4:
            raise ConfigError("BLEU options: smoothing 0–4 and max_n 1–4.")
        self.smoothing = int(smoothing)
        self.max_n = int(max_n)

    def version_options(self) -> dict[str, Any]:
        return {"smooth": self.smoothing, "n": None if self.max_n == 4 else self.max_n}

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self.compute_many([Pair(candidate, reference, source, language)])[0]

    def compute_many(self, pairs: Sequence[Pair], progress=None) -> list[MetricResult]:
        cache: dict[str, tuple[list[Counter], int]] = {}

        def counts(text: str | None) -> tuple[list[Counter], int]:
            text = text or ""
            if text not in cache:
                tokens = tokenize(text)
                cache[text] = (ngram_counts(tokens, self.max_n), len(tokens))
            return cache[text]

        weights = (1 / self.max_n,) * self.max_n
        out = []
        for k, pair in enumerate(pairs):
            (hyp, hyp_len), (ref, ref_len) = counts(pair.candidate), counts(pair.reference)
            stats = BleuStats(self.max_n).add_counts(hyp, hyp_len, [ref], [ref_len])
            values: dict[str, float | None] = {"bleu": bleu_from_stats(stats, weights, self.smoothing)}
            for n in range(1, 5):
                values[f"bleu_p{n}"] = (
                    stats.numerators[n - 1] / stats.denominators[n - 1] if n <= self.max_n else None
                )
            values["bleu_bp"] = brevity_penalty(stats.ref_len, stats.hyp_len)
            values["bleu_len_ratio"] = stats.hyp_len / stats.ref_len if stats.ref_len else None
            out.append(MetricResult(values, stats.to_dict()))
            if progress:
                progress(k + 1)
        return out
