"""Extractive summaries: key sentences of each section, chosen with the bundled MiniLM embeddings.

Not a language model: it copies sentences from the record (the label says so everywhere), so
it needs no server and no download, and the same record always gives the same summary.

The record text is ``config["record_text"]`` when given, else the content of the last user
message (strategies send the record itself as the only user message to a backend whose
``generative`` is False). Models: ``minilm-mmr`` (maximal marginal relevance against each
section's centroid, the default), ``minilm-textrank`` (PageRank over the section's
sentence-similarity graph) and ``lead-k`` (the classic baseline: each section's first
sentences, no embeddings). Steps: split into sections (:func:`split_sections`), drop
sentences that repeat an earlier one (copy-paste redundancy: same words, or cosine ≥
``dedup_threshold``, default 0.92; ``dedup=False`` keeps them),
rank each section's sentences, then share the word budget among sections in proportion to
their length and write ``Heading:`` + the chosen sentences in record order.

Only what the backend uses is stored with a summary: no strategy prompt, no temperature
(see :func:`clinsum.generation.generation_row`). Speed: one embedding pass over the record's
distinct sentences (the vectors of the last records are kept, so MMR and TextRank on the same
record embed it once); ``config["progress"]``, when given, is called with a step name
(``load``, ``embed``, ``select``, see :meth:`Backend.step`) and its details, so a page can say
what is happening.

Word budget: ``config["max_words"]``, else ``min(0.75 × max_new_tokens, max(80, ratio ×
record words))`` with ``ratio`` (config, default 0.25); headings count towards it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from clinsum.backends.base import (
    BACKENDS,
    Backend,
    GenerationOptions,
    GenerationResult,
    Message,
    timed_result,
)
from clinsum.errors import BackendUnavailable, InputError
from clinsum.records.sections import split_sections
from clinsum.text import normalize, sentences, words

METHODS = {"minilm-mmr": "mmr", "minilm-textrank": "textrank", "lead-k": "lead"}
DEFAULT_MODEL = "minilm-mmr"
#: how much of the budget a section kind earns per word: the reason, the diagnosis and the
#: plan matter most; identifiers, administration and signatures least
KIND_WEIGHTS = {"reason": 3.0, "assessment": 3.0, "plan": 1.5, "treatment": 1.5,
                "patient_data": 0.3, "admin": 0.2, "report": 0.5, "signature": 0.0}


_VECTORS: OrderedDict[str, np.ndarray] = OrderedDict()  # sentences digest → vectors
_VECTORS_KEPT = 8
_BULLET = re.compile(r"^\s*(?:[-•*·]|\d{1,2}[.)])\s")


def _informative(sentence: str) -> bool:
    """A sentence worth selecting: it has a word of three letters or more (not just ``2.``)."""
    return any(sum(ch.isalpha() for ch in w) >= 3 for w in words(sentence))


@dataclass
class Candidate:
    section: int
    order: int  # position in the record
    text: str
    n_words: int


def sentence_vectors(texts: list[str], progress: Callable[..., None] | None = None) -> np.ndarray:
    """Embeddings of ``texts`` (the bundled MiniLM), from the last few records' when known."""
    from clinsum.embeddings import embed, encoder

    digest = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()
    if digest in _VECTORS:
        _VECTORS.move_to_end(digest)
        return _VECTORS[digest]
    if progress:
        if encoder.cache_info().currsize == 0:
            progress("load")
            encoder()
        progress("embed", done=0, sentences=len(texts))
    vectors = embed(texts, progress=(lambda done, n: progress("embed", done=done, sentences=n)) if progress else None)
    _VECTORS[digest] = vectors
    while len(_VECTORS) > _VECTORS_KEPT:
        _VECTORS.popitem(last=False)
    return vectors


def word_budget(record_words: int, options: GenerationOptions, config: dict[str, Any]) -> int:
    """How many words the summary may have (headings included)."""
    if config.get("max_words"):
        return max(1, int(config["max_words"]))
    ratio = float(config.get("ratio", 0.25))
    return max(1, min(int(options.max_new_tokens * 0.75), max(80, int(ratio * record_words))))


