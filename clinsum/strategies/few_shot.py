"""Few-shot: the workspace's validated references of other records as examples.

Examples are the records nearest to this one by embedding (bundled MiniLM, cosine
distance), among records whose latest reference is validated or edited by a person. The
record itself is never an example: neither its id nor any record with the same text.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from clinsum.backends.base import Message
from clinsum.strategies.base import STRATEGIES, StrategyContext
from clinsum.strategies.prompted import PromptStrategy
from clinsum.strategies.prompts import Rendered, render

EXAMPLE_STATUSES = ("validated", "edited")
EMBED_CHARS = 1200
_cache: dict[str, np.ndarray] = {}
_cache_lock = threading.Lock()


def example_pool(store: Any) -> list[dict[str, Any]]:
    """Records whose newest reference is validated or edited, with that reference's text."""
    return store.fetch_dicts(
        "SELECT r.id AS record_id, r.text, r.content_hash, s.text AS summary, s.id AS reference_id"
        " FROM records r JOIN (SELECT *, row_number() OVER (PARTITION BY record_id"
        "   ORDER BY version DESC) AS rn FROM reference_summaries) s ON s.record_id = r.id"
        f" WHERE s.rn = 1 AND s.status IN ({', '.join('?' for _ in EXAMPLE_STATUSES)})"
        " ORDER BY r.id",
        list(EXAMPLE_STATUSES),
    )


def _vectors(keys: list[str], texts: list[str]) -> np.ndarray:
    from clinsum.embeddings import embed

    with _cache_lock:
        missing = [i for i, key in enumerate(keys) if key not in _cache]
    if missing:
        fresh = embed([texts[i][:EMBED_CHARS] for i in missing])
        with _cache_lock:
            for i, vector in zip(missing, fresh, strict=True):
                _cache[keys[i]] = vector
    with _cache_lock:
        return np.stack([_cache[key] for key in keys])


def nearest_examples(store: Any, record: Any, k: int = 2) -> list[dict[str, Any]]:
    """The ``k`` nearest validated examples of OTHER records, each with its cosine distance."""
    pool = [row for row in example_pool(store)
            if row["record_id"] != record.id and row["content_hash"] != record.content_hash]
    if not pool or k <= 0:
        return []
    vectors = _vectors([row["content_hash"] for row in pool], [row["text"] for row in pool])
    query = _vectors([f"q:{record.content_hash}"], [record.text])[0]
    distances = 1.0 - vectors @ query
    order = np.argsort(distances, kind="stable")[:k]
    return [dict(pool[i], distance=round(float(distances[i]), 4)) for i in order]


class FewShotStrategy(PromptStrategy):
    name = "few_shot"
    label = "Con ejemplos / Few-shot"
    description = ("Shows the model validated summaries of the most similar OTHER records in "
                   "the workspace (nearest neighbours by embedding), then asks for this one.")

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        prompts = self.prompts(ctx)
        k = int(ctx.params.get("k", ctx.params.get("examples", 2)))
        limit = int(ctx.params.get("example_chars", 2500))
        examples = nearest_examples(ctx.store, ctx.record, k) if ctx.store is not None else []
        blocks = []
        for n, ex in enumerate(examples, start=1):
            blocks.append(render(prompts.template("example"), n=n, record=ex["text"][:limit],
                                 summary=ex["summary"]))
            ctx.retrieval.append({"kind": "example", "record_id": ex["record_id"],
                                  "reference_id": ex["reference_id"], "distance": ex["distance"]})
        if not examples:
            ctx.notes.append("few-shot: no validated references of other records; ran without examples")
            blocks = [prompts.template("no_examples")]
        return prompts.messages("user", examples=Rendered("\n\n".join(blocks)), record=ctx.record.text)


STRATEGIES.register("few_shot", FewShotStrategy())
