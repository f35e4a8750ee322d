"""The review queue: which items each annotator sees, with a configurable overlap.

Every item goes to ``k`` annotators (the overlap, a workspace setting). Assignment is
deterministic rendezvous hashing: each active annotator gets a score ``sha256(item, name)``
and the ``k`` highest take the item. The same workspace always gives the same queues, and a
newcomer only takes over the items where they rank in the top ``k``, so nobody's queue is
reshuffled. Items someone has already submitted or drafted stay in their queue regardless.
"""

from __future__ import annotations

import hashlib
from typing import Any

from clinsum.annotation.annotators import active_names
from clinsum.errors import InputError
from clinsum.store import Store, from_json, to_json

DEFAULT_OVERLAP = 2
ITEM_KINDS = ("reference", "pairwise")
NOT_FROM_ANNOTATION = "coalesce(json_extract_string({t}.provenance, '$.source'), '') <> 'annotation'"


# -- settings ---------------------------------------------------------------------------------
def get_setting(store: Store, key: str, default: Any = None) -> Any:
    value = store.scalar("SELECT value FROM annotation_settings WHERE key = ?", [key])
    return default if value is None else from_json(value)


def set_setting(store: Store, key: str, value: Any) -> None:
    store.execute(
        "INSERT INTO annotation_settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, to_json(value)],
    )


def get_overlap(store: Store) -> int:
    """How many annotators see each item (default 2, so agreement can be measured)."""
    return int(get_setting(store, "overlap", DEFAULT_OVERLAP))


def set_overlap(store: Store, k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 20:
        raise InputError("The overlap is how many annotators see each item: a number from 1 to 20.")
    set_setting(store, "overlap", k)


# -- items ------------------------------------------------------------------------------------
def sync_reference_items(store: Store) -> int:
    """Queue the newest version of each record's reference (not an annotator's edit)."""
    cond, cond2 = NOT_FROM_ANNOTATION.format(t="r"), NOT_FROM_ANNOTATION.format(t="r2")
    before = store.scalar("SELECT count(*) FROM annotation_items WHERE item_kind = 'reference'")
    store.execute(
        "INSERT INTO annotation_items (item_kind, item_id, record_id)"
        " SELECT 'reference', r.id, r.record_id FROM reference_summaries r"
        f" WHERE {cond} AND r.version = (SELECT max(r2.version) FROM reference_summaries r2"
        f"  WHERE r2.record_id = r.record_id AND {cond2})"
        " ORDER BY r.record_id ON CONFLICT DO NOTHING"
    )
    return int(store.scalar("SELECT count(*) FROM annotation_items WHERE item_kind = 'reference'")) - int(before)


def current_items(store: Store, kind: str) -> list[dict[str, Any]]:
    """Items of ``kind`` still to be annotated: a newer reference version supersedes older ones."""
    if kind not in ITEM_KINDS:
        raise InputError(f"Unknown item kind {kind!r}; use reference or pairwise.")
    sql = (
        "SELECT i.item_kind, i.item_id, i.record_id, coalesce(rec.title, i.record_id) AS title,"
        " i.added_at FROM annotation_items i LEFT JOIN records rec ON rec.id = i.record_id"
        " WHERE i.item_kind = ?"
    )
    if kind == "reference":
        cond = NOT_FROM_ANNOTATION.format(t="r2")
        sql += (
            " AND (SELECT version FROM reference_summaries r WHERE r.id = i.item_id) ="
            f" (SELECT max(r2.version) FROM reference_summaries r2 WHERE r2.record_id = i.record_id AND {cond})"
        )
    return store.fetch_dicts(sql + " ORDER BY i.added_at, i.record_id, i.item_id", [kind])


def assignees(item_kind: str, item_id: str, pool: list[str], k: int) -> list[str]:
    """The ``k`` annotators of ``pool`` that rank highest for this item (rendezvous hashing)."""
    def rank(name: str) -> str:
        return hashlib.sha256(f"{item_kind}\x1f{item_id}\x1f{name}".encode()).hexdigest()

    return sorted(pool, key=rank, reverse=True)[: max(0, k)]


# -- queues and progress ----------------------------------------------------------------------
def _state(store: Store, kind: str) -> tuple[list[dict], dict[str, set[str]], dict[str, set[str]]]:
    items = current_items(store, kind)
    done: dict[str, set[str]] = {}
    for row in store.fetch_dicts("SELECT item_id, annotator FROM annotations WHERE item_kind = ?", [kind]):
        done.setdefault(row["annotator"], set()).add(row["item_id"])
    drafts: dict[str, set[str]] = {}
    for row in store.fetch_dicts("SELECT item_id, annotator FROM annotation_drafts WHERE item_kind = ?", [kind]):
        drafts.setdefault(row["annotator"], set()).add(row["item_id"])
    return items, done, drafts


def queue(store: Store, annotator: str, kind: str = "reference", secrets: dict | None = None) -> list[dict[str, Any]]:
    """The items for ``annotator``, each with ``state``: done, draft or todo."""
    with store.connect():  # one lock and connection for the few queries below
        if kind == "reference":
            sync_reference_items(store)
        items, done, drafts = _state(store, kind)
        pool, k = active_names(store, secrets), get_overlap(store)
    mine_done, mine_drafts = done.get(annotator, set()), drafts.get(annotator, set())
    out = []
    for item in items:
        item_id = item["item_id"]
        if item_id in mine_done or item_id in mine_drafts or annotator in assignees(kind, item_id, pool, k):
            state = "done" if item_id in mine_done else "draft" if item_id in mine_drafts else "todo"
            out.append({**item, "state": state})
    return out


def progress(store: Store, kind: str = "reference", secrets: dict | None = None) -> list[dict[str, Any]]:
    """Per annotator: items assigned, submitted, drafted and left."""
    with store.connect():
        if kind == "reference":
            sync_reference_items(store)
        items, done, drafts = _state(store, kind)
        pool, k = active_names(store, secrets), get_overlap(store)
    assigned: dict[str, set[str]] = {name: set() for name in pool}
    for item in items:
        for name in assignees(kind, item["item_id"], pool, k):
            assigned[name].add(item["item_id"])
    current = {i["item_id"] for i in items}
    rows = []
    for name in sorted(set(pool) | set(done) | set(drafts)):
        mine = (assigned.get(name, set()) | done.get(name, set()) | drafts.get(name, set())) & current
        n_done = len(done.get(name, set()) & mine)
        n_draft = len((drafts.get(name, set()) - done.get(name, set())) & mine)
        rows.append({"annotator": name, "assigned": len(mine), "done": n_done, "drafts": n_draft,
                     "left": len(mine) - n_done})
    return rows