def mmr_rank(vectors: np.ndarray, lam: float = 0.7) -> list[int]:
    """Indices by maximal marginal relevance to the centroid (relevance vs. redundancy), O(n²)."""
    n = len(vectors)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    relevance = vectors @ centroid
    similarity = vectors @ vectors.T
    redundancy = np.zeros(n, dtype=np.float64)  # max similarity to anything chosen so far
    taken = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    for step in range(n):
        scores = np.where(taken, -np.inf, lam * relevance - (1 - lam) * redundancy)
        best = int(np.argmax(scores))  # argmax takes the first (earliest) on ties
        chosen.append(best)
        taken[best] = True
        column = similarity[:, best]
        redundancy = column.astype(np.float64) if step == 0 else np.maximum(redundancy, column)
    return chosen


def textrank_rank(vectors: np.ndarray, damping: float = 0.85, iterations: int = 50) -> list[int]:
    """Indices by PageRank over the cosine-similarity graph of the sentences."""
    n = len(vectors)
    weights = np.clip(vectors @ vectors.T, 0, None)
    np.fill_diagonal(weights, 0)
    sums = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, sums, out=np.full_like(weights, 1.0 / n), where=sums > 0)
    score = np.full(n, 1.0 / n)
    for _ in range(iterations):
        score = (1 - damping) / n + damping * transition.T @ score
    return sorted(range(n), key=lambda i: (-round(float(score[i]), 9), i))


