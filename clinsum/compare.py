"""Side-by-side comparison of a record: its source, its latest reference and candidate summaries.

For each candidate: the n-grams it shares with the reference (as character spans on both
texts), its faithfulness flags (facts the source does not support), and its stored metric
values. Navigation steps through records or jumps to the worst, best or a random pair by any
metric (worst and best follow the metric's direction).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clinsum import explorer
from clinsum.errors import InputError, NotFound
from clinsum.explorer.filters import ALL, Filters
from clinsum.records import Record, get_record
from clinsum.references import latest_reference
from clinsum.store import Store, from_json
from clinsum.text import WORD_RE

Span = tuple[int, int, str]  # (start, end, title), as ``ui.highlight`` takes them
SHARED_CSS = "background:#fff3b0"
FLAG_CSS = "background:#ffc9c9;text-decoration:underline wavy #c92a2a"
WHICH = ("worst", "best", "random")


@dataclass
class Candidate:
    """One generated summary of the record, with its spans and metric values."""

    generation_id: str
    text: str
    settings: dict[str, Any]
    shared: list[Span] = field(default_factory=list)  # on the candidate
    shared_on_reference: list[Span] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)  # start, end, kind, text, reason
    flags_origin: str = "none"  # "live" (computed now) | "stored" | "none"
    metrics: dict[str, float | None] = field(default_factory=dict)

    def marks(self) -> list[tuple[int, int, str, str]]:
        """Non-overlapping (start, end, title, css) marks: flags win over shared n-grams."""
        flags = [(f["start"], f["end"], f"{f.get('kind', 'flag')}: {f.get('reason', '')}".strip(": "),
                  FLAG_CSS) for f in self.flags]
        return _merge_layers(flags, [(s, e, t, SHARED_CSS) for s, e, t in self.shared])


@dataclass
class Comparison:
    record: Record
    reference: dict[str, Any] | None
    candidates: list[Candidate]


# -- shared n-grams --------------------------------------------------------------------------
def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in WORD_RE.finditer(text or "")]


def shared_ngram_spans(candidate: str, reference: str, n: int = 3) -> tuple[list[Span], list[Span]]:
    """Spans of the word n-grams (lower-cased, accents kept) found in both texts.

    Returns (spans on ``candidate``, spans on ``reference``); runs of shared words are merged
    into one span, titled with how many words it covers.
    """
    if n < 1:
        raise InputError("n-grams need n ≥ 1.")
    cand, ref = _tokens(candidate), _tokens(reference)
    shared = _grams(cand, n) & _grams(ref, n)
    return _covered(cand, shared, n), _covered(ref, shared, n)


def _grams(tokens: list[tuple[int, int, str]], n: int) -> set[tuple[str, ...]]:
    words = [t[2] for t in tokens]
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _covered(tokens: list[tuple[int, int, str]], shared: set[tuple[str, ...]], n: int) -> list[Span]:
    words = [t[2] for t in tokens]
    marked = [False] * len(tokens)
    for i in range(len(words) - n + 1):
        if tuple(words[i:i + n]) in shared:
            marked[i:i + n] = [True] * n
    spans: list[Span] = []
    i = 0
    while i < len(tokens):
        if not marked[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and marked[j + 1]:
            j += 1
        spans.append((tokens[i][0], tokens[j][1], f"shared: {j - i + 1} words"))
        i = j + 1
    return spans


def _merge_layers(top: list[tuple[int, int, str, str]], below: list[tuple[int, int, str, str]]
                  ) -> list[tuple[int, int, str, str]]:
    """``top`` marks kept whole (the first of overlapping ones); ``below`` cut around them."""
    kept: list[tuple[int, int, str, str]] = []
    for mark in sorted(top):
        if not kept or mark[0] >= kept[-1][1]:
            kept.append(mark)
    out = list(kept)
    for start, end, title, css in below:
        pieces = [(start, end)]
        for ts, te, *_ in kept:
            pieces = [p for s, e in pieces for p in ((s, min(e, ts)), (max(s, te), e)) if p[0] < p[1]]
        out += [(s, e, title, css) for s, e in pieces]
    return sorted(out)


# -- faithfulness and metrics ----------------------------------------------------------------
def faithfulness_flags(
    store: Store, generation_id: str, candidate: str, source: str
) -> tuple[list[dict[str, Any]], str]:
    """Flags for a candidate and where they came from.

    Computed now with :func:`clinsum.metrics.faithfulness.flags` where the metrics engine is
    installed (``"live"``); otherwise the spans its scoring stored in the metric details
    (``"stored"``); otherwise none (``"none"``).
    """
    try:
        from clinsum.metrics.faithfulness import flags as live_flags
    except Exception:  # noqa: BLE001 - the metrics engine may be absent or broken
        live_flags = None
    if live_flags is not None:
        found = (_valid_flag(f, candidate) for f in live_flags(candidate or "", source or ""))
        return [f for f in found if f], "live"
    rows = store.fetch_dicts(
        "SELECT details FROM metrics WHERE target_kind = 'generation' AND target_id = ?"
        " AND metric = 'faithfulness' AND details IS NOT NULL ORDER BY computed_at DESC",
        [generation_id],
    )
    for row in rows:
        details = from_json(row["details"]) or {}
        spans = details.get("spans") if isinstance(details, dict) else None
        if isinstance(spans, list):
            parsed = [f for f in (_valid_flag(s, candidate) for s in spans) if f]
            return parsed, "stored"
    return [], "none"


def _valid_flag(span: Any, text: str) -> dict[str, Any] | None:
    if isinstance(span, dict):
        start, end = span.get("start"), span.get("end")
        flag = dict(span)
    elif isinstance(span, list | tuple) and len(span) >= 2:
        start, end = span[0], span[1]
        flag = {"kind": span[2] if len(span) > 2 else "flag"}
    else:
        return None
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return None
    flag.update(start=start, end=end, text=text[start:end])
    return flag


def pair_metrics(store: Store, generation_ids: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Current metric values per generation (the same values the explorer counts)."""
    out: dict[str, dict[str, float | None]] = {g: {} for g in generation_ids}
    for row in explorer.current_values(store, generation_ids).to_dict("records"):
        value = row["value"]
        out[row["generation_id"]][row["name"]] = None if pd.isna(value) else float(value)
    return out


