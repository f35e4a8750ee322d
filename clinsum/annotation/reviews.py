"""Reviewing a reference summary: rubric scores, verdict, comment, error spans, inline edit.

One submission per annotator and item: submitting again updates it (upsert). An edit becomes
a new reference version (status ``edited``, ``parent_id`` = the reviewed version, provenance
``{"source": "annotation"}``); the reviewed version is never changed, only its status.

Status rule, applied after every submission from all reviews of the item (majority of
annotators, ``n`` reviews):

* more than half reject → the reviewed version is ``rejected``;
* more than half accept (with or without edits) → if more chose *accept with edits* than
  plain *accept*, the most recently submitted edit is ``validated`` and the reviewed version
  goes back to ``draft``; otherwise the reviewed version is ``validated``;
* no majority (e.g. one accepts, one rejects) → the reviewed version is ``draft`` until
  another review breaks the tie.

An edit is stored with status ``edited`` and, once the verdicts are counted, is either the
``validated`` version or goes to ``draft`` (proposed, not adopted). So at most one version per
item is validated, and the newest ``validated``/``edited`` version of a record, which the
fine-tuning dataset builder takes, is the one the reviewers chose.
"""

from __future__ import annotations

from typing import Any

from clinsum.annotation.drafts import delete_draft
from clinsum.annotation.rubric import (
    CRITERION_NAMES,
    SCORE_MAX,
    SCORE_MIN,
    VERDICTS,
    check_scores,
    needs_comment,
)
from clinsum.annotation.spans import check_spans
from clinsum.errors import InputError
from clinsum.references import add_reference, get_reference
from clinsum.store import Store, from_json, new_id, to_json
from clinsum.text import normalize

UPSERT = (
    "INSERT INTO annotations (id, item_kind, item_id, record_id, annotator, scores, verdict, comment,"
    " spans, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (item_kind, item_id, annotator) DO UPDATE SET scores = excluded.scores,"
    " verdict = excluded.verdict, comment = excluded.comment, spans = excluded.spans,"
    " details = excluded.details, updated_at = now()"
)


def get_annotation(store: Store, item_kind: str, item_id: str, annotator: str) -> dict[str, Any] | None:
    row = store.fetch_one(
        "SELECT * FROM annotations WHERE item_kind = ? AND item_id = ? AND annotator = ?",
        [item_kind, item_id, annotator],
    )
    return _decode(row) if row else None


def list_annotations(store: Store, item_kind: str, item_id: str | None = None) -> list[dict[str, Any]]:
    sql, params = "SELECT * FROM annotations WHERE item_kind = ?", [item_kind]
    if item_id:
        sql, params = sql + " AND item_id = ?", [*params, item_id]
    return [_decode(r) for r in store.fetch_dicts(sql + " ORDER BY item_id, annotator", params)]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("scores", "spans", "details"):
        row[key] = from_json(row[key]) or ({} if key != "spans" else [])
    return row


def submit_review(
    store: Store,
    annotator: str,
    item_id: str,
    *,
    scores: dict[str, Any],
    verdict: str,
    comment: str = "",
    spans: list[dict[str, Any]] | None = None,
    edited_text: str | None = None,
) -> dict[str, Any]:
    """Validate and store ``annotator``'s review of reference version ``item_id``."""
    with store.transaction():  # one lock and one connection for the reads and the writes
        ref = get_reference(store, item_id)
        record_text = store.scalar("SELECT text FROM records WHERE id = ?", [ref["record_id"]]) or ""
        clean, edited = _check_review(ref, scores, verdict, comment, edited_text)
        checked_spans = check_spans(spans or [], ref["text"], record_text)
        store.execute(
            "INSERT INTO annotation_items (item_kind, item_id, record_id) VALUES ('reference', ?, ?)"
            " ON CONFLICT DO NOTHING", [item_id, ref["record_id"]],
        )
        previous = get_annotation(store, "reference", item_id, annotator)
        edited_ref_id = _edit_version(store, ref, annotator, edited, previous) if edited else None
        details = {"reference_version": ref["version"], "edited_ref_id": edited_ref_id}
        store.execute(UPSERT, [
            new_id("ann"), "reference", item_id, ref["record_id"], annotator, to_json(clean), verdict,
            (comment or "").strip(), to_json(checked_spans), to_json(details),
        ])
        delete_draft(store, annotator, "reference", item_id)
        decision = apply_verdicts(store, item_id)
    return {"item_id": item_id, "edited_ref_id": edited_ref_id, **decision}


