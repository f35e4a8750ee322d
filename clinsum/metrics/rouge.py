"""ROUGE-1/2/L/Lsum precision, recall and F, bit-identical to ``rouge-score`` on the same tokens.

Tokens: clinsum's Unicode words by default (equal to rouge-score's on ASCII text), or
``tokenizer="rouge_score"`` for rouge-score's own tokenizer on any text. Fast where rouge-score
is slow: each distinct text is prepared once per batch (tokens, n-gram counts, bit masks), the
LCS length is bit-parallel (Allison–Dix / Hyyrö: one big-integer step per token instead of a
table row), and ROUGE-Lsum computes the LCS rows of a candidate sentence against every
reference sentence in one bit-parallel pass (:class:`Layout`), then walks rouge-score's exact
backtrack over those bit rows (:func:`union_positions`), so the union LCS picks the same
positions. Confidence intervals: :mod:`clinsum.metrics.bootstrap`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from clinsum.errors import ConfigError
from clinsum.metrics.base import HIGHER, METRICS, Metric, MetricResult, Pair, fmeasure
from clinsum.metrics.tokens import resolve_stem, stem_function, tokenize
from clinsum.text import sentences as split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
TOKENIZERS = ("clinsum", "rouge_score")


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (bit-parallel, Allison–Dix / Hyyrö)."""
    if not a or not b:
        return 0
    if len(b) > len(a):
        a, b = b, a
    return lcs_length_masks(position_masks(a), len(a), b)


def position_masks(tokens: Sequence[str], offset: int = 0) -> dict[str, int]:
    """token -> bit mask of its positions (bit ``offset + i`` for position ``i``)."""
    masks: dict[str, int] = {}
    for i, token in enumerate(tokens, offset):
        masks[token] = masks.get(token, 0) | (1 << i)
    return masks


def lcs_length_masks(masks: dict[str, int], width: int, other: Sequence[str]) -> int:
    """LCS length of the sequence behind ``masks`` (``width`` tokens) and ``other``."""
    full = (1 << width) - 1
    v = full
    get = masks.get
    for token in other:
        m = get(token)
        if m is not None:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return width - v.bit_count()


class Layout:
    """Sentences side by side in one bit vector, a zero guard bit after each one, so that one
    bit-parallel LCS pass computes the LCS rows of a sentence against all of them at once (a
    carry out of a sentence stops at its guard bit, which is cleared after every step)."""

    __slots__ = ("sentences", "offsets", "masks", "keep")

    def __init__(self, sentences: list[list[str]]) -> None:
        self.sentences = sentences
        self.offsets: list[int] = []
        masks: dict[str, int] = {}
        keep, offset = 0, 0
        for sent in sentences:
            self.offsets.append(offset)
            for i, token in enumerate(sent, offset):
                masks[token] = masks.get(token, 0) | (1 << i)
            keep |= ((1 << len(sent)) - 1) << offset
            offset += len(sent) + 1
        self.masks = masks
        self.keep = keep

    def rows(self, tokens: Sequence[str]) -> list[int]:
        """Bit rows after 0, 1, … tokens of ``tokens``: in each sentence's bits, the zero bits
        mark where its LCS table row (against that prefix of ``tokens``) grows by one."""
        v = keep = self.keep
        get = self.masks.get
        out = [v]
        for token in tokens:
            m = get(token)
            if m is not None:
                u = v & m
                v = ((v + u) | (v ^ u)) & keep
            out.append(v)
        return out


def union_positions(ref: Sequence[str], offset: int, can: Sequence[str], rows: list[int],
                    into: set[int]) -> None:
    """Add to ``into`` the positions in ``ref`` of the LCS of ``ref`` and ``can`` that
    ``rouge-score``'s table backtrack picks (diagonal on a match, else left when the left cell
    is strictly larger, else up), read from bit rows instead of a table.

    ``rows[j]`` holds, from bit ``offset`` on, table column j (``can`` prefix j) as zero bits
    where the LCS grows along ``ref``: ``t[i][j] = i - popcount(rows[j] >> offset & (2^i - 1))``.
    """
    i, j = len(ref), len(can)
    seg = (1 << i) - 1
    col = (rows[j] >> offset) & seg
    cur = i - col.bit_count()
    while cur:
        if ref[i - 1] == can[j - 1]:
            into.add(i - 1)
            i -= 1
            j -= 1
            cur -= 1
            col = (rows[j] >> offset) & seg
            continue
        up = cur - (0 if (col >> (i - 1)) & 1 else 1)  # t[i-1][j]
        left_col = (rows[j - 1] >> offset) & seg
        left = i - (left_col & ((1 << i) - 1)).bit_count()  # t[i][j-1]
        if left > up:
            j -= 1
            col = left_col
            cur = left
        else:
            i -= 1
            cur = up


