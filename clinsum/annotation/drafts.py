"""Autosaved work in progress: one draft per annotator and item, written on every change."""

from __future__ import annotations

from typing import Any

from clinsum.store import Store, from_json, to_json


def save_draft(store: Store, annotator: str, item_kind: str, item_id: str, data: dict[str, Any]) -> None:
    """Store (replace) the draft; cheap enough to call on every widget change."""
    store.execute(
        "INSERT INTO annotation_drafts (annotator, item_kind, item_id, data) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (annotator, item_kind, item_id)"
        " DO UPDATE SET data = excluded.data, updated_at = now()",
        [annotator, item_kind, item_id, to_json(data)],
    )


def load_draft(store: Store, annotator: str, item_kind: str, item_id: str) -> dict[str, Any] | None:
    value = store.scalar(
        "SELECT data FROM annotation_drafts WHERE annotator = ? AND item_kind = ? AND item_id = ?",
        [annotator, item_kind, item_id],
    )
    return from_json(value) if value is not None else None


def delete_draft(store: Store, annotator: str, item_kind: str, item_id: str) -> None:
    store.execute(
        "DELETE FROM annotation_drafts WHERE annotator = ? AND item_kind = ? AND item_id = ?",
        [annotator, item_kind, item_id],
    )
