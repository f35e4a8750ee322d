"""Preference datasets: physicians' blinded pairwise judgements as chosen/rejected pairs.

Each pairwise item's judgements are pooled on one criterion (``overall`` by default) with the
order shown undone (:func:`clinsum.annotation.pairwise.preferences`). An explicit
:class:`PairRule`, shown to the user, decides which items train:

- a **tie**: the mean judgement is closer to zero than ``min_margin`` (an exact 0 always is);
- **low agreement**: among the physicians who preferred one side, fewer than
  ``min_agreement`` chose the side the mean chose;
- **too few judges**: fewer than ``min_annotators`` physicians judged the item.

Everything left out is listed with its reason. The split is by record (all pairs of a record
on one side), and the held-out records are kept in the dataset so the before/after grid runs
on them. Saved datasets are rows of ``finetune_datasets`` with ``source = 'pairwise'``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clinsum.annotation.pairwise import preferences
from clinsum.errors import InputError, NotFound
from clinsum.finetune.datasets import (
    INSTRUCTIONS,
    check_dataset_name,
    write_dataset_version,
)
from clinsum.store import Store

SOURCE = "pairwise"
REASONS = ("tie", "low_agreement", "few_annotators", "missing_text")


@dataclass
class PairRule:
    """Which pooled judgements become training pairs (see the module docstring)."""

    criterion: str = "overall"
    min_margin: float = 0.5
    min_agreement: float = 0.75
    min_annotators: int = 1

    def validated(self) -> PairRule:
        from clinsum.annotation.rubric import PAIR_CRITERION_NAMES

        if self.criterion not in PAIR_CRITERION_NAMES:
            raise InputError(f"Unknown pairwise criterion {self.criterion!r}.",
                             hint=f"Use one of {', '.join(PAIR_CRITERION_NAMES)}.")
        if not 0 < self.min_margin <= 2:
            raise InputError("The minimum margin must be above 0 and at most 2.")
        if not 0 <= self.min_agreement <= 1:
            raise InputError("The minimum agreement must be between 0 and 1.")
        if self.min_annotators < 1:
            raise InputError("At least one physician must have judged a pair.")
        return self


@dataclass
class PreferencePair:
    id: str                       # the pairwise item
    group: str                    # the record (the split is by record)
    messages: list[dict[str, str]]  # system + user: the prompt of both answers
    chosen: str
    rejected: str
    chosen_ref: list[str] = field(default_factory=list)    # [kind, id]
    rejected_ref: list[str] = field(default_factory=list)
    margin: float = 0.0
    agreement: float = 1.0
    annotators: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PreferenceSet:
    train: list[PreferencePair]
    val: list[PreferencePair]
    excluded: list[dict[str, Any]]          # item_id, record_id, reason, margin, agreement, n
    rule: PairRule
    stats: dict[str, Any]


def pool(votes: list[int], rule: PairRule) -> tuple[float, float, str | None]:
    """(mean, agreement, reason left out or None) of one item's judgements (positive = b better)."""
    mean = sum(votes) / len(votes)
    leaning = [v for v in votes if v != 0]
    side = [v for v in leaning if (v > 0) == (mean > 0)]
    agreement = len(side) / len(leaning) if leaning else 0.0
    if len(votes) < rule.min_annotators:
        return mean, agreement, "few_annotators"
    if abs(mean) < rule.min_margin or mean == 0:
        return mean, agreement, "tie"
    if agreement < rule.min_agreement:
        return mean, agreement, "low_agreement"
    return mean, agreement, None