def lcs_positions(ref: Sequence[str], can: Sequence[str]) -> list[int]:
    """Positions in ``ref`` of one LCS, chosen exactly as ``rouge-score`` chooses it."""
    if not ref or not can:
        return []
    layout = Layout([list(ref)])
    out: set[int] = set()
    union_positions(ref, 0, can, layout.rows(can), out)
    return sorted(out)


def _prf(hits: int, n_pred: int, n_target: int) -> tuple[float, float, float]:
    p = hits / max(n_pred, 1)
    r = hits / max(n_target, 1)
    return p, r, fmeasure(p, r)


def score_ngrams(target: Counter, prediction: Counter, n_target: int | None = None,
                 n_prediction: int | None = None) -> tuple[float, float, float]:
    small, large = (target, prediction) if len(target) <= len(prediction) else (prediction, target)
    hits = sum(min(c, large[g]) for g, c in small.items() if g in large)
    n_pred = sum(prediction.values()) if n_prediction is None else n_prediction
    n_tgt = sum(target.values()) if n_target is None else n_target
    return _prf(hits, n_pred, n_tgt)


def score_lcs(target: Sequence[str], prediction: Sequence[str],
              target_masks: dict[str, int] | None = None) -> tuple[float, float, float]:
    if not target or not prediction:
        return 0.0, 0.0, 0.0
    masks = target_masks if target_masks is not None else position_masks(target)
    lcs = lcs_length_masks(masks, len(target), prediction)
    p, r = lcs / len(prediction), lcs / len(target)
    return p, r, fmeasure(p, r)


def score_lsum(target: list[list[str]] | Layout, prediction: list[list[str]]
               ) -> tuple[float, float, float]:
    """Summary-level LCS (ROUGE paper §3.2) with ROUGE-1.5.5's guard against double counting,
    the union LCS of each reference sentence taken over every candidate sentence."""
    layout = target if isinstance(target, Layout) else Layout(target)
    ref_sents = layout.sentences
    m = sum(map(len, ref_sents))
    n = sum(map(len, prediction))
    if not ref_sents or not prediction or not m or not n:
        return 0.0, 0.0, 0.0
    unions: list[set[int]] = [set() for _ in ref_sents]
    for can in prediction:
        if not can:
            continue
        rows = layout.rows(can)
        if rows[-1] == layout.keep:
            continue  # no word in common with any reference sentence
        for k, ref in enumerate(ref_sents):
            if ref:
                union_positions(ref, layout.offsets[k], can, rows, unions[k])
    counts_r: Counter = Counter(t for s in ref_sents for t in s)
    counts_c: Counter = Counter(t for s in prediction for t in s)
    hits = 0
    for ref, union in zip(ref_sents, unions, strict=True):
        for token in (ref[i] for i in sorted(union)):
            if counts_c[token] > 0 and counts_r[token] > 0:
                hits += 1
                counts_c[token] -= 1
                counts_r[token] -= 1
    p, r = hits / n, hits / m
    return p, r, fmeasure(p, r)


