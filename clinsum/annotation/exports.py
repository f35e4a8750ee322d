"""Exports: validated references (input of the fine-tuning dataset) and pairwise preferences
as a DPO dataset (prompt / chosen / rejected), as JSONL or Parquet."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from clinsum.annotation.pairwise import preferences
from clinsum.errors import InputError
from clinsum.store import Store

FORMATS = ("jsonl", "parquet")
VALIDATED_COLUMNS = [
    "record_id", "title", "language", "record_text", "reference_id", "reference_version",
    "reference_text", "parent_id", "author", "model", "n_reviews", "annotators",
]
DPO_COLUMNS = [
    "prompt", "chosen", "rejected", "record_id", "item_id", "chosen_kind", "chosen_id",
    "rejected_kind", "rejected_id", "margin", "n_annotators",
]
PROMPTS = {
    "es": "Resume la siguiente historia clínica para otro médico: motivo de consulta, diagnósticos, "
          "tratamientos, evolución y plan.\n\n{text}",
    "en": "Summarize the following clinical record for another physician: reason for visit, "
          "diagnoses, treatments, course and plan.\n\n{text}",
}


def validated_rows(store: Store) -> list[dict[str, Any]]:
    """Per record, its newest validated reference with the record text, ids and versions."""
    with store.connect():
        return _validated_rows(store)


def _validated_rows(store: Store) -> list[dict[str, Any]]:
    rows = store.fetch_dicts(
        "SELECT r.id AS record_id, r.title, r.language, r.text AS record_text, s.id AS reference_id,"
        " s.version AS reference_version, s.text AS reference_text, s.parent_id, s.author, s.model"
        " FROM reference_summaries s JOIN records r ON r.id = s.record_id"
        " WHERE s.status = 'validated' AND s.version = (SELECT max(v.version) FROM reference_summaries v"
        "  WHERE v.record_id = s.record_id AND v.status = 'validated')"
        " ORDER BY r.id"
    )
    reviewers: dict[str, list[str]] = defaultdict(list)
    for row in store.fetch_dicts(
        "SELECT item_id, annotator FROM annotations WHERE item_kind = 'reference' ORDER BY annotator"
    ):
        reviewers[row["item_id"]].append(row["annotator"])
    for row in rows:
        names = reviewers.get(row["reference_id"]) or reviewers.get(row["parent_id"] or "", [])
        row["annotators"] = list(names)
        row["n_reviews"] = len(names)
    return rows


def dpo_rows(store: Store) -> list[dict[str, Any]]:
    """One row per pairwise item with a preference: the mean 'overall' judgement decides.

    Ties (mean 0) are left out; ``margin`` is the mean's absolute value (1–2 = clear).
    """
    with store.connect():
        return _dpo_rows(store)


def _dpo_rows(store: Store) -> list[dict[str, Any]]:
    by_item: dict[str, list[dict]] = defaultdict(list)
    for pref in preferences(store):
        by_item[pref["item_id"]].append(pref)
    out = []
    for item_id, prefs in sorted(by_item.items()):
        mean = sum(p["b_better"]["overall"] for p in prefs) / len(prefs)
        if mean == 0:
            continue
        first = prefs[0]
        a, b = (first["a_kind"], first["a_id"]), (first["b_kind"], first["b_id"])
        chosen, rejected = (b, a) if mean > 0 else (a, b)
        record = store.fetch_one("SELECT text, language FROM records WHERE id = ?", [first["record_id"]])
        if record is None:
            continue
        template = PROMPTS.get(record["language"] or "es", PROMPTS["es"])
        out.append({
            "prompt": template.format(text=record["text"]),
            "chosen": _summary_text(store, *chosen), "rejected": _summary_text(store, *rejected),
            "record_id": first["record_id"], "item_id": item_id,
            "chosen_kind": chosen[0], "chosen_id": chosen[1],
            "rejected_kind": rejected[0], "rejected_id": rejected[1],
            "margin": abs(mean), "n_annotators": len(prefs),
        })
    return out


def _summary_text(store: Store, kind: str, item_id: str) -> str:
    table = "reference_summaries" if kind == "reference" else "generations"
    return store.scalar(f"SELECT text FROM {table} WHERE id = ?", [item_id]) or ""


def to_bytes(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None = None) -> bytes:
    """``rows`` as the bytes of a JSONL or Parquet file."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format {fmt!r}; use jsonl or parquet.")
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows).encode("utf-8")
    import io

    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=columns or (list(rows[0]) if rows else None)).to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_rows(rows: list[dict[str, Any]], path: str | os.PathLike[str], fmt: str | None = None,
               columns: list[str] | None = None) -> Path:
    """Write ``rows`` as JSONL or Parquet (format from ``fmt`` or the file's suffix)."""
    path = Path(path)
    data = to_bytes(rows, (fmt or path.suffix.lstrip(".")).lower(), columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def dataset(store: Store, what: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows and columns of the ``validated`` or ``pairwise`` export."""
    if what == "validated":
        return validated_rows(store), VALIDATED_COLUMNS
    if what == "pairwise":
        return dpo_rows(store), DPO_COLUMNS
    raise InputError(f"Unknown export {what!r}; use validated or pairwise.")


def export(store: Store, what: str, path: str | os.PathLike[str], fmt: str | None = None) -> tuple[Path, int]:
    """``what`` is ``validated`` or ``pairwise``; returns the file and its number of rows."""
    rows, columns = dataset(store, what)
    return write_rows(rows, path, fmt, columns), len(rows)
