"""METEOR (Lavie & Agarwal 2007): unigram alignment by exact words, then stems, then WordNet
synonyms; harmonic mean weighted to recall, times a fragmentation penalty.

The alignment follows the greedy order nltk uses (words from the end of the candidate take the
last free matching reference word), so scores agree with ``nltk.translate.meteor_score`` on the
same tokens. Synonyms come from English WordNet and are used for English text only, where
WordNet is installed (:mod:`clinsum.metrics.wordnet`); otherwise details carry a note saying
synonyms were off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from clinsum.metrics import wordnet
from clinsum.metrics.base import HIGHER, LOWER, METRICS, Metric, MetricResult
from clinsum.metrics.tokens import resolve_stem, stem_function, tokenize

Indexed = list[tuple[int, str]]


def _align(hyp: Indexed, ref: Indexed, key: Callable[[str], str] | None = None
           ) -> tuple[list[tuple[int, int]], Indexed, Indexed]:
    """Match equal (keyed) words, last candidate word first; return matches and what is left."""
    hyp_keys = [key(w) if key else w for _, w in hyp]
    positions: dict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[key(word) if key else word].append(j)
    matches, used_h, used_r = [], set(), set()
    for i in range(len(hyp) - 1, -1, -1):
        free = positions.get(hyp_keys[i])
        if free:
            j = free.pop()
            used_h.add(i)
            used_r.add(j)
            matches.append((hyp[i][0], ref[j][0]))
    return (matches, [p for i, p in enumerate(hyp) if i not in used_h],
            [p for j, p in enumerate(ref) if j not in used_r])


def _align_synonyms(hyp: Indexed, ref: Indexed, synonyms: Callable[[str], frozenset[str]]
                    ) -> tuple[list[tuple[int, int]], Indexed, Indexed]:
    positions: dict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[word].append(j)
    matches, used_h, used_r = [], set(), set()
    for i in range(len(hyp) - 1, -1, -1):
        word = hyp[i][1]
        best_j, best_word = -1, None
        for syn in synonyms(word) | {word}:
            free = positions.get(syn)
            if free and free[-1] > best_j:
                best_j, best_word = free[-1], syn
        if best_word is not None:
            positions[best_word].pop()
            used_h.add(i)
            used_r.add(best_j)
            matches.append((hyp[i][0], ref[best_j][0]))
    return (matches, [p for i, p in enumerate(hyp) if i not in used_h],
            [p for j, p in enumerate(ref) if j not in used_r])


def chunks(matches: list[tuple[int, int]]) -> int:
    """Fewest runs of matches adjacent in both candidate and reference."""
    count = 1 if matches else 0
    for (h0, r0), (h1, r1) in zip(matches, matches[1:], strict=False):
        if not (h1 == h0 + 1 and r1 == r0 + 1):
            count += 1
    return count


def meteor_tokens(hypothesis: Sequence[str], reference: Sequence[str], *,
                  stemmer: Callable[[str], str] | None = None,
                  synonyms: Callable[[str], frozenset[str]] | None = None,
                  alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5) -> dict[str, float]:
    """METEOR of lowercased token lists: ``meteor``, ``meteor_p``, ``meteor_r``, ``meteor_penalty``."""
    hyp: Indexed = list(enumerate(w.lower() for w in hypothesis))
    ref: Indexed = list(enumerate(w.lower() for w in reference))
    exact, hyp_left, ref_left = _align(hyp, ref)
    stemmed, hyp_left, ref_left = _align(hyp_left, ref_left, stemmer) if stemmer else ([], hyp_left, ref_left)
    syn, _, _ = _align_synonyms(hyp_left, ref_left, synonyms) if synonyms else ([], [], [])
    matches = sorted(exact + stemmed + syn)
    zero = {"meteor": 0.0, "meteor_p": 0.0, "meteor_r": 0.0, "meteor_penalty": 0.0}
    if not matches or not hyp or not ref:
        return zero
    precision, recall = len(matches) / len(hyp), len(matches) / len(ref)
    fmean = precision * recall / (alpha * precision + (1 - alpha) * recall)
    penalty = gamma * (chunks(matches) / len(matches)) ** beta
    return {"meteor": (1 - penalty) * fmean, "meteor_p": precision, "meteor_r": recall,
            "meteor_penalty": penalty}


@METRICS.register("meteor")
class Meteor(Metric):
    """METEOR on lowercased Unicode tokens; ``stem``: auto (Snowball Spanish for Spanish text,
    Porter for English), porter, spanish, english or none; ``synonyms``: auto (English text with
    WordNet installed) or off."""

    name = "meteor"
    base_version = "1"
    directions = {"meteor": HIGHER, "meteor_p": HIGHER, "meteor_r": HIGHER, "meteor_penalty": LOWER}
    needs = ("reference",)

    def __init__(self, stem: str | None = "auto", synonyms: str = "auto", alpha: float = 0.9,
                 beta: float = 3.0, gamma: float = 0.5, **options: Any) -> None:
        super().__init__(stem=stem, synonyms=synonyms, **options)
        resolve_stem(stem, "x")
        self.stem = None if stem == "none" else stem
        self.synonyms = synonyms if synonyms in ("auto", "off") else "auto"
        self.params = {"alpha": alpha, "beta": beta, "gamma": gamma}

    def version_options(self) -> dict[str, Any]:
        wn = "wn" if self.synonyms == "auto" and wordnet.reader() is not None else "nown"
        return {"stem": self.stem, "syn": wn,
                "p": None if self.params == {"alpha": 0.9, "beta": 3.0, "gamma": 0.5}
                else "{alpha}/{beta}/{gamma}".format(**self.params)}

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        from clinsum.text import detect_language

        language = language or detect_language(f"{reference or ''}\n{candidate or ''}")
        stem_name = resolve_stem(self.stem, reference or candidate or "", language)
        use_syn = self.synonyms == "auto" and language == "en"
        available = use_syn and wordnet.reader() is not None
        values = meteor_tokens(
            tokenize(candidate or ""), tokenize(reference or ""),
            stemmer=stem_function(stem_name) if stem_name else None,
            synonyms=wordnet.synonyms if available else None, **self.params,
        )
        details: dict[str, Any] = {"stemmer": stem_name, "synonyms": available}
        if not available:
            details["note"] = (
                "synonyms off: WordNet is English-only" if self.synonyms == "auto" and language != "en"
                else "synonyms off" if self.synonyms == "off"
                else wordnet.status()[1]
            )
        return MetricResult(dict(values), details)


def synonyms_status() -> tuple[bool, str]:
    """For the UI: whether METEOR can use synonyms here, and a sentence saying so."""
    return wordnet.status()
