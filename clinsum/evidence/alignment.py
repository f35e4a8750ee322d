"""Sentence → evidence alignment: for each summary sentence, the few record sentences that
support it, and a label.

Candidates for a summary sentence are the record sentences closest to it by the bundled MiniLM
embedding, those sharing the most (IDF-weighted) content-word stems, and those stating one of
its doses, dates or numbers. From them a greedy cover picks the smallest set that covers its
content words and facts (at most :data:`MAX_EVIDENCE`). Then its facts are checked:

- a dose whose value (unit converted) the record never gives: *contradicted* when the record
  gives that drug (or that number) with another dose or unit, else *unsupported*;
- a date the record never gives: *contradicted* when the evidence gives another date, else
  *unsupported*; another number the record never gives: *unsupported*;
- a side (left/right/bilateral) for a body part the evidence, or else the record, describes
  only on another side: *contradicted*;
- a finding negated in the summary but only affirmed in the evidence (or the reverse), and never
  stated the summary's way anywhere in the record: *contradicted*.

Otherwise the label follows how much of the sentence's content the evidence covers:
*supported* (≥ :data:`SUPPORTED_COVERAGE`), *partly supported*, *unsupported*
(< :data:`UNSUPPORTED_COVERAGE`). Record sentences are embedded once per text (cache).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from clinsum.evidence import facts as fx
from clinsum.evidence.facts import Sentence

VERSION = "1"
LABELS = ("supported", "partly_supported", "unsupported", "contradicted")
FLAGGED = ("unsupported", "contradicted")
MAX_EVIDENCE = 6
SUPPORTED_COVERAGE = 0.75
UNSUPPORTED_COVERAGE = 0.5
TOP_K = 6
#: section kinds that are not clinical content (left out of section coverage)
NON_CONTENT_SECTIONS = ("preamble", "patient_data", "admin", "signature", "report")

Embedder = Callable[[list[str]], np.ndarray]


@dataclass
class SentenceEvidence:
    """One summary sentence: its offsets, label, evidence (record sentence indexes) and why."""

    index: int
    start: int
    end: int
    text: str
    label: str
    evidence: list[int]
    coverage: float
    similarity: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Alignment:
    """Every summary sentence aligned to the record, and the record's sentences and sections."""

    sentences: list[SentenceEvidence]
    record_sentences: list[Sentence]
    sections: list[dict[str, Any]]
    version: str = VERSION

    def counts(self) -> dict[str, int]:
        return {label: sum(s.label == label for s in self.sentences) for label in LABELS}

    def supported_share(self) -> float | None:
        return (self.counts()["supported"] / len(self.sentences)) if self.sentences else None

    def section_coverage(self) -> float | None:
        content = [s for s in self.sections if s["kind"] not in NON_CONTENT_SECTIONS]
        return sum(s["used"] for s in content) / len(content) if content else None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "sentences": [asdict(s) for s in self.sentences],
                "record_sentences": [asdict(s) for s in self.record_sentences],
                "sections": self.sections}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alignment:
        return cls([SentenceEvidence(**s) for s in data["sentences"]],
                   [Sentence(**s) for s in data["record_sentences"]], data["sections"],
                   data.get("version", VERSION))


# -- embeddings (cached per sentence text) ------------------------------------------------------
_vector_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
VECTOR_CACHE_SIZE = 50_000


_steps = threading.local()  # .progress: this thread's step callback while ``reporting``


@contextmanager
def reporting(progress: Callable[..., None] | None) -> Iterator[None]:
    """While inside, :func:`bundled_embedder` on this thread reports its steps to ``progress``
    (``load`` before the model loads, ``embed`` with ``done`` / ``sentences`` as it goes)."""
    before = getattr(_steps, "progress", None)
    _steps.progress = progress
    try:
        yield
    finally:
        _steps.progress = before


def bundled_embedder(texts: list[str]) -> np.ndarray:
    """MiniLM vectors for ``texts``; each distinct text is embedded once per process."""
    with _cache_lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _vector_cache))
    if missing:
        from clinsum.embeddings import embed, encoder

        progress = getattr(_steps, "progress", None)
        if progress and encoder.cache_info().currsize == 0:
            progress("load")
            encoder()
        counted = (lambda done, n: progress("embed", done=done, sentences=n)) if progress else None
        vectors = embed(missing, progress=counted)
        with _cache_lock:
            for text, vector in zip(missing, vectors, strict=True):
                _vector_cache[text] = vector
            while len(_vector_cache) > VECTOR_CACHE_SIZE:
                _vector_cache.popitem(last=False)
    with _cache_lock:
        rows = [_vector_cache.get(t) for t in texts]
    if any(r is None for r in rows):  # evicted meanwhile (a huge batch): embed directly
        from clinsum.embeddings import embed

        return embed(texts)
    return np.stack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


