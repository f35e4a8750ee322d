"""Blinded pairwise comparison: two summaries of one record, shown in a stored random order.

An item holds a canonical pair ``a``/``b`` (the reference or the older generation is ``a``)
and ``swapped``, drawn once when the item is made: shown left is ``b`` when swapped. Scores
are given as shown (−2 = left clearly better … +2 = right clearly better) and stored as
given, with the order shown; :func:`canonical` undoes the order for analysis, giving values
where positive means ``b`` is better.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from clinsum.annotation.drafts import delete_draft
from clinsum.annotation.reviews import UPSERT, get_annotation, list_annotations
from clinsum.annotation.rubric import PAIR_CRITERION_NAMES, PAIR_MAX, PAIR_MIN, check_scores
from clinsum.errors import InputError, NotFound
from clinsum.references import latest_reference
from clinsum.store import Store, new_id, to_json

MODES = ("reference_vs_generation", "generations")


def _generations(store: Store, record_id: str) -> list[dict[str, Any]]:
    return store.fetch_dicts(
        "SELECT id, text FROM generations WHERE record_id = ? AND error IS NULL"
        " AND text IS NOT NULL AND trim(text) <> '' ORDER BY created_at, id", [record_id],
    )


def candidate_pairs(store: Store, record_id: str, mode: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """``((a_kind, a_id), (b_kind, b_id))`` pairs for one record."""
    if mode not in MODES:
        raise InputError(f"Unknown pairwise mode {mode!r}; use one of {', '.join(MODES)}.")
    gens = [("generation", g["id"]) for g in _generations(store, record_id)]
    if mode == "generations":
        return list(itertools.combinations(gens, 2))
    ref = latest_reference(store, record_id, ("validated",)) or latest_reference(
        store, record_id, ("draft", "edited"))
    return [(("reference", ref["id"]), g) for g in gens] if ref else []


def create_pairs(
    store: Store,
    mode: str = "reference_vs_generation",
    record_ids: list[str] | None = None,
    seed: int | None = None,
    max_per_record: int | None = None,
) -> int:
    """Make pairwise items (existing pairs keep their order); return how many are new."""
    if mode not in MODES:
        raise InputError(f"Unknown pairwise mode {mode!r}; use one of {', '.join(MODES)}.")
    if record_ids is None:
        record_ids = [r[0] for r in store.execute(
            "SELECT DISTINCT record_id FROM generations WHERE error IS NULL ORDER BY record_id")]
    with store.connect():
        chosen = [(record_id, a, b) for record_id in record_ids
                  for a, b in candidate_pairs(store, record_id, mode)[: max_per_record or None]]
    return create_given_pairs(store, chosen, seed)


def create_given_pairs(store: Store, pairs: list[tuple[str, tuple[str, str], tuple[str, str]]],
                       seed: int | None = None) -> int:
    """Make pairwise items for ``(record_id, (a_kind, a_id), (b_kind, b_id))`` (e.g. a before/after
    grid's two summaries of each record), each shown in a random stored order; how many are new."""
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    created = 0
    with store.transaction() as con:
        rows = [(new_id("pair"), record_id, *a, *b, rng.random() < 0.5) for record_id, a, b in pairs]
        for row in rows:
            inserted = con.execute(
                "INSERT INTO pairwise_items (id, record_id, a_kind, a_id, b_kind, b_id, swapped)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id", list(row),
            ).fetchall()
            if inserted:
                con.execute("INSERT INTO annotation_items (item_kind, item_id, record_id)"
                            " VALUES ('pairwise', ?, ?) ON CONFLICT DO NOTHING", [row[0], row[1]])
                created += 1
    return created


def _text(store: Store, kind: str, item_id: str) -> str:
    table = "reference_summaries" if kind == "reference" else "generations"
    text = store.scalar(f"SELECT text FROM {table} WHERE id = ?", [item_id])
    if text is None:
        raise NotFound(f"The summary {item_id!r} of a pairwise item no longer exists.")
    return text


def get_pair(store: Store, pair_id: str) -> dict[str, Any]:
    """The item with ``left``/``right`` as shown (``kind``, ``id``, ``text`` each)."""
    with store.connect():
        row = store.fetch_one("SELECT * FROM pairwise_items WHERE id = ?", [pair_id])
        if row is None:
            raise NotFound(f"No pairwise item {pair_id!r}.")
        a = {"kind": row["a_kind"], "id": row["a_id"], "text": _text(store, row["a_kind"], row["a_id"])}
        b = {"kind": row["b_kind"], "id": row["b_id"], "text": _text(store, row["b_kind"], row["b_id"])}
    left, right = (b, a) if row["swapped"] else (a, b)
    return {**row, "a": a, "b": b, "left": left, "right": right}


def submit_pairwise(
    store: Store, annotator: str, pair_id: str, scores: dict[str, Any], comment: str = "",
    shown: list[str] | tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Store ``annotator``'s judgement (scores as shown: positive = right better); upsert.

    ``shown`` is the (left id, right id) the doctor saw; when given it must be this pair in
    this order, so a judgement can never be stored against another comparison.
    """
    clean = check_scores(scores, PAIR_CRITERION_NAMES, PAIR_MIN, PAIR_MAX)
    with store.transaction():
        pair = get_pair(store, pair_id)
        if shown is not None and list(shown) != [pair["left"]["id"], pair["right"]["id"]]:
            raise InputError(
                "These ratings were given on another pair of summaries than this comparison.",
                hint="Reload the page and rate the comparison again; nothing was saved.",
            )
        details = {"swapped": bool(pair["swapped"]), "left": pair["left"]["id"], "right": pair["right"]["id"]}
        store.execute(UPSERT, [new_id("ann"), "pairwise", pair_id, pair["record_id"], annotator,
                               to_json(clean), None, (comment or "").strip(), to_json([]), to_json(details)])
        delete_draft(store, annotator, "pairwise", pair_id)
        return get_annotation(store, "pairwise", pair_id, annotator)


def canonical(scores: dict[str, int], swapped: bool) -> dict[str, int]:
    """Scores as shown → positive means ``b`` better (the stored order undone)."""
    return {k: (-v if swapped else v) for k, v in scores.items()}


def preferences(store: Store) -> list[dict[str, Any]]:
    """Every pairwise judgement with the order undone: ``b_better`` per criterion."""
    with store.connect():
        pairs = {r["id"]: r for r in store.fetch_dicts("SELECT * FROM pairwise_items")}
        annotations = list_annotations(store, "pairwise")
    rows = []
    for ann in annotations:
        pair = pairs.get(ann["item_id"])
        if pair is None:
            continue
        swapped = bool(ann["details"].get("swapped", pair["swapped"]))
        rows.append({
            "item_id": pair["id"], "record_id": pair["record_id"], "annotator": ann["annotator"],
            "a_kind": pair["a_kind"], "a_id": pair["a_id"], "b_kind": pair["b_kind"], "b_id": pair["b_id"],
            "swapped": swapped, "shown": ann["scores"], "b_better": canonical(ann["scores"], swapped),
            "comment": ann["comment"],
        })
    return rows