@BACKENDS.register("extractive")
class ExtractiveBackend(Backend):
    name = "extractive"
    default_concurrency = 2
    preference = 4  # the last resort: not a language model
    label = "Extractive (selected sentences, not a language model)"  # ui: backends.extractive.label
    needs = "Nothing: it uses the bundled all-MiniLM-L6-v2 embeddings, offline."
    generative = False

    def __init__(self, model: str = DEFAULT_MODEL, **config: Any) -> None:
        super().__init__(model or DEFAULT_MODEL, **config)
        if self.model not in METHODS:
            raise BackendUnavailable(f"Unknown extractive method {self.model!r}.",
                                     hint="Use one of: " + ", ".join(METHODS) + ".")

    def record_text(self, messages: list[Message]) -> str:
        if self.config.get("record_text"):
            return str(self.config["record_text"])
        users = [m.get("content") or "" for m in messages if m.get("role") == "user"]
        return users[-1] if users else ""

    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        started = time.perf_counter()
        text = normalize(self.record_text(messages))
        if not text.strip():
            raise InputError("The record is empty: there is nothing to summarize.",
                             hint="Paste or pick a record with text.", key="error.record_empty")
        sections = split_sections(text)
        headed = any(s.kind != "block" for s in sections)
        found = [Candidate(i, 0, sentence, len(words(sentence)))
                 for i, section in enumerate(sections)
                 for sentence in sentences(section.body(text)) if _informative(sentence)]
        if not found:
            raise InputError("The record has no sentences to select (only headings or numbers).",
                             hint="Check the record's text, or use a language model backend.")
        candidates = self._drop_repeats(found)  # before embedding: copies cost nothing
        for order, cand in enumerate(candidates):
            cand.order = order
        t_embed = time.perf_counter()
        lead = METHODS[self.model] == "lead"
        vectors = (np.zeros((len(candidates), 1), dtype=np.float32) if lead
                   else sentence_vectors([c.text for c in candidates], self.step))
        t_select = time.perf_counter()
        self.step("select", sentences=len(candidates))
        keep = list(range(len(candidates))) if lead else self._drop_near_duplicates(vectors)
        dropped = len(found) - len(keep)
        budget = word_budget(len(words(text)), options, self.config)
        chosen = self._select(sections, candidates, vectors, keep, budget, headed)
        summary = self._write(sections, candidates, chosen, headed)
        result = timed_result(self, summary, started)
        result.timings.update(embed=round(t_select - t_embed, 4),
                              select=round(time.perf_counter() - t_select, 4))
        result.meta.update(extractive=True, method=METHODS[self.model], budget_words=budget,
                           output_words=len(words(summary)), sentences=len(found),
                           selected=len(chosen), dropped_duplicates=dropped,
                           sections=len(sections))
        return result

    # -- steps ------------------------------------------------------------------------------
    def _drop_repeats(self, found: list[Candidate]) -> list[Candidate]:
        """``found`` without sentences whose words repeat an earlier sentence's exactly."""
        if self.config.get("dedup") is False:
            return found
        seen: set[str] = set()
        out = []
        for cand in found:
            key = " ".join(words(cand.text))
            if key not in seen:
                seen.add(key)
                out.append(cand)
        return out

    def _drop_near_duplicates(self, vectors: np.ndarray) -> list[int]:
        """Indices of sentences not within ``dedup_threshold`` cosine of an earlier kept one."""
        if self.config.get("dedup") is False:
            return list(range(len(vectors)))
        threshold = float(self.config.get("dedup_threshold", 0.92))
        keep: list[int] = []
        kept = np.empty_like(vectors)  # rows 0..len(keep)-1: vectors of the kept sentences
        for i in range(len(vectors)):
            if keep and float((kept[: len(keep)] @ vectors[i]).max()) >= threshold:
                continue
            kept[len(keep)] = vectors[i]
            keep.append(i)
        return keep

    def _select(self, sections, candidates, vectors, keep, budget: int, headed: bool) -> list[int]:
        """Share the budget among sections by weight (highest averages), best sentences first."""
        ranked: dict[int, list[int]] = {}
        for s in range(len(sections)):
            members = [i for i in keep if candidates[i].section == s]
            if not members:
                continue
            method = METHODS[self.model]
            rank = {"textrank": textrank_rank, "mmr": mmr_rank}.get(method)
            order = rank(vectors[members]) if rank and len(members) > 1 else list(range(len(members)))
            ranked[s] = [members[j] for j in order]
        weight = {s: sum(candidates[i].n_words for i in items)
                  * KIND_WEIGHTS.get(sections[s].kind, 1.0) for s, items in ranked.items()}
        picked: dict[int, int] = {s: 0 for s in ranked}
        chosen: list[int] = []
        used = 0
        while True:
            open_sections = [s for s in ranked if ranked[s] and weight[s] > 0]
            if not open_sections:
                break
            s = max(open_sections, key=lambda k: (weight[k] / (picked[k] + 1), -k))
            i = ranked[s].pop(0)
            heading = len(words(sections[s].title)) if headed and picked[s] == 0 else 0
            cost = candidates[i].n_words + heading
            if used + cost <= budget:
                chosen.append(i)
                picked[s] += 1
                used += cost
        return sorted(chosen, key=lambda i: candidates[i].order)

    @staticmethod
    def _write(sections, candidates, chosen: list[int], headed: bool) -> str:
        blocks: list[str] = []
        for s, section in enumerate(sections):
            picked = [candidates[i].text for i in chosen if candidates[i].section == s]
            if not picked:
                continue
            listed = any(_BULLET.match(p) for p in picked)  # lists stay one item per line
            body = ("\n" if listed else " ").join(picked)
            title = section.title.strip().rstrip(":") if headed else ""
            blocks.append(f"{title}:\n{body}" if title else body)
        return "\n\n".join(blocks)

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        return list(METHODS)

    @classmethod
    def status(cls, **config: Any) -> tuple[bool, str]:
        from clinsum.embeddings import bundled_model_path
        from clinsum.errors import ClinsumError

        try:
            bundled_model_path()
        except ClinsumError as exc:
            return False, exc.message
        return True, "offline, bundled all-MiniLM-L6-v2 (" + ", ".join(METHODS) + ")"
