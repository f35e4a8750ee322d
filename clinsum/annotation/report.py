"""Agreement over the workspace's annotations: per pair of annotators and across all.

Reference reviews use the 1–5 scores per criterion (and the verdict, as a nominal value);
pairwise items use the −2..+2 judgements with the shown order undone (positive = ``b``
better), so two annotators who saw the same pair agree whatever side it was shown on.
"""

from __future__ import annotations

import itertools
from typing import Any

from clinsum.annotation.agreement import cohen_kappa, krippendorff_alpha, percent_agreement
from clinsum.annotation.pairwise import preferences
from clinsum.annotation.reviews import list_annotations
from clinsum.annotation.rubric import (
    CRITERION_NAMES,
    PAIR_CRITERION_NAMES,
    PAIR_MAX,
    PAIR_MIN,
    SCORE_MAX,
    SCORE_MIN,
    VERDICTS,
)
from clinsum.errors import InputError

Table = dict[str, dict[str, dict[str, Any]]]  # criterion -> item -> annotator -> value


def ratings(store, kind: str = "reference") -> tuple[Table, dict[str, list]]:
    """Values by criterion, item and annotator, and each criterion's ordered scale."""
    table: Table = {}
    if kind == "reference":
        scales: dict[str, list] = {c: list(range(SCORE_MIN, SCORE_MAX + 1)) for c in CRITERION_NAMES}
        scales["verdict"] = list(VERDICTS)
        for ann in list_annotations(store, "reference"):
            values = {**ann["scores"], "verdict": ann["verdict"]}
            for criterion in scales:
                if values.get(criterion) is not None:
                    table.setdefault(criterion, {}).setdefault(ann["item_id"], {})[ann["annotator"]] = values[criterion]
    elif kind == "pairwise":
        scales = {c: list(range(PAIR_MIN, PAIR_MAX + 1)) for c in PAIR_CRITERION_NAMES}
        for pref in preferences(store):
            for criterion, value in pref["b_better"].items():
                table.setdefault(criterion, {}).setdefault(pref["item_id"], {})[pref["annotator"]] = value
    elif kind == "pdsqi":
        from clinsum.annotation.rubric import PDSQI9_NAMES, PDSQI_MAX, PDSQI_MIN

        scales = {c: list(range(PDSQI_MIN, PDSQI_MAX + 1)) for c in PDSQI9_NAMES}
        for ann in list_annotations(store, "pdsqi"):
            for criterion in scales:
                if ann["scores"].get(criterion) is not None:
                    table.setdefault(criterion, {}).setdefault(ann["item_id"], {})[ann["annotator"]] = ann["scores"][criterion]
    else:
        raise InputError(f"Unknown item kind {kind!r}; use reference, pairwise or pdsqi.")
    return table, scales


def overlapping_items(store, kind: str = "reference") -> int:
    """How many items at least two annotators have submitted."""
    return int(store.scalar(
        "SELECT count(*) FROM (SELECT item_id FROM annotations WHERE item_kind = ?"
        " GROUP BY item_id HAVING count(DISTINCT annotator) >= 2)", [kind]) or 0)


def agreement_report(store, kind: str = "reference") -> dict[str, Any]:
    """``pairs`` (kappa per criterion and pair of annotators) and ``overall`` (alpha, %)."""
    with store.connect():
        table, scales = ratings(store, kind)
        overlapping = overlapping_items(store, kind)
    annotators = sorted({a for items in table.values() for by in items.values() for a in by})
    pairs, overall = [], []
    for criterion, scale in scales.items():
        items = table.get(criterion, {})
        nominal = criterion == "verdict"
        for x, y in itertools.combinations(annotators, 2):
            shared = [i for i, by in items.items() if x in by and y in by]
            if not shared:
                continue
            a, b = [items[i][x] for i in shared], [items[i][y] for i in shared]
            pairs.append({
                "criterion": criterion, "annotator_a": x, "annotator_b": y, "n": len(shared),
                "percent": percent_agreement([[p, q] for p, q in zip(a, b, strict=True)]),
                "kappa": cohen_kappa(a, b, scale, "none"),
                "kappa_linear": None if nominal else cohen_kappa(a, b, scale, "linear"),
                "kappa_quadratic": None if nominal else cohen_kappa(a, b, scale, "quadratic"),
            })
        units = [list(by.values()) for by in items.values() if len(by) >= 2]
        coded = [[scale.index(v) for v in u] for u in units] if nominal else units
        overall.append({
            "criterion": criterion, "n_items": len(units),
            "n_annotators": len({a for by in items.values() if len(by) >= 2 for a in by}),
            "percent": percent_agreement(units),
            "alpha_nominal": krippendorff_alpha(coded, "nominal"),
            "alpha_ordinal": None if nominal else krippendorff_alpha(units, "ordinal"),
            "alpha_interval": None if nominal else krippendorff_alpha(units, "interval"),
        })
    return {"kind": kind, "annotators": annotators, "pairs": pairs, "overall": overall,
            "overlapping_items": overlapping}
