"""Alignments stored per generation and per reference version, and physicians' label reviews.

:func:`get_alignment` returns the stored alignment while its inputs are unchanged (same record
text, summary text and method version, see :func:`clinsum.evidence.alignment.content_hash`) and
recomputes and stores it otherwise. A physician's review of one sentence's label (confirm or
overturn) is an annotation (``item_kind = 'evidence'``, one per annotator and sentence).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinsum.errors import InputError, NotFound
from clinsum.evidence.alignment import LABELS, Alignment, Embedder, align, content_hash, reporting
from clinsum.store import Store, from_json, new_id, to_json

TARGET_KINDS = ("generation", "reference")
REVIEW_KIND = "evidence"


def target_texts(store: Store, target_kind: str, target_id: str) -> tuple[str, str, str]:
    """(summary text, record id, record text) of a generation or reference version."""
    if target_kind not in TARGET_KINDS:
        raise InputError(f"Unknown target kind {target_kind!r}.", hint="Use generation or reference.")
    table = "generations" if target_kind == "generation" else "reference_summaries"
    row = store.fetch_one(
        f"SELECT t.text AS summary, t.record_id, r.text AS record FROM {table} t"
        " JOIN records r ON r.id = t.record_id WHERE t.id = ?", [target_id])
    if row is None:
        raise NotFound(f"No {target_kind} {target_id!r} in this workspace.")
    return row["summary"] or "", row["record_id"], row["record"] or ""


def stored_alignment(store: Store, target_kind: str, target_id: str) -> tuple[str, Alignment] | None:
    row = store.fetch_one("SELECT content_hash, alignment FROM evidence_alignments"
                          " WHERE target_kind = ? AND target_id = ?", [target_kind, target_id])
    return (row["content_hash"], Alignment.from_dict(from_json(row["alignment"]))) if row else None


def get_alignment(store: Store, target_kind: str, target_id: str,
                  embedder: Embedder | None = None,
                  progress: Callable[..., None] | None = None) -> Alignment:
    """The current alignment of a target: stored if its inputs are unchanged, else recomputed
    (``progress(step, **info)``: the bundled embedder's ``load`` and ``embed`` steps)."""
    summary, record_id, record = target_texts(store, target_kind, target_id)
    digest = content_hash(summary, record)
    stored = stored_alignment(store, target_kind, target_id)
    if stored and stored[0] == digest:
        return stored[1]
    with reporting(progress):
        alignment = align(summary, record, embedder)  # slow part: no lock held
    store.execute(
        "INSERT INTO evidence_alignments (target_kind, target_id, record_id, content_hash, version,"
        " alignment) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (target_kind, target_id) DO UPDATE SET"
        " record_id = excluded.record_id, content_hash = excluded.content_hash,"
        " version = excluded.version, alignment = excluded.alignment, computed_at = now()",
        [target_kind, target_id, record_id, digest, alignment.version, to_json(alignment.to_dict())],
    )
    return alignment


def is_current(store: Store, target_kind: str, target_id: str) -> bool:
    """Whether the stored alignment (if any) still matches the target's texts."""
    stored = stored_alignment(store, target_kind, target_id)
    if not stored:
        return False
    summary, _, record = target_texts(store, target_kind, target_id)
    return stored[0] == content_hash(summary, record)


def review_item_id(target_kind: str, target_id: str, sentence_index: int) -> str:
    return f"{target_kind}:{target_id}:{int(sentence_index)}"


def review_label(store: Store, annotator: str, target_kind: str, target_id: str,
                 sentence_index: int, label: str, comment: str = "") -> dict[str, Any]:
    """Store ``annotator``'s label for one summary sentence (confirming or overturning the
    computed one) as an annotation; submitting again replaces it."""
    if not (annotator or "").strip():
        raise InputError("Please give your name before reviewing a label.",
                         hint="Reviews are stored per physician.")
    if label not in LABELS:
        raise InputError(f"Unknown label {label!r}.", hint=f"Use one of {', '.join(LABELS)}.")
    alignment = get_alignment(store, target_kind, target_id)
    sentence = next((s for s in alignment.sentences if s.index == int(sentence_index)), None)
    if sentence is None:
        raise NotFound(f"The summary has no sentence {sentence_index}.")
    _, record_id, _ = target_texts(store, target_kind, target_id)
    verdict = "confirm" if label == sentence.label else "overturn"
    details = {"target_kind": target_kind, "target_id": target_id, "sentence_index": sentence.index,
               "sentence": sentence.text, "computed_label": sentence.label, "label": label,
               "evidence": sentence.evidence}
    store.execute(
        "INSERT INTO annotations (id, item_kind, item_id, record_id, annotator, verdict, comment,"
        " details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_kind, item_id, annotator)"
        " DO UPDATE SET verdict = excluded.verdict, comment = excluded.comment,"
        " details = excluded.details, updated_at = now()",
        [new_id("ann"), REVIEW_KIND, review_item_id(target_kind, target_id, sentence.index),
         record_id, annotator.strip(), verdict, (comment or "").strip(), to_json(details)],
    )
    return {"verdict": verdict, **details}


def label_reviews(store: Store, target_kind: str, target_id: str) -> dict[int, list[dict[str, Any]]]:
    """Physicians' reviews of a target's sentence labels, by sentence index."""
    rows = store.fetch_dicts(
        "SELECT annotator, verdict, comment, details FROM annotations WHERE item_kind = ?"
        " AND starts_with(item_id, ?) ORDER BY updated_at", [REVIEW_KIND, f"{target_kind}:{target_id}:"])
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        details = from_json(row["details"]) or {}
        out.setdefault(int(details["sentence_index"]), []).append(
            {"annotator": row["annotator"], "verdict": row["verdict"], "label": details["label"],
             "computed_label": details["computed_label"], "comment": row["comment"]})
    return out