# -- the record, indexed once -------------------------------------------------------------------
@dataclass
class RecordIndex:
    text: str
    sentences: list[Sentence]
    vectors: np.ndarray
    stems: list[frozenset[str]]
    facts: list[fx.Facts]
    polarity: list[dict[str, str]]
    idf: dict[str, float]
    postings: dict[str, list[int]]
    dose_values: set
    doses_by_drug: dict[str, set]
    dose_numbers: dict[float, set[str]]
    dates: list[tuple]
    numbers: set[float]
    affirmed: set[str]
    negated: set[str]
    section_of: list[int]
    sections: list[dict[str, Any]]

    def weight(self, stem: str) -> float:
        return self.idf.get(stem, self.max_idf)

    @property
    def max_idf(self) -> float:
        return 1.0 + math.log(1 + len(self.sentences))


def index_record(text: str, embedder: Embedder) -> RecordIndex:
    from clinsum.records.sections import split_sections

    sents = fx.split(text)
    vectors = embedder([s.text for s in sents]) if sents else np.zeros((0, 384), dtype=np.float32)
    stems = [fx.stems(s.text) for s in sents]
    facts = [fx.facts(s.text) for s in sents]
    polarity = [fx.polarity(s.text) for s in sents]
    postings: dict[str, list[int]] = {}
    for i, st in enumerate(stems):
        for stem in st:
            postings.setdefault(stem, []).append(i)
    n = max(1, len(sents))
    idf = {stem: 1.0 + math.log(1 + n / len(ids)) for stem, ids in postings.items()}
    doses_by_drug: dict[str, set] = {}
    dose_numbers: dict[float, set[str]] = {}
    for f in facts:
        for value, drug in f.doses:
            doses_by_drug.setdefault(drug, set()).add(value)
            dose_numbers.setdefault(value[1], set()).add(value[0])
    numbers = {x for f in facts for x in f.numbers}
    numbers |= {v[1] for f in facts for v, _ in f.doses}
    numbers |= {part for f in facts for d in f.dates for part in d if part is not None}
    sections = [{"title": s.title, "kind": s.kind, "start": s.start, "end": s.end, "used": False}
                for s in split_sections(text)]
    section_of = []
    for s in sents:
        found = next((i for i, sec in enumerate(sections) if sec["start"] <= s.start < sec["end"]), -1)
        section_of.append(found)
    return RecordIndex(
        text, sents, vectors, stems, facts, polarity, idf, postings,
        dose_values={v for f in facts for v, _ in f.doses}, doses_by_drug=doses_by_drug,
        dose_numbers=dose_numbers, dates=[d for f in facts for d in f.dates], numbers=numbers,
        affirmed={k for p in polarity for k, st in p.items() if st in (fx.AFFIRMED, fx.MIXED)},
        negated={k for p in polarity for k, st in p.items() if st != fx.AFFIRMED},
        section_of=section_of, sections=sections,
    )


_index_cache: OrderedDict[tuple[str, int], RecordIndex] = OrderedDict()
INDEX_CACHE_SIZE = 64


def record_index(text: str, embedder: Embedder | None = None) -> RecordIndex:
    """The record's index, built once per record text (and embedder) in this process."""
    embedder = embedder or bundled_embedder
    key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), id(embedder))
    with _cache_lock:
        if key in _index_cache:
            _index_cache.move_to_end(key)
            return _index_cache[key]
    built = index_record(text, embedder)
    with _cache_lock:
        _index_cache[key] = built
        while len(_index_cache) > INDEX_CACHE_SIZE:
            _index_cache.popitem(last=False)
    return built


# -- aligning one summary -----------------------------------------------------------------------
def align(summary: str, record: str, embedder: Embedder | None = None) -> Alignment:
    """Align every sentence of ``summary`` to ``record`` (see the module docstring)."""
    embedder = embedder or bundled_embedder
    index = record_index(record, embedder)
    summary_sentences = fx.split(summary or "")
    vectors = embedder([s.text for s in summary_sentences]) if summary_sentences else None
    out = []
    for i, sentence in enumerate(summary_sentences):
        sims = index.vectors @ vectors[i] if len(index.sentences) else np.zeros(0)
        out.append(_align_sentence(sentence, sims, index))
    sections = [dict(s) for s in index.sections]
    for item in out:
        if item.label in ("supported", "partly_supported"):
            for j in item.evidence:
                if index.section_of[j] >= 0:
                    sections[index.section_of[j]]["used"] = True
    return Alignment(out, index.sentences, sections)


def _fact_hits(f: fx.Facts, index: RecordIndex, j: int) -> int:
    other = index.facts[j]
    hits = sum(value in {v for v, _ in other.doses} for value, _ in f.doses)
    hits += sum(fx.date_supported(d, other.dates) for d in f.dates)
    hits += len(f.numbers & (other.numbers | {v[1] for v, _ in other.doses}))
    return hits


def _candidates(sentence: Sentence, s_stems: frozenset[str], f: fx.Facts, sims: np.ndarray,
                index: RecordIndex) -> list[int]:
    picked = list(np.argsort(-sims)[:TOP_K]) if len(sims) else []
    lexical: dict[int, float] = {}
    for stem in s_stems:
        for j in index.postings.get(stem, ()):
            lexical[j] = lexical.get(j, 0.0) + index.idf[stem]
    picked += sorted(lexical, key=lambda j: -lexical[j])[:TOP_K]
    if f.doses or f.dates or f.numbers:
        with_facts = [j for j in lexical if _fact_hits(f, index, j)]
        picked += sorted(with_facts, key=lambda j: -(lexical[j] + sims[j]))[:TOP_K]
    return list(dict.fromkeys(int(j) for j in picked))