@METRICS.register("rouge")
class Rouge(Metric):
    """ROUGE-1/2/L/Lsum; options ``tokenizer`` (``clinsum``: Unicode words, accents kept — the
    default; ``rouge_score``: rouge-score's own ASCII tokenizer, for numbers comparable with
    papers), ``stem`` (porter/spanish/english/auto), ``lsum_split`` (``newline`` like
    rouge-score, or ``sentences``) and ``types``."""

    name = "rouge"
    base_version = "1"
    directions = {f"{t}_{v}": HIGHER for t in ROUGE_TYPES for v in ("p", "r", "f")}
    needs = ("reference",)

    def __init__(self, stem: str | None = None, lsum_split: str = "newline",
                 types: Sequence[str] = ROUGE_TYPES, tokenizer: str = "clinsum",
                 **options: Any) -> None:
        super().__init__(stem=stem, lsum_split=lsum_split, tokenizer=tokenizer, **options)
        unknown = set(types) - set(ROUGE_TYPES)
        if unknown or lsum_split not in ("newline", "sentences") or tokenizer not in TOKENIZERS:
            raise ConfigError(
                f"Unknown ROUGE option: {', '.join(sorted(unknown)) or lsum_split}"
                f"{'' if tokenizer in TOKENIZERS else ', tokenizer ' + str(tokenizer)}.",
                hint=f"Types: {', '.join(ROUGE_TYPES)}; lsum_split: newline or sentences; "
                     f"tokenizer: {' or '.join(TOKENIZERS)}.",
            )
        resolve_stem(stem, "x")  # validate early
        self.stem = stem if stem != "none" else None
        self.lsum_split = lsum_split
        self.tokenizer = tokenizer
        self.types = tuple(types)

    def version_options(self) -> dict[str, Any]:
        return {"stem": self.stem, "lsum": None if self.lsum_split == "newline" else self.lsum_split,
                "tok": None if self.tokenizer == "clinsum" else "rs"}

    def _split(self, text: str) -> list[str]:
        if self.lsum_split == "sentences":
            return split_sentences(text)
        return [s for s in text.split("\n") if s]

    def _tokens(self, text: str, stem: str | None) -> list[str]:
        if self.tokenizer == "rouge_score":
            return rouge_score_tokens(text, stem)
        return tokenize(text, stem)

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self.compute_many([Pair(candidate, reference, source, language)])[0]

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        cache: dict[tuple[str, str | None, bool], dict[Any, Any]] = {}
        wants = set(self.types)

        def prepared(text: str, stem: str | None, is_ref: bool) -> dict[Any, Any]:
            key = (text, stem, is_ref)
            entry = cache.get(key)
            if entry is None:
                entry = cache[key] = {}
                if wants - {"rougeLsum"}:
                    tokens = entry["tokens"] = self._tokens(text, stem)
                    if "rouge1" in wants:
                        entry[1] = Counter(tokens)
                    if "rouge2" in wants:
                        entry[2] = Counter(zip(tokens, tokens[1:], strict=False))
                    if "rougeL" in wants and is_ref:
                        entry["masks"] = position_masks(tokens)
                if "rougeLsum" in wants:
                    sents = [self._tokens(s, stem) for s in self._split(text)]
                    entry["sents"] = Layout(sents) if is_ref else sents
            return entry

        out: list[MetricResult] = []
        for k, pair in enumerate(pairs):
            stem = resolve_stem(self.stem, pair.reference or pair.candidate or "", pair.language)
            cand = prepared(pair.candidate or "", stem, False)
            ref = prepared(pair.reference or "", stem, True)
            values: dict[str, float | None] = {}
            for rouge_type in self.types:
                if rouge_type == "rougeL":
                    prf = score_lcs(ref["tokens"], cand["tokens"], ref["masks"])
                elif rouge_type == "rougeLsum":
                    prf = score_lsum(ref["sents"], cand["sents"])
                else:
                    n = int(rouge_type[5:])
                    prf = score_ngrams(ref[n], cand[n], max(len(ref["tokens"]) - n + 1, 0),
                                       max(len(cand["tokens"]) - n + 1, 0))
                for suffix, value in zip(("p", "r", "f"), prf, strict=True):
                    values[f"{rouge_type}_{suffix}"] = value
            n_tokens = len(cand["tokens"]) if "tokens" in cand else sum(map(len, cand["sents"]))
            out.append(MetricResult(values, {"n_tokens": n_tokens}))
            if progress:
                progress(k + 1)
        return out


_RS_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_RS_SPACES = re.compile(r"\s+")
_RS_VALID = re.compile(r"^[a-z0-9]+$")


def rouge_score_tokens(text: str, stem: str | None = None) -> list[str]:
    """``rouge_score.tokenize.tokenize``: lowercase, non-``[a-z0-9]`` runs become spaces (so
    ``región`` gives ``regi n``), tokens longer than 3 characters stemmed."""
    tokens = _RS_SPACES.split(_RS_NON_ALNUM.sub(" ", text.lower()))
    if stem:
        stemmer = stem_function(resolve_stem(stem, text))
        tokens = [stemmer(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if _RS_VALID.match(t)]
