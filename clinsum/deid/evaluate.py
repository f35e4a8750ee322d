"""Strict span evaluation (same type, same start and end), per type and overall."""

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


def evaluate(docs: list[BratDocument], find: Callable[[str], list[Span]]) -> dict[str, Scores]:
    """Run ``find`` on every document's text and score it against the gold spans."""
    return strict_scores([(doc.spans, find(doc.text)) for doc in docs])


def format_table(scores: dict[str, Scores]) -> str:
    rows = [f"{'type':<34} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}"]
    for name, s in scores.items():
        if name == "ALL":
            continue
        rows.append(f"{name:<34} {s.precision:6.4f} {s.recall:6.4f} {s.f1:6.4f} {s.tp + s.fn:5d} {s.tp + s.fp:5d}")
    s = scores["ALL"]
    rows.append(f"{'ALL (micro)':<34} {s.precision:6.4f} {s.recall:6.4f} {s.f1:6.4f} {s.tp + s.fn:5d} {s.tp + s.fp:5d}")
    return "\n".join(rows)
