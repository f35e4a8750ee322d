"""Adapters trained here: registered rows in ``finetune_adapters``, lookups and exports."""

from __future__ import annotations

from typing import Any

from clinsum.errors import NotFound
from clinsum.store import Store, from_json, new_id, to_json


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("config", "results", "exports"):
        row[key] = from_json(row.get(key)) or {}
    return row


def list_adapters(store: Store) -> list[dict[str, Any]]:
    """Every registered adapter, newest first: id, name, base_model, adapter_path, created_at, …"""
    rows = store.fetch_dicts("SELECT * FROM finetune_adapters ORDER BY created_at DESC, id")
    return [_decode(r) for r in rows]


def get_adapter(store: Store, adapter_id: str) -> dict[str, Any]:
    """One adapter by id or name (the newest of that name)."""
    row = store.fetch_one(
        "SELECT * FROM finetune_adapters WHERE id = ? OR name = ? ORDER BY created_at DESC LIMIT 1",
        [adapter_id, adapter_id],
    )
    if row is None:
        raise NotFound(
            f"No adapter {adapter_id!r} in this workspace.",
            hint="`clinsum finetune adapters` lists the adapters trained here.",
        )
    return _decode(row)


def register_adapter(
    store: Store,
    *,
    name: str,
    base_model: str,
    adapter_path: str,
    job_id: str | None = None,
    dataset_id: str | None = None,
    config: dict[str, Any] | None = None,
    results: dict[str, Any] | None = None,
) -> str:
    """Record a trained adapter (one per job: a rerun of the job updates its row)."""
    existing = job_id and store.fetch_one("SELECT id FROM finetune_adapters WHERE job_id = ?", [job_id])
    if existing:
        store.execute(
            "UPDATE finetune_adapters SET name = ?, base_model = ?, adapter_path = ?, dataset_id = ?,"
            " config = ?, results = ? WHERE id = ?",
            [name, base_model, adapter_path, dataset_id, to_json(config), to_json(results), existing["id"]],
        )
        return existing["id"]
    adapter_id = new_id("adp")
    store.execute(
        "INSERT INTO finetune_adapters (id, name, job_id, base_model, adapter_path, dataset_id,"
        " config, results) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [adapter_id, name, job_id, base_model, adapter_path, dataset_id, to_json(config), to_json(results)],
    )
    return adapter_id


def record_export(store: Store, adapter_id: str, kind: str, path: str) -> None:
    """Remember where an export of ``adapter_id`` (``merged``, ``gguf``, ``modelfile``) went."""
    adapter = get_adapter(store, adapter_id)
    exports = dict(adapter["exports"])
    exports[kind] = path
    store.execute("UPDATE finetune_adapters SET exports = ? WHERE id = ?", [to_json(exports), adapter["id"]])