def _check_review(
    ref: dict, scores: dict[str, Any], verdict: str, comment: str, edited_text: str | None
) -> tuple[dict[str, int], str | None]:
    """Clean scores, and the edited text when it really differs; clear errors otherwise."""
    clean = check_scores(scores, CRITERION_NAMES, SCORE_MIN, SCORE_MAX)
    if verdict not in VERDICTS:
        raise InputError("Please choose a verdict: accept, accept with edits, or reject.")
    if needs_comment(clean, verdict) and not (comment or "").strip():
        raise InputError(
            "A comment is required when a score is 2 or lower or the summary is rejected.",
            hint="Say briefly what is wrong, so the reference can be fixed.",
        )
    edited = normalize(edited_text) if edited_text is not None else None
    changed = bool(edited and edited.strip() and edited != normalize(ref["text"]))
    if verdict == "accept_edits" and not changed:
        raise InputError(
            "'Accept with edits' needs an edited text that differs from the reference.",
            hint="Edit the reference in the box, or choose 'accept'.",
        )
    if changed and verdict != "accept_edits":
        raise InputError(
            "You edited the reference: choose 'accept with edits' to keep your changes.",
            hint="Or undo the edit to accept or reject the reference as it is.",
        )
    return clean, edited if changed else None


def _edit_version(store: Store, ref: dict, annotator: str, text: str, previous: dict | None) -> str:
    """The annotator's edit as a new version (reused when it is the same text as last time)."""
    old_id = (previous or {}).get("details", {}).get("edited_ref_id")
    if old_id:
        old = store.fetch_one("SELECT text FROM reference_summaries WHERE id = ?", [old_id])
        if old and old["text"] == text:
            return old_id
    return add_reference(
        store, ref["record_id"], text, author=annotator, status="edited", parent_id=ref["id"],
        provenance={"source": "annotation", "annotator": annotator, "item_id": ref["id"]},
    )


def apply_verdicts(store: Store, item_id: str) -> dict[str, Any]:
    """Set reference statuses from every review of ``item_id`` (rule in the module doc)."""
    with store.transaction():
        reviews = store.fetch_dicts(
            "SELECT verdict, details, updated_at FROM annotations"
            " WHERE item_kind = 'reference' AND item_id = ? ORDER BY updated_at, annotator", [item_id],
        )
        n = len(reviews)
        if not n:
            return {"decision": "pending", "validated_id": None}
        counts = {v: sum(r["verdict"] == v for r in reviews) for v in VERDICTS}
        children = [r[0] for r in store.execute(
            "SELECT id FROM reference_summaries WHERE parent_id = ?"
            " AND json_extract_string(provenance, '$.source') = 'annotation'", [item_id])]
        edits = [(from_json(r["details"]) or {}).get("edited_ref_id") for r in reviews
                 if r["verdict"] == "accept_edits"]
        edits = [e for e in edits if e]
        statuses = {c: "draft" for c in children}
        if counts["reject"] * 2 > n:
            decision, statuses[item_id], validated = "rejected", "rejected", None
        elif (counts["accept"] + counts["accept_edits"]) * 2 > n:
            if counts["accept_edits"] > counts["accept"] and edits:
                validated = edits[-1]
                decision, statuses[item_id], statuses[validated] = "edited", "draft", "validated"
            else:
                decision, statuses[item_id], validated = "validated", "validated", item_id
        else:
            decision, statuses[item_id], validated = "undecided", "draft", None
        for ref_id, status in statuses.items():
            store.execute("UPDATE reference_summaries SET status = ? WHERE id = ?", [status, ref_id])
    return {"decision": decision, "validated_id": validated, "counts": counts}
