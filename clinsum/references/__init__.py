"""Reference summaries: versions per record (an edit is a new version; the original stays)."""

from __future__ import annotations

from typing import Any

from clinsum.errors import InputError, NotFound
from clinsum.store import Store, from_json, new_id, to_json
from clinsum.text import normalize

STATUSES = ("draft", "validated", "edited", "rejected")


def add_reference(
    store: Store,
    record_id: str,
    text: str,
    *,
    author: str | None = None,
    model: str | None = None,
    prompt: str | None = None,
    provenance: dict[str, Any] | None = None,
    status: str = "draft",
    parent_id: str | None = None,
) -> str:
    """Store a new version of ``record_id``'s reference summary; return its id."""
    text = normalize(text or "")
    if not text.strip():
        raise InputError("A reference summary cannot be empty.")
    if status not in STATUSES:
        raise InputError(f"Unknown reference status {status!r}; use one of {', '.join(STATUSES)}.")
    ref_id = new_id("ref")
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone():
            raise NotFound(f"No record {record_id!r} in this workspace.")
        version = con.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM reference_summaries WHERE record_id = ?",
            [record_id],
        ).fetchone()[0]
        con.execute(
            "INSERT INTO reference_summaries (id, record_id, version, text, author, model, prompt,"
            " provenance, status, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ref_id, record_id, version, text, author, model, prompt, to_json(provenance), status, parent_id],
        )
    return ref_id


def get_reference(store: Store, ref_id: str) -> dict[str, Any]:
    row = store.fetch_one("SELECT * FROM reference_summaries WHERE id = ?", [ref_id])
    if row is None:
        raise NotFound(f"No reference summary {ref_id!r}.")
    row["provenance"] = from_json(row["provenance"]) or {}
    return row


def latest_reference(store: Store, record_id: str, statuses: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """The newest version (optionally only with one of ``statuses``), or None."""
    sql = "SELECT * FROM reference_summaries WHERE record_id = ?"
    params: list[Any] = [record_id]
    if statuses:
        sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
        params += list(statuses)
    row = store.fetch_one(sql + " ORDER BY version DESC LIMIT 1", params)
    if row:
        row["provenance"] = from_json(row["provenance"]) or {}
    return row


def list_references(store: Store, record_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM reference_summaries"
    params: list[Any] = []
    if record_id:
        sql += " WHERE record_id = ?"
        params.append(record_id)
    return store.fetch_dicts(sql + " ORDER BY record_id, version", params)


def set_status(store: Store, ref_id: str, status: str) -> None:
    if status not in STATUSES:
        raise InputError(f"Unknown reference status {status!r}.")
    store.execute("UPDATE reference_summaries SET status = ? WHERE id = ?", [status, ref_id])
