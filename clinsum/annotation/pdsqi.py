"""PDSQI-9 ratings: a physician's nine 1–5 scores for a reference version or a generation.

A rating is an annotation (``item_kind = 'pdsqi'``, ``item_id`` the rated target's id,
``details.target_kind``), one per annotator and target; rating again replaces it. Agreement per
item is :func:`clinsum.annotation.report.agreement_report` with ``kind="pdsqi"``.
"""

from __future__ import annotations

from typing import Any

from clinsum.annotation.rubric import PDSQI9_NAMES, PDSQI_MAX, PDSQI_MIN, check_scores
from clinsum.errors import InputError, NotFound
from clinsum.store import Store, from_json, new_id, to_json

KIND = "pdsqi"
TARGETS = {"reference": "reference_summaries", "generation": "generations"}


def submit_pdsqi(store: Store, annotator: str, target_kind: str, target_id: str,
                 scores: dict[str, Any], comment: str = "") -> dict[str, int]:
    """Validate and store ``annotator``'s PDSQI-9 rating of a target; return the clean scores."""
    if not (annotator or "").strip():
        raise InputError("Please sign in before rating.")
    if target_kind not in TARGETS:
        raise InputError(f"Unknown target kind {target_kind!r}.", hint="Use reference or generation.")
    clean = check_scores(scores, PDSQI9_NAMES, PDSQI_MIN, PDSQI_MAX)
    with store.transaction():
        record_id = store.scalar(f"SELECT record_id FROM {TARGETS[target_kind]} WHERE id = ?", [target_id])
        if record_id is None:
            raise NotFound(f"No {target_kind} {target_id!r} in this workspace.")
        store.execute(
            "INSERT INTO annotations (id, item_kind, item_id, record_id, annotator, scores, comment,"
            " details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_kind, item_id, annotator)"
            " DO UPDATE SET scores = excluded.scores, comment = excluded.comment,"
            " details = excluded.details, updated_at = now()",
            [new_id("ann"), KIND, target_id, record_id, annotator.strip(), to_json(clean),
             (comment or "").strip(), to_json({"target_kind": target_kind})],
        )
    return clean


def get_pdsqi(store: Store, target_id: str, annotator: str) -> dict[str, int] | None:
    row = store.fetch_one("SELECT scores FROM annotations WHERE item_kind = ? AND item_id = ?"
                          " AND annotator = ?", [KIND, target_id, annotator])
    return from_json(row["scores"]) if row else None
