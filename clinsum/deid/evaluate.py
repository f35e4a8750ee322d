"""Span evaluation per type and overall: strict (same type, start and end) and span-only
(a gold span counts as found when any predicted span overlaps it, whatever its type; a
predicted span is right when it overlaps any gold span) — the measure that matters for
what leaves the machine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from clinsum.deid.brat import BratDocument
from clinsum.deid.spans import Span


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def strict_scores(pairs: list[tuple[list[Span], list[Span]]]) -> dict[str, Scores]:
    """``{type: Scores, ..., "ALL": Scores}`` from (gold, predicted) span lists per document."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for gold, pred in pairs:
        g = {(s.start, s.end, s.type) for s in gold}
        p = {(s.start, s.end, s.type) for s in pred}
        for _, _, t in g & p:
            tp[t] += 1
        for _, _, t in p - g:
            fp[t] += 1
        for _, _, t in g - p:
            fn[t] += 1
    out = {t: Scores(tp[t], fp[t], fn[t]) for t in sorted(set(tp) | set(fp) | set(fn))}
    out["ALL"] = Scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return out


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(o.start < span.end and span.start < o.end for o in others)


def span_scores(pairs: list[tuple[list[Span], list[Span]]]) -> dict[str, Scores]:
    """Type-agnostic overlap scores: recall per gold type, precision per predicted type."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for gold, pred in pairs:
        for g in gold:
            (tp if _overlaps(g, pred) else fn)[g.type] += 1
        for p in pred:
            if not _overlaps(p, gold):
                fp[p.type] += 1
    out = {t: Scores(tp[t], fp[t], fn[t]) for t in sorted(set(tp) | set(fp) | set(fn))}
    out["ALL"] = Scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return out


MISS_KINDS = ("wrong type", "too long", "too short", "shifted", "split", "other type over it", "missed")


def _miss_kind(gold: Span, pred: list[Span]) -> str:
    over = [p for p in pred if p.start < gold.end and gold.start < p.end]
    same = [p for p in over if p.type == gold.type]
    if not over:
        return "missed"
    if any((p.start, p.end) == (gold.start, gold.end) for p in over):
        return "wrong type"
    if not same:
        return "other type over it"
    if len(same) > 1:
        return "split"
    p = same[0]
    if p.start <= gold.start and gold.end <= p.end:
        return "too long"
    return "too short" if gold.start <= p.start and p.end <= gold.end else "shifted"


def miss_kinds(pairs: list[tuple[list[Span], list[Span]]]) -> Counter:
    """Why each gold span was not matched strictly: a prediction with its bounds but another type,
    one of its type that is too long, too short, shifted or split in pieces, only another type's
    span over it, or nothing over it."""
    out: Counter = Counter()
    for gold, pred in pairs:
        exact = {(s.start, s.end, s.type) for s in pred}
        out.update(_miss_kind(g, pred) for g in gold if (g.start, g.end, g.type) not in exact)
    return out


def evaluate(docs: list[BratDocument], find: Callable[[str], list[Span]]) -> dict[str, Scores]:
    """Run ``find`` on every document's text and score it strictly against the gold spans."""
    return strict_scores([(doc.spans, find(doc.text)) for doc in docs])


def evaluate_both(docs: list[BratDocument], find: Callable[[str], list[Span]],
                  misses: Counter | None = None) -> tuple[dict[str, Scores], dict[str, Scores]]:
    """(strict, span-only) scores, each document tagged once; ``misses`` (if given) is updated
    with :func:`miss_kinds`."""
    pairs = [(doc.spans, find(doc.text)) for doc in docs]
    if misses is not None:
        misses.update(miss_kinds(pairs))
    return strict_scores(pairs), span_scores(pairs)


def worst_type(scores: dict[str, Scores], min_gold: int = 20) -> tuple[str, float]:
    """The type with the lowest F1 among those with at least ``min_gold`` gold spans."""
    ranked = sorted((s.f1, name) for name, s in scores.items() if name != "ALL" and s.tp + s.fn >= min_gold)
    return (ranked[0][1], ranked[0][0]) if ranked else ("", 1.0)


def format_table(scores: dict[str, Scores], span_only: dict[str, Scores] | None = None) -> str:
    """Per-type table; with ``span_only``, its P/R/F1 stand beside the strict ones."""
    head = f"{'type':<34} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}"
    if span_only is not None:
        head += f"   {'span P':>6} {'span R':>6} {'span F1':>7}"
    rows = [head]
    empty = Scores()
    for name in [n for n in scores if n != "ALL"] + ["ALL"]:
        s = scores[name]
        label = "ALL (micro)" if name == "ALL" else name
        row = f"{label:<34} {s.precision:6.4f} {s.recall:6.4f} {s.f1:6.4f} {s.tp + s.fn:5d} {s.tp + s.fp:5d}"
        if span_only is not None:
            o = span_only.get(name, empty)
            row += f"   {o.precision:6.4f} {o.recall:6.4f} {o.f1:7.4f}"
        rows.append(row)
    return "\n".join(rows)