def _cover(s_stems: frozenset[str], f: fx.Facts, candidates: list[int], sims: np.ndarray,
           index: RecordIndex) -> tuple[list[int], float]:
    """Greedy smallest set of candidates covering the sentence's stems and facts."""
    total = sum(index.weight(s) for s in s_stems)
    covered: set[str] = set()
    facts_left = len(f.doses) + len(f.dates) + len(f.numbers)
    chosen: list[int] = []
    while len(chosen) < MAX_EVIDENCE:
        best, best_gain = None, 0.0
        for j in candidates:
            if j in chosen:
                continue
            gain = sum(index.weight(s) for s in (s_stems & index.stems[j]) - covered)
            gain += 1.5 * _fact_hits(f, index, j) if facts_left else 0.0
            gain += 0.5 * float(sims[j]) if len(sims) else 0.0
            if gain > best_gain:
                best, best_gain = j, gain
        if best is None or (chosen and best_gain < 1.0):
            break
        chosen.append(best)
        covered |= s_stems & index.stems[best]
        facts_left = max(0, facts_left - _fact_hits(f, index, best))
    coverage = sum(index.weight(s) for s in covered) / total if total else 1.0
    return sorted(chosen), coverage


def _check_facts(f: fx.Facts, evidence: list[int], index: RecordIndex) -> tuple[list[str], list[str]]:
    """(contradictions, unsupported facts) of a sentence's facts."""
    contra: list[str] = []
    missing: list[str] = []
    ev_dates = [d for j in evidence for d in index.facts[j].dates]
    for (unit, amount), drug in f.doses:
        if (unit, amount) in index.dose_values:
            continue
        text = f"{amount:g} {unit}"
        if drug and index.doses_by_drug.get(drug):
            contra.append(f"dose: {text}")
        elif amount in index.dose_numbers and unit not in index.dose_numbers[amount]:
            contra.append(f"unit: {text}")
        else:
            missing.append(f"dose: {text}")
    for d in f.dates:
        if not fx.date_supported(d, index.dates):
            label = "/".join(str(p) for p in d if p is not None)
            (contra if ev_dates else missing).append(f"date: {label}")
    dose_amounts = {amount for (_, amount), _ in f.doses}
    date_parts = {p for d in f.dates for p in d if p is not None}
    for number in f.numbers - dose_amounts - date_parts:
        if number not in index.numbers:
            missing.append(f"number: {number:g}")
    for side, parts in f.sides:
        if not parts:
            continue
        for pool in (evidence, range(len(index.sentences))):
            described = {s for j in pool for s, p in index.facts[j].sides if p & parts}
            if described:
                if side not in described and not ({"bilateral"} & described and side != "bilateral"):
                    contra.append(f"laterality: {side}")
                break
    return contra, missing


def _check_negation(sentence: Sentence, evidence: list[int], index: RecordIndex) -> list[str]:
    """A finding negated in the sentence but only affirmed in its evidence (or the reverse),
    never stated the sentence's way anywhere in the record."""
    out = []
    for key, state in fx.polarity(sentence.text).items():
        seen = {index.polarity[j][key] for j in evidence if key in index.polarity[j]}
        if state == fx.NEGATED and seen == {fx.AFFIRMED} and key not in index.negated:
            out.append(f"negation: {key}")
        elif state == fx.AFFIRMED and seen == {fx.NEGATED} and key not in index.affirmed:
            out.append(f"affirmation: {key}")
    return out


def _align_sentence(sentence: Sentence, sims: np.ndarray, index: RecordIndex) -> SentenceEvidence:
    s_stems = fx.stems(fx.without_heading(sentence.text)) or fx.stems(sentence.text)
    f = fx.facts(sentence.text)
    candidates = _candidates(sentence, s_stems, f, sims, index)
    evidence, coverage = _cover(s_stems, f, candidates, sims, index)
    similarity = float(max((sims[j] for j in evidence), default=0.0))
    contra, missing = _check_facts(f, evidence, index)
    contra += _check_negation(sentence, evidence, index)
    if contra:
        label = "contradicted"
    elif missing or coverage < UNSUPPORTED_COVERAGE:
        label = "unsupported"
    elif coverage < SUPPORTED_COVERAGE:
        label = "partly_supported"
    else:
        label = "supported"
    reasons = contra + missing + ([f"coverage: {coverage:.2f}"] if label != "supported" else [])
    if label == "unsupported" and coverage < UNSUPPORTED_COVERAGE and not missing:
        evidence = evidence[:1] if similarity > 0 else []
    return SentenceEvidence(sentence.index, sentence.start, sentence.end, sentence.text, label,
                            evidence, round(coverage, 4), round(similarity, 4), reasons)


def content_hash(summary: str, record: str) -> str:
    """Identity of an alignment's inputs and method: a changed text or version recomputes it."""
    digest = hashlib.sha256()
    for part in (VERSION, record, summary):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]
