"""Search a knowledge base: one query, many queries at once, and retrieval for key ideas."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from clinsum.rag.bases import get_base
from clinsum.rag.chroma import fresh_collection
from clinsum.store import Store


@dataclass
class Hit:
    """A passage found for a query; ``distance`` is cosine distance (lower is closer)."""

    id: str
    text: str
    distance: float
    meta: dict[str, Any] = field(default_factory=dict)
    base: str = ""
    query: str = ""
    rank: int = 0

    @property
    def score(self) -> float:
        """Cosine similarity, 1 - distance (higher is closer)."""
        return round(1.0 - self.distance, 4)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"score": self.score}


def search_many(
    store: Store, base: str, queries: list[str], k: int = 5, max_distance: float | None = None,
) -> list[list[Hit]]:
    """The ``k`` nearest passages of each query (one embedding batch, one Chroma query)."""
    from clinsum.embeddings import embed

    get_base(store, base)
    queries = [q.strip() for q in queries]
    if not queries:
        return []
    collection = fresh_collection(store, base)
    n = min(int(k), collection.count())
    if n <= 0:
        return [[] for _ in queries]
    vectors = embed([q or "-" for q in queries])
    got = collection.query(query_embeddings=vectors, n_results=n,
                           include=["documents", "distances", "metadatas"])
    out: list[list[Hit]] = []
    for qi, query in enumerate(queries):
        hits = []
        for rank, (pid, doc, dist, meta) in enumerate(zip(
                got["ids"][qi], got["documents"][qi], got["distances"][qi], got["metadatas"][qi],
                strict=True), start=1):
            if max_distance is not None and dist > max_distance:
                continue
            hits.append(Hit(pid, doc, round(float(dist), 4), dict(meta or {}), base, query, rank))
        out.append(hits)
    return out


def search(store: Store, base: str, query: str, k: int = 5, max_distance: float | None = None) -> list[Hit]:
    """The ``k`` nearest passages of ``query`` within ``max_distance``."""
    return search_many(store, base, [query], k, max_distance)[0]


@dataclass
class Retrieval:
    """Passages per query after de-duplication across queries, and how long it took."""

    hits: list[list[Hit]]
    seconds: float
    removed_duplicates: int = 0


def retrieve(
    store: Store, base: str, queries: list[str], k: int = 3, max_distance: float | None = None,
) -> Retrieval:
    """Top-``k`` per query; a passage found by several queries stays only with the closest one."""
    started = time.perf_counter()
    found = search_many(store, base, queries, k, max_distance)
    best: dict[str, tuple[float, int]] = {}
    for qi, hits in enumerate(found):
        for hit in hits:
            if hit.id not in best or hit.distance < best[hit.id][0]:
                best[hit.id] = (hit.distance, qi)
    kept = [[h for h in hits if best[h.id][1] == qi] for qi, hits in enumerate(found)]
    removed = sum(len(h) for h in found) - sum(len(h) for h in kept)
    return Retrieval(kept, round(time.perf_counter() - started, 4), removed)