def _texts(store: Store, refs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for kind, table in (("reference", "reference_summaries"), ("generation", "generations")):
        ids = [i for k, i in refs if k == kind]
        if ids:
            marks = ", ".join("?" for _ in ids)
            for row in store.fetch_dicts(f"SELECT id, text FROM {table} WHERE id IN ({marks})", ids):
                out[(kind, row["id"])] = row["text"] or ""
    return out


def collect(store: Store, rule: PairRule | None = None) -> tuple[list[PreferencePair], list[dict[str, Any]],
                                                                  list[dict[str, Any]]]:
    """(pairs kept, items left out with their reason, every judgement) under ``rule``."""
    rule = (rule or PairRule()).validated()
    with store.connect():
        judgements = preferences(store)
        by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in judgements:
            by_item[row["item_id"]].append(row)
        refs = {(r["a_kind"], r["a_id"]) for r in judgements} | {(r["b_kind"], r["b_id"]) for r in judgements}
        texts = _texts(store, refs)
        records = {r["id"]: r for r in store.fetch_dicts("SELECT id, text, language FROM records")}
    kept: list[PreferencePair] = []
    excluded: list[dict[str, Any]] = []
    def order(item: tuple[str, list[dict[str, Any]]]) -> tuple[str, str, str]:
        first = item[1][0]  # by record and summaries, not by the (random) item id: a stable order
        return first["record_id"], first["a_id"], first["b_id"]

    for item_id, rows in sorted(by_item.items(), key=order):
        first = rows[0]
        votes = [int(r["b_better"].get(rule.criterion, 0)) for r in rows]
        mean, agreement, reason = pool(votes, rule)
        a, b = (first["a_kind"], first["a_id"]), (first["b_kind"], first["b_id"])
        record = records.get(first["record_id"])
        if reason is None and (record is None or not texts.get(a, "").strip() or not texts.get(b, "").strip()):
            reason = "missing_text"
        note = {"item_id": item_id, "record_id": first["record_id"], "margin": round(abs(mean), 3),
                "agreement": round(agreement, 3), "n_annotators": len(rows),
                "annotators": sorted(r["annotator"] for r in rows)}
        if reason:
            excluded.append({**note, "reason": reason})
            continue
        chosen, rejected = (b, a) if mean > 0 else (a, b)
        lang = "en" if (record["language"] or "es").startswith("en") else "es"
        messages = [{"role": "system", "content": INSTRUCTIONS[lang]}, {"role": "user", "content": record["text"]}]
        kept.append(PreferencePair(item_id, first["record_id"], messages, texts[chosen], texts[rejected],
                                   list(chosen), list(rejected), note["margin"], note["agreement"],
                                   note["annotators"]))
    return kept, excluded, judgements


def split_by_record(pairs: list[PreferencePair], val_fraction: float, seed: int = 0
                    ) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """Train / held-out pairs by record: a record's pairs are all on one side."""
    from clinsum.finetune.datasets import split_by_group

    return split_by_group(pairs, val_fraction, seed)  # type: ignore[arg-type]  # same .group duck type


def build(store: Store, rule: PairRule | None = None, *, val_fraction: float = 0.25, seed: int = 0) -> PreferenceSet:
    """The preview: pairs kept and left out, split by record, counts per physician and per record."""
    rule = (rule or PairRule()).validated()
    kept, excluded, judgements = collect(store, rule)
    if not judgements:
        raise InputError("There are no pairwise judgements in this workspace yet.",
                         hint="Physicians compare summaries on the Annotate page (or load the demo content).")
    train, val = split_by_record(kept, val_fraction, seed)
    return PreferenceSet(train, val, excluded, rule, statistics(train, val, excluded, judgements))


def statistics(train: list[PreferencePair], val: list[PreferencePair], excluded: list[dict[str, Any]],
               judgements: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per physician and per record, and how many items each reason left out."""
    side = {p.id: "train" for p in train} | {p.id: "val" for p in val}
    reason = {e["item_id"]: e["reason"] for e in excluded}
    per_physician: dict[str, Counter] = defaultdict(Counter)
    per_record: dict[str, Counter] = defaultdict(Counter)
    for row in judgements:
        where = side.get(row["item_id"]) or reason.get(row["item_id"], "excluded")
        per_physician[row["annotator"]]["judgements"] += 1
        per_physician[row["annotator"]][where] += 1
    for pair in train + val:
        per_record[pair.group][side[pair.id]] += 1
    for item in excluded:
        per_record[item["record_id"]][item["reason"]] += 1
    return {
        "n_judgements": len(judgements), "n_items": len(side) + len(excluded),
        "n_train": len(train), "n_val": len(val),
        "excluded": dict(Counter(e["reason"] for e in excluded)),
        "per_physician": {k: dict(v) for k, v in sorted(per_physician.items())},
        "per_record": {k: dict(v) for k, v in sorted(per_record.items())},
        "val_records": sorted({p.group for p in val}),
        "train_records": sorted({p.group for p in train}),
    }


# -- saved datasets ----------------------------------------------------------------------------
def save(store: Store, name: str, built: PreferenceSet, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save ``built`` as the next version of preference dataset ``name``; return its row."""
    check_dataset_name(name)
    if not built.train:
        raise InputError("No pair is left for training under this rule.",
                         hint="Lower the minimum margin or agreement, or collect more judgements.")
    options = {"rule": asdict(built.rule), **(options or {})}
    meta = {"source": SOURCE, "stats": built.stats, "options": options, "excluded": built.excluded}
    return write_dataset_version(store, name, built.train, built.val, meta, source=SOURCE, base_model=None,
                                 template="auto", stats=built.stats, options=options)


def is_preference_dataset(dataset: dict[str, Any]) -> bool:
    return dataset.get("source") == SOURCE


def load_pairs(dataset: dict[str, Any], split: str) -> list[PreferencePair]:
    """The ``train`` or ``val`` pairs of a saved preference dataset."""
    path = Path(dataset["path"]) / f"{split}.jsonl"
    if not path.is_file():
        raise NotFound(f"The files of dataset {dataset['ref']} are missing ({path}).", hint="Build the dataset again.")
    with open(path, encoding="utf-8") as handle:
        return [PreferencePair(**json.loads(line)) for line in handle if line.strip()]
