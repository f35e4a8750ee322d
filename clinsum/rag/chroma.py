"""Persistent Chroma collections inside the workspace (``<workspace>/kb/``), one per base.

Collections are created without an embedding function: clinsum always passes vectors it
computed with the bundled MiniLM (:mod:`clinsum.embeddings`), so Chroma never downloads its
default model. Telemetry is off. Distances are cosine (0 = same direction, 2 = opposite).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clinsum.store import Store

COLLECTION_PREFIX = "kb-"
_clients: dict[str, Any] = {}
_synced: dict[tuple[str, str], int] = {}  # (kb folder, base) -> passages this process's index holds
_guard = threading.Lock()


def client(store: Store):
    """The Chroma client of this workspace's ``kb/`` folder (one per process and folder)."""
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    path = str(store.dir("kb"))
    with _guard:
        if path not in _clients:
            import chromadb
            from chromadb.config import Settings

            _clients[path] = chromadb.PersistentClient(
                path=path, settings=Settings(anonymized_telemetry=False, allow_reset=False)
            )
        return _clients[path]


def collection_name(base: str) -> str:
    return f"{COLLECTION_PREFIX}{base}"


def get_collection(store: Store, base: str, create: bool = False):
    """The collection of ``base`` (created with cosine distance when ``create``).

    The count it holds now is noted: this process's view of the index dates from here, so
    :func:`fresh_collection` can tell when another process has added passages since.
    """
    chroma = client(store)
    if create:
        collection = chroma.get_or_create_collection(
            collection_name(base), embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}}, metadata={"clinsum_base": base},
        )
    else:
        collection = chroma.get_collection(collection_name(base), embedding_function=None)
    key = (str(store.dir("kb")), base)
    if key not in _synced:  # counted once per view, not on every access
        count = collection.count()
        with _guard:
            _synced.setdefault(key, count)
    return collection


def fresh_collection(store: Store, base: str):
    """The collection for querying, reloaded when another process (an ingestion job) changed it.

    Chroma keeps each collection's vector index in memory; rows another process added are
    counted but not searched (or, for a collection first seen empty, fail to load) until the
    client is reopened, which is done here.
    """
    path = str(store.dir("kb"))
    collection = get_collection(store, base, create=True)
    count = collection.count()
    with _guard:
        stale = _synced.get((path, base), count) != count
    if stale:
        reload(store)
        collection = get_collection(store, base, create=True)
    mark_synced(store, base, count)
    return collection


def reload(store: Store) -> None:
    """Forget this process's Chroma client of the workspace (its indexes are read again)."""
    from chromadb.api.client import SharedSystemClient

    with _guard:
        _clients.pop(str(store.dir("kb")), None)
        SharedSystemClient.clear_system_cache()
        _synced.clear()


def mark_synced(store: Store, base: str, count: int) -> None:
    """Note that this process's index of ``base`` holds ``count`` passages (after its own add)."""
    with _guard:
        _synced[(str(store.dir("kb")), base)] = count


def drop_collection(store: Store, base: str) -> None:
    chroma = client(store)
    names = {c.name for c in chroma.list_collections()}
    if collection_name(base) in names:
        chroma.delete_collection(collection_name(base))


def clean_meta(meta: dict[str, Any]) -> dict[str, str | int | float | bool]:
    """Chroma metadata keeps scalars only: None is dropped, lists and dicts become text."""
    out: dict[str, str | int | float | bool] = {}
    for key, value in meta.items():
        if value is None or value == "":
            continue
        if isinstance(value, (bool, int, float, str)):
            out[str(key)] = value
        else:
            out[str(key)] = str(value)
    return out
