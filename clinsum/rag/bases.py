"""Named knowledge bases: a row in ``kb_bases`` (layout, source, counts) plus a collection."""

from __future__ import annotations

import re
from typing import Any

from clinsum.errors import InputError, NotFound
from clinsum.rag.chroma import drop_collection, get_collection
from clinsum.store import Store, from_json, to_json

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,46}[a-z0-9])?$")
EMBED_MODEL = "all-MiniLM-L6-v2 (bundled)"
DEFAULT_MAX_CHARS = 1000


def check_name(name: str) -> str:
    """A valid base name (lower-case letters, digits, ``-`` and ``_``), or InputError."""
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise InputError(
            f"{name!r} is not a valid knowledge base name.",
            hint="Use 1 to 48 lower-case letters, digits, '-' or '_' (e.g. medmcqa, seed).",
        )
    return name


def create_base(
    store: Store, name: str, description: str = "", max_chars: int = DEFAULT_MAX_CHARS,
    exist_ok: bool = False,
) -> dict[str, Any]:
    """Create an empty base (its collection and its row); return the row."""
    name = check_name(name)
    if base_exists(store, name):
        if exist_ok:
            return get_base(store, name)
        raise InputError(f"The knowledge base {name!r} already exists.",
                         hint="Pick another name, or ingest more data into it.")
    if max_chars < 50:
        raise InputError("max_chars must be at least 50 characters.")
    get_collection(store, name, create=True)
    store.execute(
        "INSERT INTO kb_bases (name, description, embed_model, max_chars) VALUES (?, ?, ?, ?)",
        [name, description, EMBED_MODEL, int(max_chars)],
    )
    return get_base(store, name)


def base_exists(store: Store, name: str) -> bool:
    return store.scalar("SELECT count(*) FROM kb_bases WHERE name = ?", [name]) > 0


def get_base(store: Store, name: str) -> dict[str, Any]:
    row = store.fetch_one("SELECT * FROM kb_bases WHERE name = ?", [name])
    if row is None:
        known = ", ".join(b["name"] for b in list_bases(store)) or "none yet"
        raise NotFound(f"No knowledge base {name!r} in this workspace.",
                       hint=f"Known: {known}. Create one with `clinsum kb create NAME`.")
    row["meta"] = from_json(row["meta"]) or {}
    return row


def list_bases(store: Store) -> list[dict[str, Any]]:
    rows = store.fetch_dicts("SELECT * FROM kb_bases ORDER BY name")
    for row in rows:
        row["meta"] = from_json(row["meta"]) or {}
    return rows


def delete_base(store: Store, name: str) -> None:
    """Remove the collection, the row and the ingestion history of ``name``."""
    get_base(store, name)
    drop_collection(store, name)
    with store.transaction() as con:
        con.execute("DELETE FROM kb_ingests WHERE base = ?", [name])
        con.execute("DELETE FROM kb_bases WHERE name = ?", [name])


def refresh_counts(store: Store, name: str, **fields: Any) -> dict[str, Any]:
    """Store the collection's passage count (and ``fields``: layout, source, …) on the row."""
    count = get_collection(store, name, create=True).count()
    sets = ["n_passages = ?", "updated_at = current_timestamp"]
    params: list[Any] = [count]
    for key, value in fields.items():
        if key not in {"layout", "source", "description", "meta"}:
            raise ValueError(f"unknown kb_bases field {key}")
        sets.append(f"{key} = ?")
        params.append(to_json(value) if key == "meta" else value)
    store.execute(f"UPDATE kb_bases SET {', '.join(sets)} WHERE name = ?", [*params, name])
    return get_base(store, name)


def browse(store: Store, name: str, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """Stored passages, a page at a time (id, text, metadata)."""
    get_base(store, name)
    got = get_collection(store, name, create=True).get(
        offset=int(offset), limit=int(limit), include=["documents", "metadatas"])
    return [{"id": i, "text": d, **(m or {})}
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