# -- one record ------------------------------------------------------------------------------
def generations_for(store: Store, record_id: str) -> list[dict[str, Any]]:
    """The record's successful generations (newest first), without their prompts."""
    return store.fetch_dicts(
        "SELECT id, model, strategy, temperature, decoding, backend, adapter, total_seconds,"
        " created_at, text FROM generations WHERE record_id = ? AND error IS NULL"
        " AND text IS NOT NULL ORDER BY created_at DESC, id",
        [record_id],
    )


def label(generation: dict[str, Any]) -> str:
    """A short name for a generation: model · strategy · T=temperature."""
    parts = [str(generation.get("model") or generation.get("backend") or "?"),
             str(generation.get("strategy") or "")]
    if generation.get("temperature") is not None:
        parts.append(f"T={generation['temperature']:g}")
    return " · ".join(p for p in parts if p)


def compare(
    store: Store, record_id: str, generation_ids: Sequence[str] | None = None, n: int = 3,
    max_candidates: int = 3,
) -> Comparison:
    """The record, its latest reference and the chosen candidates (default: the newest ones)."""
    record = get_record(store, record_id)
    reference = latest_reference(store, record_id)
    available = {g["id"]: g for g in generations_for(store, record_id)}
    if generation_ids is None:
        chosen = list(available)[:max_candidates]
    else:
        missing = [g for g in generation_ids if g not in available]
        if missing:
            raise NotFound(f"Record {record_id} has no successful generation {missing[0]!r}.",
                           hint="Pick candidates from the list for this record.")
        chosen = list(generation_ids)
    values = pair_metrics(store, chosen)
    candidates = []
    for gid in chosen:
        g = available[gid]
        text = g["text"] or ""
        shared, on_ref = shared_ngram_spans(text, reference["text"], n) if reference else ([], [])
        flags, origin = faithfulness_flags(store, gid, text, record.text)
        settings = {k: v for k, v in g.items() if k not in ("id", "text")}
        candidates.append(Candidate(gid, text, settings, shared, on_ref, flags, origin,
                                    values.get(gid, {})))
    return Comparison(record, reference, candidates)


def reference_marks(comparison: Comparison, index: int = 0) -> list[tuple[int, int, str, str]]:
    """Marks on the reference for the n-grams it shares with candidate ``index``."""
    if not comparison.candidates or comparison.reference is None:
        return []
    return [(s, e, t, SHARED_CSS) for s, e, t in comparison.candidates[index].shared_on_reference]


# -- navigation ------------------------------------------------------------------------------
def record_ids(store: Store, filters: Filters = ALL) -> list[str]:
    """Records with at least one successful generation matching ``filters``, in id order."""
    return explorer.records_with_generations(store, filters)


def step(ids: Sequence[str], current: str | None, delta: int) -> str:
    """The record ``delta`` places from ``current`` in ``ids`` (wrapping around)."""
    if not ids:
        raise NotFound("There are no records with generations to step through.",
                       hint="Generate summaries first (Summarize page or `clinsum generate`).")
    if current not in ids:
        return ids[0] if delta >= 0 else ids[-1]
    return ids[(list(ids).index(current) + delta) % len(ids)]


@dataclass
class Pick:
    record_id: str
    generation_id: str
    value: float | None


def jump(
    store: Store, metric: str, which: str = "worst", filters: Filters = ALL,
    rng: random.Random | None = None,
) -> Pick:
    """The pair (record, generation) with the worst, best or a random value of ``metric``."""
    if which not in WHICH:
        raise InputError(f"Unknown jump {which!r}.", hint=f"Use one of: {', '.join(WHICH)}.")
    n = explorer.count_scored(store, metric, filters)
    if not n:
        raise NotFound(f"No generation has a value of {metric!r} yet.",
                       hint="Score the generations first (the “score now” button or `clinsum score`).")
    if which == "random":
        row = explorer.pair_at(store, metric, "asc", (rng or random.Random()).randrange(n), filters)
    else:
        higher_better = (explorer.direction(metric) or 1) > 0
        order = "asc" if (which == "worst") == higher_better else "desc"
        row = explorer.pair_at(store, metric, order, 0, filters)
    assert row is not None  # n > 0 rows exist
    return Pick(str(row["record_id"]), str(row["generation_id"]), float(row["value"]))
